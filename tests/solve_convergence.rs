//! Fixed-step global error shrinks at each preset's published order as h halves.
//!
//! Each check uses three step sizes h0, h0/2, h0/4 chosen so that the errors are in the
//! asymptotic regime but well above round-off (asserted), and fits the log-log slope.

use nodal::systems::{Exact, Gaussian, Harmonic};
use nodal::{solve_fixed, State, Tableau, VectorField};

/// Least-squares slope of log(err) against log(h).
fn slope(hs: &[f64], errs: &[f64]) -> f64 {
    let n = hs.len() as f64;
    let xs: Vec<f64> = hs.iter().map(|h| h.ln()).collect();
    let ys: Vec<f64> = errs.iter().map(|e| e.ln()).collect();
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let num: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let den: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    num / den
}

fn observed_order<const S: usize, const D: usize, F: VectorField<D> + Exact<D>>(
    tab: &Tableau<S>,
    f: &F,
    y0: State<D>,
    t1: f64,
    h0: f64,
) -> (f64, Vec<f64>) {
    let hs: Vec<f64> = (0..3).map(|k| h0 / 2f64.powi(k)).collect();
    let exact = f.exact(0.0, &y0, t1);
    let errs: Vec<f64> = hs
        .iter()
        .map(|&h| {
            let (y, _) = solve_fixed(tab, f, 0.0, t1, y0, h).expect("solve");
            (y - exact).norm()
        })
        .collect();
    for e in &errs {
        // Stay clear of round-off so the slope measures truncation error.
        assert!(
            *e > 1e-13,
            "{}: error {e:e} too close to round-off",
            tab.name
        );
    }
    (slope(&hs, &errs), errs)
}

/// `h_gauss = None` skips the non-autonomous problem: Tsit5's leading error coefficient on it
/// is so small that the next order dominates until round-off (measured slope 5.4).
fn check<const S: usize>(tab: Tableau<S>, h_gauss: Option<f64>, h_harm: f64) {
    let p = tab.order as f64;
    if let Some(h_gauss) = h_gauss {
        let (s1, e1) = observed_order(&tab, &Gaussian, State::<1>::new(1.0), 2.0, h_gauss);
        assert!(
            (s1 - p).abs() <= 0.2,
            "{} on y' = -2ty: slope {s1:.3}, order {p} (errors {e1:?})",
            tab.name
        );
    }
    let (s2, e2) = observed_order(
        &tab,
        &Harmonic { omega: 1.0 },
        State::<2>::new(1.0, 0.0),
        10.0,
        h_harm,
    );
    assert!(
        (s2 - p).abs() <= 0.2,
        "{} on harmonic: slope {s2:.3}, order {p} (errors {e2:?})",
        tab.name
    );
}

#[test]
fn euler_is_first_order() {
    check(Tableau::euler(), Some(0.01), 0.01);
}

#[test]
fn two_stage_methods_are_second_order() {
    check(Tableau::midpoint(), Some(0.05), 0.05);
    check(Tableau::heun(), Some(0.05), 0.05);
    check(Tableau::ralston(), Some(0.05), 0.05);
}

#[test]
fn bs3_is_third_order() {
    check(Tableau::bs3(), Some(0.1), 0.1);
}

#[test]
fn four_stage_methods_are_fourth_order() {
    check(Tableau::rk4(), Some(0.1), 0.2);
    check(Tableau::rk38(), Some(0.1), 0.2);
}

#[test]
fn dopri5_and_tsit5_are_fifth_order() {
    check(Tableau::tsit5(), None, 0.1);
    check(Tableau::dopri5(), Some(0.05), 0.5);
}

#[test]
fn dop853_is_eighth_order() {
    check(Tableau::dop853(), Some(0.4), 1.0);
}
