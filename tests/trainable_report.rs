//! Tableau reports (order, stability polynomial, interval) and stability-region plots.

#![allow(clippy::needless_range_loop)]

use approx::assert_relative_eq;
use nodal::tableau::stability::real_stability_interval;
use nodal::trainable::{report, TrainableError, TrainableTableau};
use nodal::Tableau;

#[test]
fn rk4_report() {
    let r = report(&Tableau::<4>::rk4(), 6, 1e-12).unwrap();
    assert_eq!(r.achieved_order, 4);
    assert_eq!(r.stages, 4);
    let expect = [1.0, 1.0, 0.5, 1.0 / 6.0, 1.0 / 24.0];
    for (g, e) in r.stability_polynomial.iter().zip(expect) {
        assert_relative_eq!(*g, e, epsilon = 1e-15);
    }
    // RK4's real stability interval (root of 1 − x + x²/2 − x³/6 + x⁴/24 = 1 besides 0).
    assert_relative_eq!(r.real_stability_interval, 2.785293563405282, epsilon = 1e-9);
    for k in 0..4 {
        assert!(r.max_residual_by_order[k] < 1e-15);
    }
    // Order 5 fails for every 4-stage method.
    assert!(r.max_residual_by_order[4] > 1e-3);
    assert_eq!(r.max_node_defect, 0.0);
    let text = r.to_string();
    assert!(text.contains("achieved order 4"), "{text}");
    assert!(text.contains("[-2.7853, 0]"), "{text}");
}

#[test]
fn report_of_trained_like_tableau() {
    // A perturbed, order-1-projected tableau reports order 1 and its own interval.
    let t = TrainableTableau::<4>::from_tableau(&Tableau::rk4(), 1).unwrap();
    let mut phi = t.params().to_vec();
    phi[6] += 0.1; // b_0 (c = 0)
    phi[9] -= 0.1; // b_3 (c = 1): Σb kept, bᵀc moves by −0.1
    let tab = TrainableTableau::<4>::tableau_from_params(&phi).unwrap();
    let r = report(&tab, 4, 1e-12).unwrap();
    assert_eq!(r.achieved_order, 1);
    assert!(r.max_residual_by_order[0] < 1e-15);
    assert!(r.max_residual_by_order[1] > 1e-3);
    assert_eq!(
        r.real_stability_interval,
        real_stability_interval(&tab).unwrap()
    );
    assert!(matches!(
        report(&tab, 11, 1e-12).unwrap_err(),
        TrainableError::Order(_)
    ));
}

#[cfg(feature = "plot")]
#[test]
fn stability_region_svg() {
    use nodal::trainable::plot::{plot_stability_regions, PlotError, RegionCurve};
    let dir = std::env::temp_dir().join(format!("nodal_trk_plot_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("regions.svg");
    let curves = [
        RegionCurve::of("dopri5", &Tableau::<7>::dopri5()).unwrap(),
        RegionCurve::of("euler", &Tableau::<1>::euler()).unwrap(),
    ];
    plot_stability_regions(&path, "test regions", &curves).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains("<svg"));
    for label in ["rk4", "dopri5", "euler", "test regions"] {
        assert!(svg.contains(label), "missing {label}");
    }
    assert!(matches!(
        plot_stability_regions(&path, "x", &[]).unwrap_err(),
        PlotError::Empty
    ));
    let bad = dir.join("no_such_dir").join("x.svg");
    assert!(matches!(
        plot_stability_regions(&bad, "x", &curves).unwrap_err(),
        PlotError::Backend { .. }
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
