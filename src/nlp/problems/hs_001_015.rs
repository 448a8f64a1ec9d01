//! Hock–Schittkowski problems 1–15 (a selection): two variables, bounds, one or two
//! constraints. Data from Hock & Schittkowski (1981), checked against the CUTEst SIF
//! translations; deviations from other collections are noted per problem.

use super::ad::Ad;
use super::smooth::{fill, free, no_constraints, AdNlp, Def};
use super::TestProblem;

const INF: f64 = f64::INFINITY;

fn rosen(x: &[Ad]) -> Ad {
    100.0 * (x[1] - x[0].sq()).sq() + (1.0 - x[0]).sq()
}

fn hs001() -> TestProblem {
    let def = Def {
        x_l: vec![-INF, -1.5],
        x_u: fill(2, INF),
        g_l: vec![],
        g_u: vec![],
        x0: vec![-2.0, 1.0],
        f: rosen,
        g: no_constraints,
    };
    TestProblem::optimal(
        "hs001",
        Box::new(AdNlp::new(def)),
        0.0,
        Some(vec![1.0, 1.0]),
        "Hock & Schittkowski (1981), problem 1 (Rosenbrock, x2 >= -1.5)",
    )
}

fn hs002() -> TestProblem {
    // x1* = 2a cos(arccos(1/(400 a^3))/3), a = sqrt(598/1200): the root of df/dx1 = 0 on x2 = 1.5.
    let a = (598.0_f64 / 1200.0).sqrt();
    let x1 = 2.0 * a * ((1.0 / (400.0 * a.powi(3))).acos() / 3.0).cos();
    let def = Def {
        x_l: vec![-INF, 1.5],
        x_u: fill(2, INF),
        g_l: vec![],
        g_u: vec![],
        x0: vec![-2.0, 1.0],
        f: rosen,
        g: no_constraints,
    };
    TestProblem::optimal(
        "hs002",
        Box::new(AdNlp::new(def)),
        0.050_426_187_9,
        Some(vec![x1, 1.5]),
        "Hock & Schittkowski (1981), problem 2 (Rosenbrock, active bound x2 >= 1.5)",
    )
}

fn hs003() -> TestProblem {
    let def = Def {
        x_l: vec![-INF, 0.0],
        x_u: fill(2, INF),
        g_l: vec![],
        g_u: vec![],
        x0: vec![10.0, 1.0],
        f: |x| x[1] + 1e-5 * (x[1] - x[0]).sq(),
        g: no_constraints,
    };
    TestProblem::optimal(
        "hs003",
        Box::new(AdNlp::new(def)),
        0.0,
        Some(vec![0.0, 0.0]),
        "Hock & Schittkowski (1981), problem 3",
    )
}

fn hs004() -> TestProblem {
    let def = Def {
        x_l: vec![1.0, 0.0],
        x_u: fill(2, INF),
        g_l: vec![],
        g_u: vec![],
        x0: vec![1.125, 0.125],
        f: |x| (x[0] + 1.0).powi(3) / 3.0 + x[1],
        g: no_constraints,
    };
    TestProblem::optimal(
        "hs004",
        Box::new(AdNlp::new(def)),
        8.0 / 3.0,
        Some(vec![1.0, 0.0]),
        "Hock & Schittkowski (1981), problem 4",
    )
}

fn hs005() -> TestProblem {
    let pi3 = std::f64::consts::FRAC_PI_3;
    let def = Def {
        x_l: vec![-1.5, -3.0],
        x_u: vec![4.0, 3.0],
        g_l: vec![],
        g_u: vec![],
        x0: vec![0.0, 0.0],
        f: |x| (x[0] + x[1]).sin() + (x[0] - x[1]).sq() - 1.5 * x[0] + 2.5 * x[1] + 1.0,
        g: no_constraints,
    };
    TestProblem::optimal(
        "hs005",
        Box::new(AdNlp::new(def)),
        -(3.0_f64.sqrt()) / 2.0 - pi3,
        Some(vec![0.5 - pi3, -0.5 - pi3]),
        "Hock & Schittkowski (1981), problem 5 (x* = (1/2 - pi/3, -1/2 - pi/3), \
         f* = -sqrt(3)/2 - pi/3; some collections misprint pi/2)",
    )
}

fn hs006() -> TestProblem {
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![0.0],
        g_u: vec![0.0],
        x0: vec![-1.2, 1.0],
        f: |x| (1.0 - x[0]).sq(),
        g: |x, g| g[0] = 10.0 * (x[1] - x[0].sq()),
    };
    TestProblem::optimal(
        "hs006",
        Box::new(AdNlp::new(def)),
        0.0,
        Some(vec![1.0, 1.0]),
        "Hock & Schittkowski (1981), problem 6",
    )
}

fn hs007() -> TestProblem {
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![0.0],
        g_u: vec![0.0],
        x0: vec![2.0, 2.0],
        f: |x| (1.0 + x[0].sq()).ln() - x[1],
        g: |x, g| g[0] = (1.0 + x[0].sq()).sq() + x[1].sq() - 4.0,
    };
    TestProblem::optimal(
        "hs007",
        Box::new(AdNlp::new(def)),
        -(3.0_f64.sqrt()),
        Some(vec![0.0, 3.0_f64.sqrt()]),
        "Hock & Schittkowski (1981), problem 7",
    )
}

fn hs008() -> TestProblem {
    // One of the four solutions: x1 = sqrt((25 + sqrt(301))/2), x2 = 9/x1.
    let x1 = ((25.0 + 301.0_f64.sqrt()) / 2.0).sqrt();
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![0.0, 0.0],
        g_u: vec![0.0, 0.0],
        x0: vec![2.0, 1.0],
        f: |_x| Ad::cst(-1.0),
        g: |x, g| {
            g[0] = x[0].sq() + x[1].sq() - 25.0;
            g[1] = x[0] * x[1] - 9.0;
        },
    };
    TestProblem::optimal(
        "hs008",
        Box::new(AdNlp::new(def)),
        -1.0,
        Some(vec![x1, 9.0 / x1]),
        "Hock & Schittkowski (1981), problem 8 (constant objective, a feasibility problem)",
    )
}

fn hs009() -> TestProblem {
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![0.0],
        g_u: vec![0.0],
        x0: vec![0.0, 0.0],
        f: |x| {
            let pi = std::f64::consts::PI;
            (x[0] * (pi / 12.0)).sin() * (x[1] * (pi / 16.0)).cos()
        },
        g: |x, g| g[0] = 4.0 * x[0] - 3.0 * x[1],
    };
    TestProblem::optimal(
        "hs009",
        Box::new(AdNlp::new(def)),
        -0.5,
        Some(vec![-3.0, -4.0]),
        "Hock & Schittkowski (1981), problem 9 (x* = (12k - 3, 16k - 4); k = 0 given)",
    )
}

fn hs010() -> TestProblem {
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![0.0],
        g_u: vec![INF],
        x0: vec![-10.0, 10.0],
        f: |x| x[0] - x[1],
        g: |x, g| g[0] = -3.0 * x[0].sq() + 2.0 * x[0] * x[1] - x[1].sq() + 1.0,
    };
    TestProblem::optimal(
        "hs010",
        Box::new(AdNlp::new(def)),
        -1.0,
        Some(vec![0.0, 1.0]),
        "Hock & Schittkowski (1981), problem 10",
    )
}

fn hs011() -> TestProblem {
    // On the active constraint x2 = x1², f = (x1-5)² + x1⁴ - 25 is stationary where
    // 2x1³ + x1 - 5 = 0; its real root by Cardano's formula (p = 1/2, q = -5/2). The
    // closed form printed in the book does not reproduce f*; f* itself is the published value.
    let (p, q) = (0.5_f64, -2.5_f64);
    let d = (q * q / 4.0 + p.powi(3) / 27.0).sqrt();
    let x1 = (-q / 2.0 + d).cbrt() + (-q / 2.0 - d).cbrt();
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![0.0],
        g_u: vec![INF],
        x0: vec![4.9, 0.1],
        f: |x| (x[0] - 5.0).sq() + x[1].sq() - 25.0,
        g: |x, g| g[0] = x[1] - x[0].sq(),
    };
    TestProblem::optimal(
        "hs011",
        Box::new(AdNlp::new(def)),
        -8.498_464_223,
        Some(vec![x1, x1 * x1]),
        "Hock & Schittkowski (1981), problem 11 (x* from the stationarity condition, see code)",
    )
}

fn hs012() -> TestProblem {
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![0.0],
        g_u: vec![INF],
        x0: vec![0.0, 0.0],
        f: |x| 0.5 * x[0].sq() + x[1].sq() - x[0] * x[1] - 7.0 * x[0] - 7.0 * x[1],
        g: |x, g| g[0] = 25.0 - 4.0 * x[0].sq() - x[1].sq(),
    };
    TestProblem::optimal(
        "hs012",
        Box::new(AdNlp::new(def)),
        -30.0,
        Some(vec![2.0, 3.0]),
        "Hock & Schittkowski (1981), problem 12",
    )
}

fn hs014() -> TestProblem {
    let s7 = 7.0_f64.sqrt();
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![0.0, 0.0],
        g_u: vec![INF, 0.0],
        x0: vec![2.0, 2.0],
        f: |x| (x[0] - 2.0).sq() + (x[1] - 1.0).sq(),
        g: |x, g| {
            g[0] = 1.0 - x[0].sq() / 4.0 - x[1].sq();
            g[1] = x[0] - 2.0 * x[1] + 1.0;
        },
    };
    TestProblem::optimal(
        "hs014",
        Box::new(AdNlp::new(def)),
        9.0 - 2.875 * s7,
        Some(vec![(s7 - 1.0) / 2.0, (s7 + 1.0) / 4.0]),
        "Hock & Schittkowski (1981), problem 14",
    )
}

fn hs015() -> TestProblem {
    let def = Def {
        x_l: fill(2, -INF),
        x_u: vec![0.5, INF],
        g_l: vec![0.0, 0.0],
        g_u: vec![INF, INF],
        x0: vec![-2.0, 1.0],
        f: rosen,
        g: |x, g| {
            g[0] = x[0] * x[1] - 1.0;
            g[1] = x[0] + x[1].sq();
        },
    };
    TestProblem::optimal(
        "hs015",
        Box::new(AdNlp::new(def)),
        306.5,
        Some(vec![0.5, 2.0]),
        "Hock & Schittkowski (1981), problem 15",
    )
}

/// The problems of this file.
pub(crate) fn problems() -> Vec<TestProblem> {
    vec![
        hs001(),
        hs002(),
        hs003(),
        hs004(),
        hs005(),
        hs006(),
        hs007(),
        hs008(),
        hs009(),
        hs010(),
        hs011(),
        hs012(),
        hs014(),
        hs015(),
    ]
}
