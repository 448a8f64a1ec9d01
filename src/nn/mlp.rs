//! The [`Mlp`] type: architecture, flat parameter vector, Glorot initialisation, builder.
//!
//! The passes (forward, VJP, JVP) live in [`super::pass`]; the const-dimension trait view in
//! [`super::field`]; JSON files in [`super::io`].

use super::activation::Activation;
use super::error::NnError;
use super::pass::Workspace;
use nalgebra::RealField;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use simba::scalar::SupersetOf;
use std::fmt;
use std::sync::Mutex;

/// Shape and offsets of one dense layer `x ↦ σ(W·[x; t] + b)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layer {
    /// Input width without the time column.
    pub n_in: usize,
    /// Output width.
    pub n_out: usize,
    /// Columns of W: `n_in + 1` with time input, else `n_in`.
    pub cols: usize,
    /// Offset of W (row-major, `n_out × cols`) in the flat parameter vector.
    pub w_off: usize,
    /// Offset of b (`n_out`) in the flat parameter vector.
    pub b_off: usize,
    /// Offset of this layer's input in the workspace activation buffer.
    pub in_off: usize,
    /// Offset of this layer's output (= `in_off + n_in`) in the activation buffer.
    pub out_off: usize,
    /// Offset of this layer's pre-activations in the workspace pre-activation buffer.
    pub pre_off: usize,
    /// The activation applied to this layer's output.
    pub act: Activation,
}

/// A multilayer perceptron `f_θ(t, y)`, usable as a trainable vector field.
///
/// # Architecture
/// Widths `[d_in, h₁, …, h_{L−1}, d_out]` give `L` dense layers. Hidden layers apply the hidden
/// activation (default [`Activation::Tanh`]), the last layer the output activation (default
/// [`Activation::Identity`]). With **time input** (default off), `t` is appended to *every*
/// layer's input, as in the neural-ODE literature: `Dense(d_in+1 → h₁)`, …,
/// `Dense(h_{L−1}+1 → d_out)`.
///
/// # Parameter layout
/// One flat vector θ, layer after layer; for each layer first `W` (`n_out × cols`, **row-major**,
/// `cols = n_in + 1` with time input, the time weight being the last column), then `b`
/// (`n_out`). So `W[i][j]` of layer `l` sits at `offset_l + i·cols + j` and `b[i]` at
/// `offset_l + n_out·cols + i`.
///
/// # Initialisation
/// [`MlpBuilder::build`] draws every `W` entry from Glorot/Xavier-uniform
/// `U(−√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out)))` with `fan_in = cols` (time column
/// included) and `fan_out = n_out`, from `ChaCha8Rng::seed_from_u64(seed)` (default seed 0),
/// in parameter order; biases are zero. The same seed gives the same parameters on every
/// platform.
///
/// # Allocation and threads
/// Evaluation needs scratch space whose size is only known at run time. It is allocated once,
/// at construction, and kept behind a `Mutex` inside the network, so that the `&self` passes
/// ([`eval_slice`](Self::eval_slice), [`vjp_slice`](Self::vjp_slice),
/// [`jvp_slice`](Self::jvp_slice), and the [`VectorField`](crate::VectorField) view) never
/// touch the heap. The lock is only ever *tried* (`try_lock`, one uncontended atomic, a few ns
/// against microseconds for a pass); it never blocks. If two threads use the same network at
/// the same moment, the loser computes on a temporary workspace (correct, but it allocates).
///
/// So `Mlp` is `Send + Sync + Clone`: sharing one `&Mlp` across rayon tasks is correct, and
/// for **allocation-free** parallel use clone one per task
/// (`par_iter().map_init(|| mlp.clone(), |m, x| …)`), which copies θ and gets its own
/// workspace. (A `RefCell` workspace would make `Mlp` `!Sync`, and then even `map_init(||
/// mlp.clone(), …)` does not compile, because the init closure must be `Sync`.)
///
/// # Scalars
/// Generic in `T: RealField + Copy`; `num_dual::Dual64` or hyper-dual numbers pass through
/// unchanged, and [`cast`](Self::cast) converts θ (e.g. `Mlp<f64>` → `Mlp<Dual64>`).
pub struct Mlp<T = f64> {
    pub(crate) widths: Vec<usize>,
    pub(crate) hidden_activation: Activation,
    pub(crate) output_activation: Activation,
    pub(crate) time_input: bool,
    pub(crate) layers: Vec<Layer>,
    pub(crate) params: Vec<T>,
    pub(crate) ws: Mutex<Workspace<T>>,
}

impl<T: RealField + Copy> Clone for Mlp<T> {
    fn clone(&self) -> Self {
        Mlp {
            widths: self.widths.clone(),
            hidden_activation: self.hidden_activation,
            output_activation: self.output_activation,
            time_input: self.time_input,
            layers: self.layers.clone(),
            params: self.params.clone(),
            // The workspace holds no state between calls: the clone gets fresh scratch.
            ws: Mutex::new(Workspace::new(&self.widths)),
        }
    }
}

impl<T> fmt::Debug for Mlp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mlp")
            .field("widths", &self.widths)
            .field("hidden_activation", &self.hidden_activation)
            .field("output_activation", &self.output_activation)
            .field("time_input", &self.time_input)
            .field("n_params", &self.params.len())
            .finish()
    }
}

/// Validate widths and compute the layer table and parameter count.
pub(crate) fn layout(
    widths: &[usize],
    hidden: Activation,
    output: Activation,
    time_input: bool,
) -> Result<(Vec<Layer>, usize), NnError> {
    if widths.len() < 2 {
        return Err(NnError::NoLayers { got: widths.len() });
    }
    if let Some(index) = widths.iter().position(|&w| w == 0) {
        return Err(NnError::ZeroWidth { index });
    }
    let n_layers = widths.len() - 1;
    let mut layers = Vec::with_capacity(n_layers);
    let (mut p, mut a, mut z) = (0usize, 0usize, 0usize);
    for l in 0..n_layers {
        let (n_in, n_out) = (widths[l], widths[l + 1]);
        let cols = n_in + usize::from(time_input);
        let w_off = p;
        let b_off = n_out
            .checked_mul(cols)
            .and_then(|nw| w_off.checked_add(nw))
            .ok_or(NnError::TooLarge { layer: l })?;
        p = b_off
            .checked_add(n_out)
            .ok_or(NnError::TooLarge { layer: l })?;
        layers.push(Layer {
            n_in,
            n_out,
            cols,
            w_off,
            b_off,
            in_off: a,
            out_off: a + n_in,
            pre_off: z,
            act: if l + 1 == n_layers { output } else { hidden },
        });
        a += n_in;
        z += n_out;
    }
    Ok((layers, p))
}

impl<T: RealField + Copy> Mlp<T> {
    /// Assemble a network from an architecture and a parameter vector (checked).
    pub(crate) fn from_parts(
        widths: Vec<usize>,
        hidden_activation: Activation,
        output_activation: Activation,
        time_input: bool,
        params: Vec<T>,
    ) -> Result<Self, NnError> {
        let (layers, n) = layout(&widths, hidden_activation, output_activation, time_input)?;
        if params.len() != n {
            return Err(NnError::ParamLength {
                expected: n,
                got: params.len(),
            });
        }
        let ws = Mutex::new(Workspace::new(&widths));
        Ok(Mlp {
            widths,
            hidden_activation,
            output_activation,
            time_input,
            layers,
            params,
            ws,
        })
    }

    /// Input dimension `d_in` (without the time input).
    pub fn d_in(&self) -> usize {
        self.widths[0]
    }

    /// Output dimension `d_out`.
    pub fn d_out(&self) -> usize {
        self.widths[self.widths.len() - 1]
    }

    /// All widths `[d_in, h₁, …, d_out]`.
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    /// Number of dense layers (`widths().len() − 1`).
    pub fn n_layers(&self) -> usize {
        self.layers.len()
    }

    /// The activation of the hidden layers.
    pub fn hidden_activation(&self) -> Activation {
        self.hidden_activation
    }

    /// The activation of the output layer.
    pub fn output_activation(&self) -> Activation {
        self.output_activation
    }

    /// Whether `t` is appended to every layer's input.
    pub fn time_input(&self) -> bool {
        self.time_input
    }

    /// Length of the flat parameter vector θ.
    pub fn n_params(&self) -> usize {
        self.params.len()
    }

    /// The flat parameter vector θ (layout: see the type documentation).
    pub fn params(&self) -> &[T] {
        &self.params
    }

    /// Mutable θ; its length is fixed by the architecture.
    pub fn params_mut(&mut self) -> &mut [T] {
        &mut self.params
    }

    /// Overwrite θ from a slice of the right length.
    pub fn set_params(&mut self, params: &[T]) -> Result<(), NnError> {
        if params.len() != self.params.len() {
            return Err(NnError::ParamLength {
                expected: self.params.len(),
                got: params.len(),
            });
        }
        self.params.copy_from_slice(params);
        Ok(())
    }

    /// Index ranges of layer `l`'s weights `W` (row-major) and biases `b` in θ, or `None` if
    /// `l >= n_layers()`. Useful for weight decay on `W` only, or per-layer learning rates.
    pub fn layer_param_ranges(
        &self,
        l: usize,
    ) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
        self.layers
            .get(l)
            .map(|ly| (ly.w_off..ly.b_off, ly.b_off..ly.b_off + ly.n_out))
    }

    /// The same network with θ converted to scalar `U` (e.g. `f64` → `Dual64` to differentiate
    /// through it with dual numbers, or `f32` → `f64`). Allocates a fresh workspace.
    pub fn cast<U>(&self) -> Mlp<U>
    where
        U: RealField + Copy + SupersetOf<T>,
    {
        Mlp {
            widths: self.widths.clone(),
            hidden_activation: self.hidden_activation,
            output_activation: self.output_activation,
            time_input: self.time_input,
            layers: self.layers.clone(),
            params: self
                .params
                .iter()
                .map(|&p| nalgebra::convert::<T, U>(p))
                .collect(),
            ws: Mutex::new(Workspace::new(&self.widths)),
        }
    }
}

impl Mlp<f64> {
    /// Start building a network with widths `[d_in, h₁, …, d_out]` (see [`MlpBuilder`] for the
    /// defaults).
    pub fn builder(widths: &[usize]) -> MlpBuilder {
        MlpBuilder::new(widths)
    }
}

/// Builder for [`Mlp`]: `Mlp::builder(&[2, 32, 32, 2]).hidden_activation(Activation::Tanh)
/// .time_input(true).seed(7).build()`.
///
/// Defaults: hidden activation [`Activation::Tanh`], output activation
/// [`Activation::Identity`], no time input, seed 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlpBuilder {
    widths: Vec<usize>,
    hidden_activation: Activation,
    output_activation: Activation,
    time_input: bool,
    seed: u64,
}

impl MlpBuilder {
    /// A builder for widths `[d_in, h₁, …, d_out]` with the defaults above.
    pub fn new(widths: &[usize]) -> Self {
        MlpBuilder {
            widths: widths.to_vec(),
            hidden_activation: Activation::Tanh,
            output_activation: Activation::Identity,
            time_input: false,
            seed: 0,
        }
    }

    /// Activation of every hidden layer (default `Tanh`).
    pub fn hidden_activation(mut self, a: Activation) -> Self {
        self.hidden_activation = a;
        self
    }

    /// Activation of the output layer (default `Identity`).
    pub fn output_activation(mut self, a: Activation) -> Self {
        self.output_activation = a;
        self
    }

    /// Append `t` to every layer's input (default `false`).
    pub fn time_input(mut self, on: bool) -> Self {
        self.time_input = on;
        self
    }

    /// Seed of the Glorot initialisation (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Number of parameters the architecture needs (errors as in [`build`](Self::build)).
    pub fn n_params(&self) -> Result<usize, NnError> {
        layout(
            &self.widths,
            self.hidden_activation,
            self.output_activation,
            self.time_input,
        )
        .map(|(_, n)| n)
    }

    /// Build with Glorot-uniform weights from the seed and zero biases.
    ///
    /// Errors: [`NnError::NoLayers`] for fewer than two widths, [`NnError::ZeroWidth`].
    pub fn build(&self) -> Result<Mlp<f64>, NnError> {
        let (layers, n) = layout(
            &self.widths,
            self.hidden_activation,
            self.output_activation,
            self.time_input,
        )?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut params = vec![0.0; n];
        for ly in &layers {
            let limit = (6.0 / (ly.cols + ly.n_out) as f64).sqrt();
            for w in &mut params[ly.w_off..ly.b_off] {
                *w = rng.random_range(-limit..limit);
            }
        }
        self.build_with_params(params)
    }

    /// Build with the given θ (layout: see [`Mlp`]).
    ///
    /// Errors: as [`build`](Self::build), plus [`NnError::ParamLength`] with the expected and
    /// received lengths.
    pub fn build_with_params<T: RealField + Copy>(
        &self,
        params: Vec<T>,
    ) -> Result<Mlp<T>, NnError> {
        Mlp::from_parts(
            self.widths.clone(),
            self.hidden_activation,
            self.output_activation,
            self.time_input,
            params,
        )
    }
}
