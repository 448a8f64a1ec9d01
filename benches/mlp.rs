//! Criterion benchmarks of the MLP vector field: `eval` and `vjp` of a small 2→32→32→2 tanh
//! network (Lorenz/Van der Pol sized) and of the MNIST-NODE-sized 64(+t)→100(+t)→64 network.
//! The vjp/eval ratio is what the adjoint's cost per step scales with.
//!
//! Run: `cargo bench --bench mlp`; medians are in `target/criterion/<group>/<id>/new/estimates.json`.

use criterion::{criterion_group, Criterion};
use nodal::nn::{Activation, Mlp, MlpField};
use nodal::{ParamField, State, VectorField};
use std::hint::black_box;

fn field<const D: usize>(widths: &[usize], time: bool) -> MlpField<D> {
    Mlp::builder(widths)
        .hidden_activation(Activation::Tanh)
        .time_input(time)
        .seed(1)
        .build()
        .and_then(Mlp::into_field::<D>)
        .expect("benchmark architecture is valid")
}

/// A plain, non-generic `f64` forward pass over the same parameter layout: the yardstick for
/// the overhead of the generic, workspace-based implementation (load-independent ratio).
fn plain_eval(widths: &[usize], time: bool, p: &[f64], t: f64, y: &[f64], buf: &mut [Vec<f64>; 2]) {
    let [a, b] = buf;
    a[..widths[0]].copy_from_slice(y);
    let mut off = 0;
    let n_layers = widths.len() - 1;
    for l in 0..n_layers {
        let (n_in, n_out) = (widths[l], widths[l + 1]);
        let cols = n_in + usize::from(time);
        for i in 0..n_out {
            let row = &p[off + i * cols..off + (i + 1) * cols];
            let mut s = p[off + n_out * cols + i];
            for j in 0..n_in {
                s += row[j] * a[j];
            }
            if time {
                s += row[n_in] * t;
            }
            b[i] = if l + 1 == n_layers { s } else { s.tanh() };
        }
        off += n_out * cols + n_out;
        std::mem::swap(a, b);
    }
}

fn bench_pair<const D: usize>(c: &mut Criterion, name: &str, f: &MlpField<D>) {
    let y = State::<D>::from_fn(|i, _| 0.1 * (i as f64 + 1.0).sin());
    let w = State::<D>::from_fn(|i, _| (i as f64 * 0.7).cos());
    let mut gy = State::<D>::zeros();
    let mut gp = vec![0.0; f.params().len()];
    let mut g = c.benchmark_group(name);
    g.bench_function("eval", |b| {
        b.iter(|| black_box(f.eval(black_box(0.3), black_box(&y))))
    });
    g.bench_function("vjp", |b| {
        b.iter(|| {
            f.vjp(
                black_box(0.3),
                black_box(&y),
                black_box(&w),
                &mut gy,
                &mut gp,
            );
            black_box((&gy, &gp));
        })
    });
    let m = f.mlp();
    let mut buf = [vec![0.0; 128], vec![0.0; 128]];
    g.bench_function("plain_f64_eval_baseline", |b| {
        b.iter(|| {
            plain_eval(
                m.widths(),
                m.time_input(),
                m.params(),
                black_box(0.3),
                black_box(y.as_slice()),
                &mut buf,
            );
            black_box(&buf);
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let small = field::<2>(&[2, 32, 32, 2], false);
    bench_pair(c, "mlp_2-32-32-2_tanh", &small);
    let big = field::<64>(&[64, 100, 64], true);
    bench_pair(c, "mlp_64t-100t-64_tanh", &big);
}

/// vjp/eval cost ratio measured **interleaved** (alternating short timed batches of eval and
/// vjp, median of the per-round ratios), so that load from other processes on a shared machine
/// affects both sides alike; criterion's separate medians are measured minutes apart.
fn interleaved_ratio<const D: usize>(name: &str, f: &MlpField<D>) {
    use std::time::Instant;
    let y = State::<D>::from_fn(|i, _| 0.1 * (i as f64 + 1.0).sin());
    let w = State::<D>::from_fn(|i, _| (i as f64 * 0.7).cos());
    let mut gy = State::<D>::zeros();
    let mut gp = vec![0.0; f.params().len()];
    let calls = 200;
    let mut ratios: Vec<f64> = (0..101)
        .map(|_| {
            let t0 = Instant::now();
            for _ in 0..calls {
                black_box(f.eval(black_box(0.3), black_box(&y)));
            }
            let te = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            for _ in 0..calls {
                f.vjp(
                    black_box(0.3),
                    black_box(&y),
                    black_box(&w),
                    &mut gy,
                    &mut gp,
                );
                black_box((&gy, &gp));
            }
            t1.elapsed().as_secs_f64() / te
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    println!(
        "{name}: vjp/eval cost ratio (interleaved, median of 101 rounds) = {:.2}",
        ratios[ratios.len() / 2]
    );
}

criterion_group!(mlp, benches);

fn main() {
    interleaved_ratio("mlp_2-32-32-2_tanh", &field::<2>(&[2, 32, 32, 2], false));
    interleaved_ratio("mlp_64t-100t-64_tanh", &field::<64>(&[64, 100, 64], true));
    mlp();
    Criterion::default().configure_from_args().final_summary();
}
