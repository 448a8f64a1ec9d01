//! [`MlpField`]: an [`Mlp`] with `d_in == d_out == D` checked once, implementing
//! [`VectorField`] and [`ParamField`] for the solvers and adjoints.

use super::error::NnError;
use super::mlp::Mlp;
use crate::{ParamField, State, VectorField};
use nalgebra::RealField;

/// An [`Mlp`] viewed as a vector field on `D` states.
///
/// It **owns** the network (so that [`ParamField::params_mut`] can hand out θ); the
/// dimensions are checked when it is built ([`Mlp::into_field`] / [`MlpField::new`]), so
/// [`VectorField::eval`] never fails and never allocates. Get the network back with
/// [`into_mlp`](Self::into_mlp), or borrow it with [`mlp`](Self::mlp). Like [`Mlp`] it is
/// `Send + Sync + Clone`; clone one per rayon task for allocation-free parallel use.
#[derive(Debug)]
pub struct MlpField<const D: usize, T = f64> {
    mlp: Mlp<T>,
}

impl<const D: usize, T: RealField + Copy> Clone for MlpField<D, T> {
    fn clone(&self) -> Self {
        MlpField {
            mlp: self.mlp.clone(),
        }
    }
}

impl<T: RealField + Copy> Mlp<T> {
    /// View this network as a vector field on `D` states (see [`MlpField`]).
    ///
    /// Errors: [`NnError::Dimension`] if `d_in != D` or `d_out != D`.
    pub fn into_field<const D: usize>(self) -> Result<MlpField<D, T>, NnError> {
        MlpField::new(self)
    }
}

impl<const D: usize, T: RealField + Copy> MlpField<D, T> {
    /// Wrap `mlp`, checking `d_in == d_out == D`.
    ///
    /// Errors: [`NnError::Dimension`] naming which side differs.
    pub fn new(mlp: Mlp<T>) -> Result<Self, NnError> {
        if mlp.d_in() != D {
            return Err(NnError::Dimension {
                what: "network input d_in vs field dimension D",
                expected: D,
                got: mlp.d_in(),
            });
        }
        if mlp.d_out() != D {
            return Err(NnError::Dimension {
                what: "network output d_out vs field dimension D",
                expected: D,
                got: mlp.d_out(),
            });
        }
        Ok(MlpField { mlp })
    }

    /// The wrapped network.
    pub fn mlp(&self) -> &Mlp<T> {
        &self.mlp
    }

    /// The wrapped network, mutably (its architecture cannot change, only θ).
    pub fn mlp_mut(&mut self) -> &mut Mlp<T> {
        &mut self.mlp
    }

    /// Unwrap the network.
    pub fn into_mlp(self) -> Mlp<T> {
        self.mlp
    }

    /// Like [`ParamField::vjp`] but returns [`NnError::ParamLength`] instead of panicking when
    /// `gp.len() != n_params()`.
    pub fn try_vjp(
        &self,
        t: T,
        y: &State<D, T>,
        w: &State<D, T>,
        gy: &mut State<D, T>,
        gp: &mut [T],
    ) -> Result<(), NnError> {
        self.mlp
            .vjp_slice(t, y.as_slice(), w.as_slice(), gy.as_mut_slice(), gp)
    }

    /// Forward mode: `(f(t, y), ∂f/∂y·v + ∂f/∂θ·u)`, with `u = None` meaning no parameter
    /// tangent. No heap allocation.
    ///
    /// Errors: [`NnError::ParamLength`] if `u` is given with the wrong length.
    pub fn jvp(
        &self,
        t: T,
        y: &State<D, T>,
        v: &State<D, T>,
        u: Option<&[T]>,
    ) -> Result<(State<D, T>, State<D, T>), NnError> {
        let mut f = State::<D, T>::zeros();
        let mut jv = State::<D, T>::zeros();
        self.mlp.jvp_slice(
            t,
            y.as_slice(),
            v.as_slice(),
            u,
            f.as_mut_slice(),
            jv.as_mut_slice(),
        )?;
        Ok((f, jv))
    }
}

impl<const D: usize, T: RealField + Copy> VectorField<D, T> for MlpField<D, T> {
    #[inline]
    fn eval(&self, t: T, y: &State<D, T>) -> State<D, T> {
        let mut out = State::<D, T>::zeros();
        // Dimensions were checked in `MlpField::new`.
        self.mlp.eval_unchecked(t, y.as_slice(), out.as_mut_slice());
        out
    }
}

impl<const D: usize, T: RealField + Copy> ParamField<D, T> for MlpField<D, T> {
    fn params(&self) -> &[T] {
        self.mlp.params()
    }

    fn params_mut(&mut self) -> &mut [T] {
        self.mlp.params_mut()
    }

    /// Adds `wᵀ∂f/∂y` to `gy` and `wᵀ∂f/∂θ` to `gp`; no heap allocation.
    ///
    /// # Panics
    /// If `gp.len() != params().len()`, which the trait contract forbids (a programming error,
    /// not bad data); use [`MlpField::try_vjp`] for a `Result` instead.
    fn vjp(&self, t: T, y: &State<D, T>, w: &State<D, T>, gy: &mut State<D, T>, gp: &mut [T]) {
        assert_eq!(
            gp.len(),
            self.mlp.n_params(),
            "ParamField::vjp: gp has length {} but the MLP has {} parameters",
            gp.len(),
            self.mlp.n_params()
        );
        self.mlp
            .vjp_unchecked(t, y.as_slice(), w.as_slice(), gy.as_mut_slice(), gp);
    }

    /// The activations and pre-activations of one forward pass (`2·Σ widths − d_in`).
    fn record_len(&self) -> usize {
        self.mlp.record_len()
    }

    /// One forward pass that writes its activations into `rec` (no workspace lock). A `rec`
    /// shorter than [`ParamField::record_len`] is not written (plain evaluation).
    fn eval_recorded(&self, t: T, y: &State<D, T>, rec: &mut [T]) -> State<D, T> {
        let n = self.mlp.record_len();
        if rec.len() < n {
            return self.eval(t, y);
        }
        let mut out = State::<D, T>::zeros();
        self.mlp
            .eval_recorded_unchecked(t, y.as_slice(), out.as_mut_slice(), &mut rec[..n]);
        out
    }

    /// The VJP's reverse sweep only, from the recorded forward pass: about half the cost of
    /// [`ParamField::vjp`] for a tanh network (no activations recomputed). A `rec` shorter than
    /// [`ParamField::record_len`] falls back to [`ParamField::vjp`].
    ///
    /// # Panics
    /// As [`ParamField::vjp`], if `gp.len() != params().len()`.
    fn vjp_recorded(
        &self,
        t: T,
        y: &State<D, T>,
        rec: &[T],
        w: &State<D, T>,
        gy: &mut State<D, T>,
        gp: &mut [T],
    ) {
        let n = self.mlp.record_len();
        if rec.len() < n {
            return self.vjp(t, y, w, gy, gp);
        }
        assert_eq!(
            gp.len(),
            self.mlp.n_params(),
            "ParamField::vjp_recorded: gp has length {} but the MLP has {} parameters",
            gp.len(),
            self.mlp.n_params()
        );
        self.mlp
            .vjp_recorded_unchecked(t, &rec[..n], w.as_slice(), gy.as_mut_slice(), gp);
    }
}
