//! Loss gradients against central finite differences, and loss input errors.

use approx::assert_relative_eq;
use nodal::train::{mse, squared_error, LinearHead, TrainError};
use nodal::State;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_states<const D: usize>(rng: &mut ChaCha8Rng, n: usize) -> Vec<State<D>> {
    (0..n)
        .map(|_| State::<D>::from_fn(|_, _| rng.random_range(-2.0..2.0)))
        .collect()
}

#[test]
fn masked_mse_gradient_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let pred = random_states::<3>(&mut rng, 5);
    let obs = random_states::<3>(&mut rng, 5);
    let mask: Vec<[bool; 3]> = (0..5).map(|i| [i != 1, true, i % 2 == 0]).collect();
    let lg = mse(&pred, &obs, Some(&mask)).unwrap();
    // Independent value: mean over the 12 observed entries.
    let mut sum = 0.0;
    let mut count = 0;
    for i in 0..5 {
        for c in 0..3 {
            if mask[i][c] {
                sum += (pred[i][c] - obs[i][c]).powi(2);
                count += 1;
            }
        }
    }
    assert_eq!(count, 12);
    assert_relative_eq!(lg.value, sum / 12.0, max_relative = 1e-14);
    let h = 1e-6;
    for i in 0..5 {
        for c in 0..3 {
            let mut p = pred.clone();
            p[i][c] += h;
            let up = mse(&p, &obs, Some(&mask)).unwrap().value;
            p[i][c] -= 2.0 * h;
            let dn = mse(&p, &obs, Some(&mask)).unwrap().value;
            let fd = (up - dn) / (2.0 * h);
            assert_relative_eq!(lg.dl_dy[i][c], fd, epsilon = 1e-9);
            if !mask[i][c] {
                assert_eq!(lg.dl_dy[i][c], 0.0);
            }
        }
    }
}

#[test]
fn unmasked_mse_is_plain_mean() {
    let pred = vec![State::<2>::new(1.0, 2.0), State::<2>::new(0.0, -1.0)];
    let obs = vec![State::<2>::new(0.0, 2.0), State::<2>::new(2.0, 0.0)];
    let lg = mse(&pred, &obs, None).unwrap();
    // (1 + 0 + 4 + 1) / 4
    assert_relative_eq!(lg.value, 1.5, max_relative = 1e-15);
    let w = squared_error(&pred, &obs, None, 0.5).unwrap();
    assert_relative_eq!(w.value, 3.0, max_relative = 1e-15);
}

#[test]
fn cross_entropy_gradients_match_finite_differences() {
    let head = LinearHead::<3> { n_classes: 4 };
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let w: Vec<f64> = (0..head.n_params())
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let z = State::<3>::new(0.3, -1.2, 0.8);
    for label in 0..4 {
        let g = head.cross_entropy(&w, &z, label).unwrap();
        // Independent value from the softmax probabilities.
        let l = head.logits(&w, &z).unwrap();
        let p: f64 = l[label].exp() / l.iter().map(|x| x.exp()).sum::<f64>();
        assert_relative_eq!(g.value, -p.ln(), max_relative = 1e-12);
        let h = 1e-6;
        for c in 0..3 {
            let (mut zu, mut zd) = (z, z);
            zu[c] += h;
            zd[c] -= h;
            let fd = (head.cross_entropy(&w, &zu, label).unwrap().value
                - head.cross_entropy(&w, &zd, label).unwrap().value)
                / (2.0 * h);
            assert_relative_eq!(g.dz[c], fd, epsilon = 1e-8);
        }
        for j in 0..w.len() {
            let (mut wu, mut wd) = (w.clone(), w.clone());
            wu[j] += h;
            wd[j] -= h;
            let fd = (head.cross_entropy(&wu, &z, label).unwrap().value
                - head.cross_entropy(&wd, &z, label).unwrap().value)
                / (2.0 * h);
            assert_relative_eq!(g.dweights[j], fd, epsilon = 1e-8);
        }
    }
}

#[test]
fn cross_entropy_is_stable_for_large_logits() {
    let head = LinearHead::<1> { n_classes: 2 };
    // logits 1000 and -1000: naive exp overflows.
    let g = head
        .cross_entropy(&[1.0, -1.0, 0.0, 0.0], &State::<1>::new(1000.0), 1)
        .unwrap();
    assert_relative_eq!(g.value, 2000.0, max_relative = 1e-12);
    assert!(g.dz[0].is_finite());
    assert_eq!(
        head.predict(&[1.0, -1.0, 0.0, 0.0], &State::<1>::new(1000.0))
            .unwrap(),
        0
    );
}

#[test]
fn loss_input_errors_are_typed() {
    let a = vec![State::<2>::zeros(); 3];
    let b = vec![State::<2>::zeros(); 2];
    assert_eq!(
        mse(&a, &b, None).unwrap_err(),
        TrainError::LengthMismatch {
            trajectory: 0,
            what: "observations vs predictions",
            expected: 3,
            got: 2
        }
    );
    let none = vec![[false, false]; 3];
    assert!(matches!(
        mse(&a, &a, Some(&none)),
        Err(TrainError::Empty(_))
    ));
    let head = LinearHead::<2> { n_classes: 3 };
    assert_eq!(
        head.cross_entropy(&[0.0; 8], &State::<2>::zeros(), 0)
            .unwrap_err(),
        TrainError::ParamLength {
            what: "head weights",
            expected: 9,
            got: 8
        }
    );
    assert_eq!(
        head.cross_entropy(&[0.0; 9], &State::<2>::zeros(), 3)
            .unwrap_err(),
        TrainError::Label {
            label: 3,
            n_classes: 3
        }
    );
}
