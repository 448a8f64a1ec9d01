//! The batch-level local regularizer (one `t_r`, one `h`, one RMS norm over the whole batch, as
//! LocalRegNeuralDE.jl evaluates it) against (a) the per-state regularizer of the concatenated
//! system — a batch of two 2-D states is one 4-D state whose field applies the same network to
//! each half — and (b) five-point finite differences of `R_b` with `z`, `k₁`, `h` frozen.

use nodal::nn::{Mlp, MlpField};
use nodal::regularize::{FirstStage, Frozen, OneStep, RegularizeError};
use nodal::{ParamField, State, Tableau, VectorField};

fn field(seed: u64) -> MlpField<2> {
    Mlp::builder(&[2, 8, 2])
        .time_input(true)
        .seed(seed)
        .build()
        .unwrap()
        .into_field::<2>()
        .unwrap()
}

/// Two copies of one 2-D network acting on the halves of a 4-D state (shared parameters).
#[derive(Clone)]
struct Pair(MlpField<2>);

fn halves(z: &State<4>) -> (State<2>, State<2>) {
    (State::<2>::new(z[0], z[1]), State::<2>::new(z[2], z[3]))
}

impl VectorField<4> for Pair {
    fn eval(&self, t: f64, z: &State<4>) -> State<4> {
        let (a, b) = halves(z);
        let (fa, fb) = (self.0.eval(t, &a), self.0.eval(t, &b));
        State::<4>::new(fa[0], fa[1], fb[0], fb[1])
    }
}

impl ParamField<4> for Pair {
    fn params(&self) -> &[f64] {
        self.0.params()
    }
    fn params_mut(&mut self) -> &mut [f64] {
        self.0.params_mut()
    }
    fn vjp(&self, t: f64, z: &State<4>, w: &State<4>, gy: &mut State<4>, gp: &mut [f64]) {
        let (a, b) = halves(z);
        let (wa, wb) = halves(w);
        let (mut ga, mut gb) = (State::<2>::zeros(), State::<2>::zeros());
        self.0.vjp(t, &a, &wa, &mut ga, gp);
        self.0.vjp(t, &b, &wb, &mut gb, gp);
        *gy += State::<4>::new(ga[0], ga[1], gb[0], gb[1]);
    }
}

fn states() -> [State<2>; 2] {
    [State::<2>::new(0.9, -0.4), State::<2>::new(-0.3, 1.7)]
}

#[test]
fn batch_of_two_is_the_concatenated_system() {
    let tab = Tableau::tsit5();
    let cfg = OneStep::error(1e-6, 1e-6);
    let f = field(3);
    let [a, b] = states();
    let cat = State::<4>::new(a[0], a[1], b[0], b[1]);
    for t in [0.0, 0.45, 0.999] {
        let frs = cfg.freeze_batch(&tab, &f, t, &[a, b], (0.0, 1.0)).unwrap();
        let fr4 = cfg
            .freeze(&tab, &Pair(f.clone()), t, &cat, (0.0, 1.0))
            .unwrap();
        // One step for the batch: the 4-D system's automatic initial step.
        approx::assert_relative_eq!(frs[0].h, fr4.h, max_relative = 1e-12);
        assert_eq!(frs[1].h, frs[0].h);
        // Per-state RMS norms squared average to the 4-D RMS norm, so R_b is the 4-D value,
        // and the gradient is the 4-D gradient with k₁ and h frozen.
        let n = f.params().len();
        let mut g = vec![0.0; n];
        let r = cfg
            .batch_value_and_grad_frozen(&tab, &f, &frs, FirstStage::Frozen, 2.0, &mut g)
            .unwrap();
        let mut g4 = vec![0.0; n];
        let r4 = cfg
            .value_and_grad_frozen(&tab, &Pair(f.clone()), &fr4, 2.0, &mut g4)
            .unwrap();
        approx::assert_relative_eq!(r, r4, max_relative = 1e-9);
        let scale = g4.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(scale > 0.0);
        for (i, (x, y)) in g.iter().zip(&g4).enumerate() {
            assert!((x - y).abs() <= 1e-9 * scale, "t = {t}, θ[{i}]: {x} vs {y}");
        }
    }
}

/// `R_b` with every state's `z`, `k₁`, `h` from `frs`.
fn r_b(cfg: &OneStep, tab: &Tableau<7>, f: &MlpField<2>, frs: &[Frozen<2>]) -> f64 {
    let h = frs[0].h.abs();
    let ms = frs
        .iter()
        .map(|fr| (cfg.value_frozen(tab, f, fr).unwrap() / h).powi(2))
        .sum::<f64>()
        / frs.len() as f64;
    ms.sqrt() * h
}

#[test]
fn batch_gradient_matches_frozen_finite_differences() {
    let tab = Tableau::tsit5();
    let cfg = OneStep::error(1e-6, 1e-6);
    let f = field(8);
    let zs = [
        State::<2>::new(0.9, -0.4),
        State::<2>::new(-0.3, 1.7),
        State::<2>::new(0.05, 0.2),
    ];
    let mut frs = cfg.freeze_batch(&tab, &f, 0.3, &zs, (0.0, 1.0)).unwrap();
    // 16× the heuristic step: the error vector is large enough for well-conditioned
    // differences (as in tests/regularize_local.rs).
    for fr in &mut frs {
        fr.h *= 16.0;
    }
    let mut g = vec![0.0; f.params().len()];
    let r = cfg
        .batch_value_and_grad_frozen(&tab, &f, &frs, FirstStage::Frozen, 1.0, &mut g)
        .unwrap();
    approx::assert_relative_eq!(r, r_b(&cfg, &tab, &f, &frs), max_relative = 1e-12);
    let eps = 1e-5;
    let mut p = f.clone();
    let fd: Vec<f64> = (0..f.params().len())
        .map(|k| {
            let p0 = f.params()[k];
            let mut at = |d: f64| {
                p.params_mut()[k] = p0 + d;
                let v = r_b(&cfg, &tab, &p, &frs);
                p.params_mut()[k] = p0;
                v
            };
            let (p1, m1, p2, m2) = (at(eps), at(-eps), at(2.0 * eps), at(-2.0 * eps));
            (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * eps)
        })
        .collect();
    let scale = fd.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0);
    for (i, (x, y)) in g.iter().zip(&fd).enumerate() {
        assert!((x - y).abs() <= 1e-5 * scale, "θ[{i}]: {x} vs fd {y}");
    }
}

#[test]
fn batch_bad_inputs_give_typed_errors() {
    let tab = Tableau::tsit5();
    let cfg = OneStep::error(1e-6, 1e-6);
    let f = field(1);
    let zs = states();
    let n = f.params().len();
    let mut g = vec![0.0; n];
    assert!(matches!(
        cfg.freeze_batch(&tab, &f, 0.2, &[], (0.0, 1.0)),
        Err(RegularizeError::EmptyBatch)
    ));
    assert!(matches!(
        cfg.freeze_batch(&Tableau::dop853(), &f, 0.2, &zs, (0.0, 1.0)),
        Err(RegularizeError::NotBatchable {
            method: "dop853",
            ..
        })
    ));
    assert!(matches!(
        OneStep::stiffness(1e-6, 1e-6).freeze_batch(&tab, &f, 0.2, &zs, (0.0, 1.0)),
        Err(RegularizeError::NotBatchable { .. })
    ));
    assert!(matches!(
        cfg.freeze_batch(&tab, &f, 1.5, &zs, (0.0, 1.0)),
        Err(RegularizeError::TimeOutsideSpan { .. })
    ));
    let mut frs = cfg.freeze_batch(&tab, &f, 0.2, &zs, (0.0, 1.0)).unwrap();
    assert!(matches!(
        cfg.batch_value_and_grad_frozen(&tab, &f, &frs, FirstStage::Frozen, 1.0, &mut g[..3]),
        Err(RegularizeError::ParamLength { got: 3, .. })
    ));
    frs[1].h *= 2.0;
    match cfg.batch_value_and_grad_frozen(&tab, &f, &frs, FirstStage::Frozen, 1.0, &mut g) {
        Err(RegularizeError::BatchSteps { first, other }) => {
            approx::assert_relative_eq!(other, 2.0 * first)
        }
        other => panic!("expected BatchSteps, got {other:?}"),
    }
    assert!(
        g.iter().all(|v| *v == 0.0),
        "failed calls leave the gradient untouched"
    );
}
