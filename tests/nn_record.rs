//! `ParamField::eval_recorded` / `vjp_recorded` of an MLP field give bit-for-bit the results of
//! `eval` / `vjp` (the record only saves the forward pass), for every activation, with and
//! without time input, and allocate nothing.

use nodal::nn::{Activation, Mlp, MlpField};
use nodal::{ParamField, State, VectorField};
use std::hint::black_box;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::counted;

fn field(act: Activation, time: bool) -> MlpField<3> {
    Mlp::builder(&[3, 16, 8, 3])
        .hidden_activation(act)
        .output_activation(Activation::Tanh)
        .time_input(time)
        .seed(7)
        .build()
        .and_then(Mlp::into_field::<3>)
        .expect("valid")
}

#[test]
fn recorded_passes_equal_plain_passes_bitwise() {
    for act in [Activation::Tanh, Activation::Softplus, Activation::Identity] {
        for time in [false, true] {
            let f = field(act, time);
            let n = f.params().len();
            assert_eq!(f.record_len(), 2 * (3 + 16 + 8 + 3) - 3);
            let mut rec = vec![0.0; f.record_len()];
            for k in 0..5 {
                let t = 0.3 * k as f64;
                let y = State::<3>::new(0.2 * k as f64, -0.4, 1.0 - 0.1 * k as f64);
                let w = State::<3>::new(1.0, -2.0, 0.5 + k as f64);
                let out = f.eval_recorded(t, &y, &mut rec);
                assert_eq!(out, f.eval(t, &y), "{act:?} time {time}");
                // Seed both accumulators with the same nonzero values: both methods add.
                let (mut gy1, mut gy2) = (
                    State::<3>::new(0.1, 0.2, 0.3),
                    State::<3>::new(0.1, 0.2, 0.3),
                );
                let (mut gp1, mut gp2) = (vec![0.5; n], vec![0.5; n]);
                f.vjp(t, &y, &w, &mut gy1, &mut gp1);
                f.vjp_recorded(t, &y, &rec, &w, &mut gy2, &mut gp2);
                assert_eq!(gy1, gy2, "{act:?} time {time}");
                assert_eq!(gp1, gp2, "{act:?} time {time}");
            }
        }
    }
}

#[test]
fn short_record_falls_back_to_plain_passes() {
    let f = field(Activation::Tanh, true);
    let n = f.params().len();
    let mut short = vec![0.0; f.record_len() - 1];
    let (t, y, w) = (
        0.7,
        State::<3>::new(0.1, 0.2, -0.3),
        State::<3>::new(1.0, 1.0, -1.0),
    );
    assert_eq!(f.eval_recorded(t, &y, &mut short), f.eval(t, &y));
    assert!(
        short.iter().all(|v| *v == 0.0),
        "a short record is not written"
    );
    let (mut gy1, mut gy2) = (State::<3>::zeros(), State::zeros());
    let (mut gp1, mut gp2) = (vec![0.0; n], vec![0.0; n]);
    f.vjp(t, &y, &w, &mut gy1, &mut gp1);
    f.vjp_recorded(t, &y, &short, &w, &mut gy2, &mut gp2);
    assert_eq!((gy1, gp1), (gy2, gp2));
}

#[test]
fn recorded_passes_allocate_nothing() {
    let f = field(Activation::Tanh, true);
    let n = f.params().len();
    let mut rec = vec![0.0; f.record_len()];
    let mut gp = vec![0.0; n];
    let mut gy = State::<3>::zeros();
    let (_, allocs) = counted(|| {
        for k in 0..100 {
            let y = State::<3>::new(0.01 * k as f64, 0.0, 1.0);
            let out = f.eval_recorded(0.1, &y, &mut rec);
            f.vjp_recorded(0.1, &y, &rec, &out, &mut gy, &mut gp);
        }
        black_box((&gy, &gp));
    });
    assert_eq!(allocs, 0);
}
