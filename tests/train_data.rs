//! TimeSeries validation errors carry the numbers that explain them.

use nodal::train::{validate_set, TimeSeries, TrainError};
use nodal::State;

fn ok_series() -> TimeSeries<2> {
    TimeSeries::new(
        vec![0.0, 0.5, 1.0],
        vec![State::<2>::new(1.0, 0.0); 3],
        Some(vec![[true, true], [true, false], [false, true]]),
    )
    .unwrap()
}

#[test]
fn valid_series_reports_its_contents() {
    let ts = ok_series();
    assert_eq!(ts.len(), 3);
    assert_eq!(ts.n_observed(), 4);
    assert_eq!(ts.t0(), 0.0);
    assert_eq!(ts.y0(), State::<2>::new(1.0, 0.0));
}

#[test]
fn mismatched_lengths() {
    let e = TimeSeries::<2>::new(vec![0.0, 1.0, 2.0], vec![State::<2>::zeros(); 2], None);
    assert_eq!(
        e.unwrap_err(),
        TrainError::LengthMismatch {
            trajectory: 0,
            what: "values",
            expected: 3,
            got: 2
        }
    );
    let e = TimeSeries::<2>::new(
        vec![0.0, 1.0],
        vec![State::<2>::zeros(); 2],
        Some(vec![[true; 2]]),
    );
    assert_eq!(
        e.unwrap_err(),
        TrainError::LengthMismatch {
            trajectory: 0,
            what: "mask",
            expected: 2,
            got: 1
        }
    );
}

#[test]
fn non_finite_and_unsorted() {
    let mut v = vec![State::<2>::zeros(); 3];
    v[2][1] = f64::NAN;
    match TimeSeries::<2>::new(vec![0.0, 1.0, 2.0], v, None).unwrap_err() {
        TrainError::NonFiniteData {
            trajectory: 0,
            what: "value",
            index: 2,
            component: 1,
            value,
        } => assert!(value.is_nan()),
        e => panic!("unexpected {e:?}"),
    }
    let e = TimeSeries::<2>::new(vec![0.0, 1.0, 1.0], vec![State::<2>::zeros(); 3], None);
    assert_eq!(
        e.unwrap_err(),
        TrainError::UnsortedTimes {
            trajectory: 0,
            index: 2,
            prev: 1.0,
            t: 1.0
        }
    );
    let e = TimeSeries::<2>::new(vec![0.0, f64::INFINITY], vec![State::<2>::zeros(); 2], None);
    assert!(matches!(
        e.unwrap_err(),
        TrainError::NonFiniteData {
            what: "time",
            index: 1,
            ..
        }
    ));
}

#[test]
fn too_short_or_unobserved_start() {
    let e = TimeSeries::<2>::new(vec![0.0], vec![State::<2>::zeros()], None);
    assert!(matches!(
        e.unwrap_err(),
        TrainError::BadTrajectory { trajectory: 0, .. }
    ));
    let e = TimeSeries::<2>::new(
        vec![0.0, 1.0],
        vec![State::<2>::zeros(); 2],
        Some(vec![[true, false], [true, true]]),
    );
    assert!(matches!(
        e.unwrap_err(),
        TrainError::BadTrajectory { trajectory: 0, .. }
    ));
}

#[test]
fn set_validation() {
    assert!(matches!(validate_set::<2>(&[]), Err(TrainError::Empty(_))));
    assert_eq!(validate_set(&[ok_series(), ok_series()]), Ok(()));
}
