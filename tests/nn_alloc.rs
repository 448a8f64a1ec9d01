//! Proves with a counting global allocator that, after construction, the MLP's forward pass,
//! VJP and JVP (slice API and `VectorField`/`ParamField` view, `f64` and `Dual64`) perform no
//! heap allocation.

use nodal::nn::{Activation, Mlp};
use nodal::{ParamField, State, VectorField};
use num_dual::Dual64;
use std::hint::black_box;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::counted;

fn allocations_in(f: impl FnOnce()) -> usize {
    counted(f).1
}

#[test]
fn the_counter_sees_allocations() {
    // Guard against a counter that can never fail.
    let n = allocations_in(|| {
        black_box(vec![1.0f64; 16]);
    });
    assert!(n >= 1);
    let n = allocations_in(|| {
        black_box(Mlp::builder(&[2, 8, 2]).build().expect("valid"));
    });
    assert!(
        n >= 1,
        "building a network allocates its parameters and workspace"
    );
}

#[test]
fn eval_vjp_jvp_allocate_nothing() {
    for time in [false, true] {
        let mlp = Mlp::builder(&[3, 32, 16, 3])
            .hidden_activation(Activation::Softplus)
            .output_activation(Activation::Tanh)
            .time_input(time)
            .seed(1)
            .build()
            .expect("valid");
        let n = mlp.n_params();
        let u = vec![0.01; n];
        let mut gp = vec![0.0; n];
        let y = [0.1, -0.2, 0.3];
        let (mut out, mut jv, mut gy) = ([0.0; 3], [0.0; 3], [0.0; 3]);
        let allocs = allocations_in(|| {
            for k in 0..100 {
                let t = 0.01 * k as f64;
                mlp.eval_slice(t, &y, &mut out).expect("dims");
                mlp.vjp_slice(t, &y, &out, &mut gy, &mut gp).expect("dims");
                mlp.jvp_slice(t, &y, &gy, Some(&u), &mut out, &mut jv)
                    .expect("dims");
                mlp.jvp_slice(t, &y, &gy, None, &mut out, &mut jv)
                    .expect("dims");
            }
            black_box((&out, &jv, &gy, &gp));
        });
        assert_eq!(
            allocs, 0,
            "slice API allocated {allocs} times (time input {time})"
        );

        let field = mlp.clone().into_field::<3>().expect("square");
        let mut gys = State::<3>::zeros();
        let allocs = allocations_in(|| {
            let mut y = State::<3>::new(0.1, -0.2, 0.3);
            for _ in 0..100 {
                let f = field.eval(0.5, &y);
                field.vjp(0.5, &y, &f, &mut gys, &mut gp);
                let (_, jv) = field.jvp(0.5, &y, &f, Some(&u)).expect("dims");
                y += 0.01 * (f + jv);
            }
            black_box((&y, &gys));
        });
        assert_eq!(
            allocs, 0,
            "field view allocated {allocs} times (time input {time})"
        );
    }

    // Dual numbers take the same allocation-free path.
    let md = Mlp::builder(&[2, 16, 2])
        .time_input(true)
        .build()
        .expect("valid")
        .cast::<Dual64>();
    let yd = [Dual64::new(0.3, 1.0), Dual64::new(-0.1, 0.0)];
    let mut od = [Dual64::from_re(0.0); 2];
    let allocs = allocations_in(|| {
        for _ in 0..100 {
            md.eval_slice(Dual64::from_re(0.2), &yd, &mut od)
                .expect("dims");
        }
        black_box(&od);
    });
    assert_eq!(allocs, 0, "Dual64 eval allocated {allocs} times");
}
