//! Hock–Schittkowski problems 51–100 (a selection), including IPOPT's standard example
//! HS071. Data from Hock & Schittkowski (1981).

use super::smooth::{fill, free, AdNlp, Def};
use super::TestProblem;

const INF: f64 = f64::INFINITY;

fn hs051() -> TestProblem {
    let def = Def {
        x_l: free(5).0,
        x_u: free(5).1,
        g_l: vec![0.0; 3],
        g_u: vec![0.0; 3],
        x0: vec![2.5, 0.5, 2.0, -1.0, 0.5],
        f: |x| {
            (x[0] - x[1]).sq() + (x[1] + x[2] - 2.0).sq() + (x[3] - 1.0).sq() + (x[4] - 1.0).sq()
        },
        g: |x, g| {
            g[0] = x[0] + 3.0 * x[1] - 4.0;
            g[1] = x[2] + x[3] - 2.0 * x[4];
            g[2] = x[1] - x[4];
        },
    };
    TestProblem::optimal(
        "hs051",
        Box::new(AdNlp::new(def)),
        0.0,
        Some(vec![1.0; 5]),
        "Hock & Schittkowski (1981), problem 51",
    )
}

fn hs065() -> TestProblem {
    let def = Def {
        x_l: vec![-4.5, -4.5, -5.0],
        x_u: vec![4.5, 4.5, 5.0],
        g_l: vec![0.0],
        g_u: vec![INF],
        x0: vec![-5.0, 5.0, 0.0],
        f: |x| (x[0] - x[1]).sq() + (x[0] + x[1] - 10.0).sq() / 9.0 + (x[2] - 5.0).sq(),
        g: |x, g| g[0] = 48.0 - x[0].sq() - x[1].sq() - x[2].sq(),
    };
    TestProblem::optimal(
        "hs065",
        Box::new(AdNlp::new(def)),
        0.953_528_856_7,
        Some(vec![3.650_461_821, 3.650_461_68, 4.620_417_05]),
        "Hock & Schittkowski (1981), problem 65",
    )
}

fn hs071() -> TestProblem {
    let def = Def {
        x_l: fill(4, 1.0),
        x_u: fill(4, 5.0),
        g_l: vec![25.0, 40.0],
        g_u: vec![INF, 40.0],
        x0: vec![1.0, 5.0, 5.0, 1.0],
        f: |x| x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2],
        g: |x, g| {
            g[0] = x[0] * x[1] * x[2] * x[3];
            g[1] = x[0].sq() + x[1].sq() + x[2].sq() + x[3].sq();
        },
    };
    TestProblem::optimal(
        "hs071",
        Box::new(AdNlp::new(def)),
        17.014_017_3,
        Some(vec![1.0, 4.742_999_4, 3.821_150_3, 1.379_408_2]),
        "Hock & Schittkowski (1981), problem 71 (IPOPT's hs071 example); IPOPT iterations \
         from the log in Pyomo's documentation (pyomo_modeling_components/Suffixes.rst)",
    )
    .with_ipopt_iters(8)
}

fn hs076() -> TestProblem {
    let def = Def {
        x_l: fill(4, 0.0),
        x_u: fill(4, INF),
        g_l: vec![0.0; 3],
        g_u: vec![INF; 3],
        x0: vec![0.5; 4],
        f: |x| {
            x[0].sq() + 0.5 * x[1].sq() + x[2].sq() + 0.5 * x[3].sq() - x[0] * x[2] + x[2] * x[3]
                - x[0]
                - 3.0 * x[1]
                + x[2]
                - x[3]
        },
        g: |x, g| {
            g[0] = 5.0 - x[0] - 2.0 * x[1] - x[2] - x[3];
            g[1] = 4.0 - 3.0 * x[0] - x[1] - 2.0 * x[2] + x[3];
            g[2] = x[1] + 4.0 * x[2] - 1.5;
        },
    };
    TestProblem::optimal(
        "hs076",
        Box::new(AdNlp::new(def)),
        -4.681_818_181,
        // The book prints x3* = -0.26e-10, i.e. zero at its bound.
        Some(vec![0.272_727_3, 2.090_909, 0.0, 0.545_454_5]),
        "Hock & Schittkowski (1981), problem 76",
    )
}

fn hs100() -> TestProblem {
    let def = Def {
        x_l: free(7).0,
        x_u: free(7).1,
        g_l: vec![0.0; 4],
        g_u: vec![INF; 4],
        x0: vec![1.0, 2.0, 0.0, 4.0, 0.0, 1.0, 1.0],
        f: |x| {
            (x[0] - 10.0).sq()
                + 5.0 * (x[1] - 12.0).sq()
                + x[2].powi(4)
                + 3.0 * (x[3] - 11.0).sq()
                + 10.0 * x[4].powi(6)
                + 7.0 * x[5].sq()
                + x[6].powi(4)
                - 4.0 * x[5] * x[6]
                - 10.0 * x[5]
                - 8.0 * x[6]
        },
        g: |x, g| {
            g[0] =
                127.0 - 2.0 * x[0].sq() - 3.0 * x[1].powi(4) - x[2] - 4.0 * x[3].sq() - 5.0 * x[4];
            g[1] = 282.0 - 7.0 * x[0] - 3.0 * x[1] - 10.0 * x[2].sq() - x[3] + x[4];
            g[2] = 196.0 - 23.0 * x[0] - x[1].sq() - 6.0 * x[5].sq() + 8.0 * x[6];
            g[3] = -4.0 * x[0].sq() - x[1].sq() + 3.0 * x[0] * x[1] - 2.0 * x[2].sq() - 5.0 * x[5]
                + 11.0 * x[6];
        },
    };
    TestProblem::optimal(
        "hs100",
        Box::new(AdNlp::new(def)),
        680.630_057_3,
        Some(vec![
            2.330_499,
            1.951_372,
            -0.477_541_4,
            4.365_726,
            -0.624_487_0,
            1.038_131,
            1.594_227,
        ]),
        "Hock & Schittkowski (1981), problem 100",
    )
}

/// The problems of this file.
pub(crate) fn problems() -> Vec<TestProblem> {
    vec![hs051(), hs065(), hs071(), hs076(), hs100()]
}
