//! Hock–Schittkowski problems 21–48 (a selection): three to five variables, linear and
//! nonlinear equalities and inequalities. Data from Hock & Schittkowski (1981).

use super::smooth::{fill, free, no_constraints, AdNlp, Def};
use super::TestProblem;

const INF: f64 = f64::INFINITY;

fn hs021() -> TestProblem {
    let def = Def {
        x_l: vec![2.0, -50.0],
        x_u: vec![50.0, 50.0],
        g_l: vec![0.0],
        g_u: vec![INF],
        x0: vec![-1.0, -1.0],
        f: |x| 0.01 * x[0].sq() + x[1].sq() - 100.0,
        g: |x, g| g[0] = 10.0 * x[0] - x[1] - 10.0,
    };
    TestProblem::optimal(
        "hs021",
        Box::new(AdNlp::new(def)),
        -99.96,
        Some(vec![2.0, 0.0]),
        "Hock & Schittkowski (1981), problem 21",
    )
}

fn hs023() -> TestProblem {
    let def = Def {
        x_l: fill(2, -50.0),
        x_u: fill(2, 50.0),
        g_l: fill(5, 0.0),
        g_u: fill(5, INF),
        x0: vec![3.0, 1.0],
        f: |x| x[0].sq() + x[1].sq(),
        g: |x, g| {
            g[0] = x[0] + x[1] - 1.0;
            g[1] = x[0].sq() + x[1].sq() - 1.0;
            g[2] = 9.0 * x[0].sq() + x[1].sq() - 9.0;
            g[3] = x[0].sq() - x[1];
            g[4] = x[1].sq() - x[0];
        },
    };
    TestProblem::optimal(
        "hs023",
        Box::new(AdNlp::new(def)),
        2.0,
        Some(vec![1.0, 1.0]),
        "Hock & Schittkowski (1981), problem 23",
    )
}

fn hs028() -> TestProblem {
    let def = Def {
        x_l: free(3).0,
        x_u: free(3).1,
        g_l: vec![0.0],
        g_u: vec![0.0],
        x0: vec![-4.0, 1.0, 1.0],
        f: |x| (x[0] + x[1]).sq() + (x[1] + x[2]).sq(),
        g: |x, g| g[0] = x[0] + 2.0 * x[1] + 3.0 * x[2] - 1.0,
    };
    TestProblem::optimal(
        "hs028",
        Box::new(AdNlp::new(def)),
        0.0,
        Some(vec![0.5, -0.5, 0.5]),
        "Hock & Schittkowski (1981), problem 28",
    )
}

fn hs035() -> TestProblem {
    let def = Def {
        x_l: fill(3, 0.0),
        x_u: fill(3, INF),
        g_l: vec![0.0],
        g_u: vec![INF],
        x0: vec![0.5, 0.5, 0.5],
        f: |x| {
            9.0 - 8.0 * x[0] - 6.0 * x[1] - 4.0 * x[2]
                + 2.0 * x[0].sq()
                + 2.0 * x[1].sq()
                + x[2].sq()
                + 2.0 * x[0] * x[1]
                + 2.0 * x[0] * x[2]
        },
        g: |x, g| g[0] = 3.0 - x[0] - x[1] - 2.0 * x[2],
    };
    TestProblem::optimal(
        "hs035",
        Box::new(AdNlp::new(def)),
        1.0 / 9.0,
        Some(vec![4.0 / 3.0, 7.0 / 9.0, 4.0 / 9.0]),
        "Hock & Schittkowski (1981), problem 35 (Beale)",
    )
}

fn hs038() -> TestProblem {
    let def = Def {
        x_l: fill(4, -10.0),
        x_u: fill(4, 10.0),
        g_l: vec![],
        g_u: vec![],
        x0: vec![-3.0, -1.0, -3.0, -1.0],
        f: |x| {
            100.0 * (x[1] - x[0].sq()).sq()
                + (1.0 - x[0]).sq()
                + 90.0 * (x[3] - x[2].sq()).sq()
                + (1.0 - x[2]).sq()
                + 10.1 * ((x[1] - 1.0).sq() + (x[3] - 1.0).sq())
                + 19.8 * (x[1] - 1.0) * (x[3] - 1.0)
        },
        g: no_constraints,
    };
    TestProblem::optimal(
        "hs038",
        Box::new(AdNlp::new(def)),
        0.0,
        Some(vec![1.0; 4]),
        "Hock & Schittkowski (1981), problem 38 (Colville 4)",
    )
}

fn hs039() -> TestProblem {
    let def = Def {
        x_l: free(4).0,
        x_u: free(4).1,
        g_l: vec![0.0, 0.0],
        g_u: vec![0.0, 0.0],
        x0: vec![2.0; 4],
        f: |x| -x[0],
        g: |x, g| {
            g[0] = x[1] - x[0].powi(3) - x[2].sq();
            g[1] = x[0].sq() - x[1] - x[3].sq();
        },
    };
    TestProblem::optimal(
        "hs039",
        Box::new(AdNlp::new(def)),
        -1.0,
        Some(vec![1.0, 1.0, 0.0, 0.0]),
        "Hock & Schittkowski (1981), problem 39",
    )
}

fn hs040() -> TestProblem {
    let x_opt = vec![
        2.0_f64.powf(-1.0 / 3.0),
        2.0_f64.powf(-0.5),
        2.0_f64.powf(-11.0 / 12.0),
        2.0_f64.powf(-0.25),
    ];
    let def = Def {
        x_l: free(4).0,
        x_u: free(4).1,
        g_l: vec![0.0; 3],
        g_u: vec![0.0; 3],
        x0: vec![0.8; 4],
        f: |x| -(x[0] * x[1] * x[2] * x[3]),
        g: |x, g| {
            g[0] = x[0].powi(3) + x[1].sq() - 1.0;
            g[1] = x[0].sq() * x[3] - x[2];
            g[2] = x[3].sq() - x[1];
        },
    };
    TestProblem::optimal(
        "hs040",
        Box::new(AdNlp::new(def)),
        -0.25,
        Some(x_opt),
        "Hock & Schittkowski (1981), problem 40 (x3* = +2^(-11/12); the sign is misprinted in \
         some collections)",
    )
}

fn hs043() -> TestProblem {
    let def = Def {
        x_l: free(4).0,
        x_u: free(4).1,
        g_l: vec![0.0; 3],
        g_u: vec![INF; 3],
        x0: vec![0.0; 4],
        f: |x| {
            x[0].sq() + x[1].sq() + 2.0 * x[2].sq() + x[3].sq()
                - 5.0 * x[0]
                - 5.0 * x[1]
                - 21.0 * x[2]
                + 7.0 * x[3]
        },
        g: |x, g| {
            g[0] = 8.0 - x[0].sq() - x[1].sq() - x[2].sq() - x[3].sq() - x[0] + x[1] - x[2] + x[3];
            g[1] = 10.0 - x[0].sq() - 2.0 * x[1].sq() - x[2].sq() - 2.0 * x[3].sq() + x[0] + x[3];
            g[2] = 5.0 - 2.0 * x[0].sq() - x[1].sq() - x[2].sq() - 2.0 * x[0] + x[1] + x[3];
        },
    };
    TestProblem::optimal(
        "hs043",
        Box::new(AdNlp::new(def)),
        -44.0,
        Some(vec![0.0, 1.0, 2.0, -1.0]),
        "Hock & Schittkowski (1981), problem 43 (Rosen–Suzuki)",
    )
}

fn hs044() -> TestProblem {
    let def = Def {
        x_l: fill(4, 0.0),
        x_u: fill(4, INF),
        g_l: vec![0.0; 6],
        g_u: vec![INF; 6],
        x0: vec![0.0; 4],
        f: |x| x[0] - x[1] - x[2] - x[0] * x[2] + x[0] * x[3] + x[1] * x[2] - x[1] * x[3],
        g: |x, g| {
            g[0] = 8.0 - x[0] - 2.0 * x[1];
            g[1] = 12.0 - 4.0 * x[0] - x[1];
            g[2] = 12.0 - 3.0 * x[0] - 4.0 * x[1];
            g[3] = 8.0 - 2.0 * x[2] - x[3];
            g[4] = 8.0 - x[2] - 2.0 * x[3];
            g[5] = 5.0 - x[2] - x[3];
        },
    };
    TestProblem::optimal(
        "hs044",
        Box::new(AdNlp::new(def)),
        -15.0,
        Some(vec![0.0, 3.0, 0.0, 4.0]),
        "Hock & Schittkowski (1981), problem 44",
    )
}

fn hs047() -> TestProblem {
    let s2 = 2.0_f64.sqrt();
    let def = Def {
        x_l: free(5).0,
        x_u: free(5).1,
        g_l: vec![0.0; 3],
        g_u: vec![0.0; 3],
        x0: vec![2.0, s2, -1.0, 2.0 - s2, 0.5],
        f: |x| {
            (x[0] - x[1]).sq()
                + (x[1] - x[2]).powi(3)
                + (x[2] - x[3]).powi(4)
                + (x[3] - x[4]).powi(4)
        },
        g: |x, g| {
            g[0] = x[0] + x[1].sq() + x[2].powi(3) - 3.0;
            g[1] = x[1] - x[2].sq() + x[3] - 1.0;
            g[2] = x[0] * x[4] - 1.0;
        },
    };
    TestProblem::optimal(
        "hs047",
        Box::new(AdNlp::new(def)),
        0.0,
        Some(vec![1.0; 5]),
        "Hock & Schittkowski (1981), problem 47 (feasible start; the published x* = (1,...,1) is \
         a KKT point with zero multipliers, but the cubic term (x2-x3)^3 decreases along a \
         feasible curve through it, so solvers may find lower objective values, e.g. -0.0267 \
         reported by TOMLAB's chs_prob)",
    )
}

fn hs048() -> TestProblem {
    let def = Def {
        x_l: free(5).0,
        x_u: free(5).1,
        g_l: vec![0.0; 2],
        g_u: vec![0.0; 2],
        x0: vec![3.0, 5.0, -3.0, 2.0, -2.0],
        f: |x| (x[0] - 1.0).sq() + (x[1] - x[2]).sq() + (x[3] - x[4]).sq(),
        g: |x, g| {
            g[0] = x[0] + x[1] + x[2] + x[3] + x[4] - 5.0;
            g[1] = x[2] - 2.0 * (x[3] + x[4]) + 3.0;
        },
    };
    TestProblem::optimal(
        "hs048",
        Box::new(AdNlp::new(def)),
        0.0,
        Some(vec![1.0; 5]),
        "Hock & Schittkowski (1981), problem 48",
    )
}

/// The problems of this file.
pub(crate) fn problems() -> Vec<TestProblem> {
    vec![
        hs021(),
        hs023(),
        hs028(),
        hs035(),
        hs038(),
        hs039(),
        hs040(),
        hs043(),
        hs044(),
        hs047(),
        hs048(),
    ]
}
