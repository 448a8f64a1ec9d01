//! Criterion benchmarks of nodal's solvers against hand-written loops of the same methods
//! (`benches/handwritten/mod.rs`): plain `[f64; D]` arrays, coefficients as literals, every
//! stage spelled out.
//!
//! Cases (each in one criterion group with ids `nodal` and `handwritten`):
//! * `lorenz63_rk4_fixed`: Lorenz-63 (σ = 10, ρ = 28, β = 8/3), y0 = (1, 1, 1), t ∈ [0, 100],
//!   fixed RK4 with h = 0.01;
//! * `lorenz63_dopri5`, `lorenz63_tsit5`: the same problem, adaptive with rtol = atol = 1e-8;
//! * `dense64_rk4_fixed`: `DenseLinear::<64>::test_matrix(1)`, y0_i = sin(0.3 i) + 0.5,
//!   t ∈ [0, 10], h = 0.01;
//! * `dense64_dopri5`: the same problem, adaptive with rtol = atol = 1e-8.
//!
//! The D = 64 groups have a third id, `nodal_handwritten_field`: nodal's solver with the
//! hand-written matrix–vector product as its field, which separates the cost of the field
//! (nalgebra's product) from that of the solver.
//!
//! Before anything is timed, each pair is run once and checked: equal NFE, accepted and
//! rejected counts, and final states equal to 1e-12 relative (the hand-written loops perform
//! the same floating-point operations in the same order). Then the nodal/hand-written time
//! ratio is measured **interleaved** (alternating timed batches, median of the per-round
//! ratios) so that load from other processes affects both sides alike, and printed with the
//! counts; criterion's medians follow.
//!
//! Run: `cargo bench --bench solve`; criterion's medians are in
//! `target/criterion/<group>/<id>/new/estimates.json`. With `NODAL_BENCH_RATIOS_ONLY=1` only
//! the checks and the interleaved ratios run.

mod handwritten;

use criterion::{criterion_group, Criterion};
use handwritten as hw;
use nodal::systems::{DenseLinear, Lorenz63};
use nodal::{solve_adaptive, solve_fixed, Adaptive, State, Stats, Tableau};
use std::hint::black_box;
use std::time::Duration;

const LORENZ_T1: f64 = 100.0;
const DENSE_T1: f64 = 10.0;
const H: f64 = 0.01;
const TOL: f64 = 1e-8;
/// Rounds of the interleaved ratio measurement.
const ROUNDS: usize = 61;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// CPU time of the calling thread in seconds (`CLOCK_THREAD_CPUTIME_ID`), so that time spent
/// descheduled by other processes on this shared machine is not counted.
#[cfg(target_os = "linux")]
fn cpu_now() -> f64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is Linux's constant.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime failed");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Wall-clock fallback where the thread CPU clock is not wired up.
#[cfg(not(target_os = "linux"))]
fn cpu_now() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

fn lorenz_y0() -> State<3> {
    State::<3>::new(1.0, 1.0, 1.0)
}

fn dense_y0() -> State<64> {
    State::<64>::from_fn(|i, _| (0.3 * i as f64).sin() + 0.5)
}

fn arr<const D: usize>(y: &State<D>) -> [f64; D] {
    std::array::from_fn(|i| y[i])
}

/// One benchmark: a nodal solve and the hand-written loop of the same method.
struct Pair<'a, const D: usize> {
    group: &'static str,
    nodal: Box<dyn Fn() -> (State<D>, Stats) + 'a>,
    hand: Box<dyn Fn() -> ([f64; D], hw::Counts) + 'a>,
    /// The nodal solve with the hand-written field (D = 64 only): separates the cost of the
    /// field (nalgebra's product vs the hand-written loop) from the cost of the solver.
    nodal_hand_field: Option<Box<dyn Fn() -> (State<D>, Stats) + 'a>>,
}

impl<const D: usize> Pair<'_, D> {
    /// Run both once; panic unless the counts are equal and the final states agree to 1e-12
    /// relative. Returns the counts.
    fn check(&self) -> hw::Counts {
        let (y, s) = (self.nodal)();
        let (yh, c) = (self.hand)();
        let counts = hw::Counts {
            nfe: s.nfe,
            accepted: s.accepted,
            rejected: s.rejected,
        };
        assert_eq!(counts, c, "{}: nodal vs hand-written counts", self.group);
        let scale = y.amax().max(1e-300);
        let diff = (0..D).map(|i| (y[i] - yh[i]).abs()).fold(0.0, f64::max) / scale;
        assert!(
            diff <= 1e-12,
            "{}: final states differ by {diff:e} (relative)",
            self.group
        );
        println!(
            "{}: nfe {} accepted {} rejected {}; max |y_nodal − y_hand| / max|y| = {diff:.1e}",
            self.group, counts.nfe, counts.accepted, counts.rejected
        );
        counts
    }

    fn report(&self) {
        let c = self.check();
        let run_nodal = || {
            black_box((self.nodal)());
        };
        let run_hand = || {
            black_box((self.hand)());
        };
        let (r, tn, th) = interleaved(&run_nodal, &run_hand);
        println!(
            "RATIO {}: nodal/hand-written = {r:.3} (interleaved CPU time, median of {ROUNDS} \
             rounds); per call nodal {:.1} µs, hand-written {:.1} µs; nfe {}",
            self.group,
            tn * 1e6,
            th * 1e6,
            c.nfe
        );
        if let Some(nf) = &self.nodal_hand_field {
            let (y, s) = nf();
            let (yn, sn) = (self.nodal)();
            assert_eq!((y, s), (yn, sn), "{}: the two fields agree", self.group);
            let run = || {
                black_box(nf());
            };
            let (r, tn, th) = interleaved(&run, &run_hand);
            println!(
                "RATIO {} (nodal solver, hand-written field): nodal/hand-written = {r:.3} \
                 (interleaved CPU time, median of {ROUNDS} rounds); per call nodal {:.1} µs, \
                 hand-written {:.1} µs",
                self.group,
                tn * 1e6,
                th * 1e6,
            );
        }
    }

    fn bench(&self, c: &mut Criterion) {
        let mut g = c.benchmark_group(self.group);
        g.bench_function("nodal", |b| b.iter(|| black_box((self.nodal)())));
        g.bench_function("handwritten", |b| b.iter(|| black_box((self.hand)())));
        if let Some(nf) = &self.nodal_hand_field {
            g.bench_function("nodal_handwritten_field", |b| b.iter(|| black_box(nf())));
        }
        g.finish();
    }
}

/// Median over [`ROUNDS`] rounds of t(a)/t(b), each round timing one batch of each
/// (alternating which goes first) in thread CPU time, so that time spent descheduled by other
/// processes does not count. Batches last about 5 ms. Returns the median ratio and the median
/// CPU time per call of each side in seconds.
fn interleaved(a: &dyn Fn(), b: &dyn Fn()) -> (f64, f64, f64) {
    let time = |f: &dyn Fn(), n: usize| {
        let t = cpu_now();
        for _ in 0..n {
            f();
        }
        (cpu_now() - t) / n as f64
    };
    time(b, 1);
    let single = time(a, 1).max(1e-7);
    let n = ((5e-3 / single) as usize).clamp(1, 10_000);
    let (mut ratios, mut ta, mut tb) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..ROUNDS {
        let (x, y) = if r % 2 == 0 {
            let x = time(a, n);
            (x, time(b, n))
        } else {
            let y = time(b, n);
            (time(a, n), y)
        };
        ratios.push(x / y);
        ta.push(x);
        tb.push(y);
    }
    (median(ratios), median(ta), median(tb))
}

/// All benchmark pairs. The closures take their inputs through `black_box` so nothing is
/// constant-folded across iterations.
fn with_pairs(visit: &mut dyn FnMut(PairRef<'_>)) {
    let lorenz = Lorenz63::default();
    let rk4 = Tableau::<4>::rk4();
    let dopri5 = Tableau::<7>::dopri5();
    let tsit5 = Tableau::<7>::tsit5();
    let opts = Adaptive::with_tol(TOL, TOL);
    let dense = DenseLinear::<64>::test_matrix(1);
    let dense_hw = hw::Dense64::from_fn(|i, j| dense.m[(i, j)]);
    let dense_as_field = |_t: f64, y: &State<64>| State::<64>::from(dense_hw.eval(&arr(y)));

    let l0 = lorenz_y0();
    let d0 = dense_y0();
    let pairs3 = [
        Pair::<3> {
            group: "lorenz63_rk4_fixed",
            nodal: Box::new(|| {
                solve_fixed(&rk4, &lorenz, 0.0, black_box(LORENZ_T1), black_box(l0), H)
                    .expect("solves")
            }),
            hand: Box::new(|| {
                hw::rk4(
                    hw::lorenz,
                    0.0,
                    black_box(LORENZ_T1),
                    black_box(arr(&l0)),
                    H,
                )
            }),
            nodal_hand_field: None,
        },
        Pair::<3> {
            group: "lorenz63_dopri5",
            nodal: Box::new(|| {
                solve_adaptive(
                    &dopri5,
                    &lorenz,
                    0.0,
                    black_box(LORENZ_T1),
                    black_box(l0),
                    &opts,
                )
                .expect("solves")
            }),
            hand: Box::new(|| {
                hw::adaptive54(
                    hw::lorenz,
                    hw::dopri5_step,
                    0.0,
                    black_box(LORENZ_T1),
                    black_box(arr(&l0)),
                    TOL,
                    TOL,
                )
                .expect("solves")
            }),
            nodal_hand_field: None,
        },
        Pair::<3> {
            group: "lorenz63_tsit5",
            nodal: Box::new(|| {
                solve_adaptive(
                    &tsit5,
                    &lorenz,
                    0.0,
                    black_box(LORENZ_T1),
                    black_box(l0),
                    &opts,
                )
                .expect("solves")
            }),
            hand: Box::new(|| {
                hw::adaptive54(
                    hw::lorenz,
                    hw::tsit5_step,
                    0.0,
                    black_box(LORENZ_T1),
                    black_box(arr(&l0)),
                    TOL,
                    TOL,
                )
                .expect("solves")
            }),
            nodal_hand_field: None,
        },
    ];
    let pairs64 = [
        Pair::<64> {
            group: "dense64_rk4_fixed",
            nodal: Box::new(|| {
                solve_fixed(&rk4, &dense, 0.0, black_box(DENSE_T1), black_box(d0), H)
                    .expect("solves")
            }),
            hand: Box::new(|| {
                hw::rk4(
                    |y| dense_hw.eval(y),
                    0.0,
                    black_box(DENSE_T1),
                    black_box(arr(&d0)),
                    H,
                )
            }),
            nodal_hand_field: Some(Box::new(|| {
                solve_fixed(
                    &rk4,
                    &dense_as_field,
                    0.0,
                    black_box(DENSE_T1),
                    black_box(d0),
                    H,
                )
                .expect("solves")
            })),
        },
        Pair::<64> {
            group: "dense64_dopri5",
            nodal: Box::new(|| {
                solve_adaptive(
                    &dopri5,
                    &dense,
                    0.0,
                    black_box(DENSE_T1),
                    black_box(d0),
                    &opts,
                )
                .expect("solves")
            }),
            hand: Box::new(|| {
                hw::adaptive54(
                    |y: &[f64; 64]| dense_hw.eval(y),
                    hw::dopri5_step,
                    0.0,
                    black_box(DENSE_T1),
                    black_box(arr(&d0)),
                    TOL,
                    TOL,
                )
                .expect("solves")
            }),
            nodal_hand_field: Some(Box::new(|| {
                solve_adaptive(
                    &dopri5,
                    &dense_as_field,
                    0.0,
                    black_box(DENSE_T1),
                    black_box(d0),
                    &opts,
                )
                .expect("solves")
            })),
        },
    ];
    for p in &pairs3 {
        visit(PairRef::D3(p));
    }
    for p in &pairs64 {
        visit(PairRef::D64(p));
    }
}

/// A pair of either state size.
enum PairRef<'a> {
    D3(&'a Pair<'a, 3>),
    D64(&'a Pair<'a, 64>),
}

impl PairRef<'_> {
    fn report(&self) {
        match self {
            PairRef::D3(p) => p.report(),
            PairRef::D64(p) => p.report(),
        }
    }
    fn bench(&self, c: &mut Criterion) {
        match self {
            PairRef::D3(p) => p.bench(c),
            PairRef::D64(p) => p.bench(c),
        }
    }
}

fn benches(c: &mut Criterion) {
    with_pairs(&mut |p| p.bench(c));
}

criterion_group! {
    name = solve;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}

fn main() {
    with_pairs(&mut |p| p.report());
    if std::env::var_os("NODAL_BENCH_RATIOS_ONLY").is_some() {
        return;
    }
    solve();
    Criterion::default().configure_from_args().final_summary();
}
