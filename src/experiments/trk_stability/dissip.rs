//! The dissipativity (absorbing-set) penalty of trk-stability (`dissip_weight`, default 0 =
//! off).
//!
//! Lorenz-63 has the Lyapunov-type function `V(x, y, z) = ρx² + σy² + σ(z − 2ρ)²` with
//! `dV/dt = −2σ(ρx² + y² + βz² − 2βρz)`, negative outside the ellipsoid
//! `E = {ρx² + y² + β(z − ρ)² ≤ βρ²}`. With `C_inv = max_E V`, the exact flow map `φ_h`
//! satisfies `V(φ_h(y)) ≤ max(V(y), C)` for every state and every `C ≥ C_inv`, so
//! `{V ≤ C}` is an absorbing, forward-invariant set. A discrete scheme `Φ_h` that keeps the
//! same inequality can never escape; long-run escapes mean it breaks it somewhere. The
//! penalty asks for it on sample states:
//! `mean_y max(0, ln(V(Φ_h(y)) / max(V(y), C)))²`, `C = max(C_inv, max V over the
//! attractor samples)`, with samples (a) on the attractor (training starts and their
//! reference states), (b) in a shell around it (`c + s(y − c)`, `c` the attractor samples'
//! mean, `s` stratified in `[1, dissip_shell]`) and (c) optionally, states harvested from
//! the scheme's own rollouts just before `V` first exceeds `C` ([`harvest`]).
//! Gradient in φ: the discrete adjoint of one step ([`gradient_with`]) for the samples where
//! the penalty is active.

use super::criterion::walk;
use crate::experiments::lorenz_data::KnownLorenz;
use crate::experiments::trk_error::TrkError;
use crate::sensitivity::{gradient_with, GradientOptions, TimeDerivative};
use crate::systems::Lorenz63;
use crate::trainable::TrainableTableau;
use crate::{solve_fixed, State, Stepping, Tableau};
use rayon::prelude::*;
use std::collections::VecDeque;

type Trk4 = TrainableTableau<4>;

/// `V(y) = ρx² + σy² + σ(z − 2ρ)²` for the default Lorenz-63 parameters (units of state²).
pub fn lyapunov(y: &State<3>) -> f64 {
    let l = Lorenz63::<f64>::default();
    let dz = y[2] - 2.0 * l.rho;
    l.rho * y[0] * y[0] + l.sigma * y[1] * y[1] + l.sigma * dz * dz
}

/// `∇V(y) = (2ρx, 2σy, 2σ(z − 2ρ))`.
fn lyapunov_grad(y: &State<3>) -> State<3> {
    let l = Lorenz63::<f64>::default();
    State::<3>::new(
        2.0 * l.rho * y[0],
        2.0 * l.sigma * y[1],
        2.0 * l.sigma * (y[2] - 2.0 * l.rho),
    )
}

/// `C_inv = max V` over the ellipsoid `E` where `dV/dt ≥ 0` (a convex function's maximum over
/// `E` lies on its boundary): the boundary `x = √(βρ)·u₁, y = √β·ρ·u₂, z = ρ(1 + u₃)`,
/// `u` on the unit sphere, on a 400 × 800 grid in (polar, azimuth) angles (≈ 33 450 for the
/// default parameters; the unit test checks it against the closed form).
pub fn invariant_level() -> f64 {
    let l = Lorenz63::<f64>::default();
    let (n_pol, n_az) = (400, 800);
    let mut best: f64 = 0.0;
    for i in 0..=n_pol {
        let th = std::f64::consts::PI * i as f64 / n_pol as f64;
        for j in 0..n_az {
            let ph = 2.0 * std::f64::consts::PI * j as f64 / n_az as f64;
            let u = [th.sin() * ph.cos(), th.sin() * ph.sin(), th.cos()];
            let y = State::<3>::new(
                (l.beta * l.rho).sqrt() * u[0],
                l.beta.sqrt() * l.rho * u[1],
                l.rho * (1.0 + u[2]),
            );
            best = best.max(lyapunov(&y));
        }
    }
    best
}

/// The penalty's sample states and its level `C`.
#[derive(Clone, Debug, Default)]
pub(super) struct DissipSamples {
    /// Attractor and shell states.
    pub states: Vec<State<3>>,
    /// `C = max(C_inv, max V over the attractor samples)`.
    pub level: f64,
}

impl DissipSamples {
    /// Attractor samples `attractor` plus `n_shell` shell states `c + s(y − c)` (the bases
    /// cycle through `attractor`, `s = 1 + (s_max − 1)(i + ½)/n_shell`).
    pub fn new(attractor: &[State<3>], n_shell: usize, s_max: f64) -> Self {
        let n = attractor.len().max(1) as f64;
        let c = attractor.iter().fold(State::<3>::zeros(), |a, y| a + y) / n;
        let level = attractor
            .iter()
            .map(lyapunov)
            .fold(invariant_level(), f64::max);
        let mut states = attractor.to_vec();
        if !attractor.is_empty() {
            states.extend((0..n_shell).map(|i| {
                let s = 1.0 + (s_max - 1.0) * (i as f64 + 0.5) / n_shell as f64;
                let y = attractor[(i * 7919) % attractor.len()];
                c + (y - c) * s
            }));
        }
        Self { states, level }
    }
}

/// `ln(V(Φ_h(y)) / max(V(y), C))`, positive where the step breaks dissipativity, with
/// `V(Φ_h(y))`; `None` if the step fails. The logarithm (equal to the relative excess to
/// first order) keeps far states whose single step blows up from dominating the penalty.
fn excess(tab: &Tableau<4>, h: f64, y: &State<3>, level: f64) -> Option<(f64, f64)> {
    let mut out = [(0.0, 0.0)];
    excesses(tab, h, y, level, &mut out)?;
    Some(out[0])
}

/// [`excess`] after each of the steps `j = 1 … out.len()`: `out[j − 1]` is
/// `(ln(V(Φ_h^j(y)) / max(V(y), C)), V(Φ_h^j(y)))`; `None` if a step fails.
fn excesses(
    tab: &Tableau<4>,
    h: f64,
    y: &State<3>,
    level: f64,
    out: &mut [(f64, f64)],
) -> Option<()> {
    let reference = lyapunov(y).max(level);
    let mut yj = *y;
    for o in out.iter_mut() {
        yj = solve_fixed(tab, &KnownLorenz, 0.0, h, yj, h).ok()?.0;
        let v = lyapunov(&yj);
        let e = (v / reference).ln();
        if !(e.is_finite() && v > 0.0) {
            return None;
        }
        *o = (e, v);
    }
    Some(())
}

/// Of the states in `states`, the penalty value `mean_y max(0, excess)²` (without gradient)
/// and how many break dissipativity (excess > 0, or a failed step): the diagnostic column
/// of the verdict table.
pub(super) fn violations(
    tab: &Tableau<4>,
    h: f64,
    states: &[State<3>],
    level: f64,
) -> (f64, usize) {
    let e: Vec<f64> = states
        .par_iter()
        .map(|y| excess(tab, h, y, level).map_or(1.0, |(e, _)| e).max(0.0))
        .filter(|&e| e > 0.0)
        .collect();
    let value = e.iter().fold(0.0, |a, e| a + e * e) / states.len().max(1) as f64;
    (value, e.len())
}

/// The penalty `mean_y (1/k) Σ_{j ≤ k} max(0, excess_j)²` over `states` (level `level`,
/// `k = steps`, `excess_j` the excess after j steps) and its gradient in φ (k = 1: the
/// one-step penalty). A state whose steps fail or overflow counts as 1 without gradient.
///
/// # Errors
/// [`TrkError::Sensitivity`] if the k-step adjoint fails.
pub(super) fn dissip_penalty(
    tab: &Tableau<4>,
    h: f64,
    states: &[State<3>],
    level: f64,
    steps: usize,
) -> Result<(f64, Vec<f64>), TrkError> {
    let k = steps.max(1);
    let times: Vec<f64> = (1..=k).map(|j| h * j as f64).collect();
    let parts: Vec<Result<(f64, Vec<f64>), TrkError>> = states
        .par_iter()
        .filter_map(|y| {
            let mut ex = vec![(0.0, 0.0); k];
            if excesses(tab, h, y, level, &mut ex).is_none() {
                return Some(Ok((1.0, vec![0.0; Trk4::N_PARAMS])));
            }
            let value = ex.iter().map(|&(e, _)| e.max(0.0).powi(2)).sum::<f64>() / k as f64;
            if value <= 0.0 {
                return None;
            }
            Some(
                gradient_with(
                    &GradientOptions {
                        time: TimeDerivative::Autonomous,
                        ..GradientOptions::default()
                    },
                    tab,
                    &KnownLorenz,
                    0.0,
                    *y,
                    &times,
                    &Stepping::Fixed(h),
                    |traj| {
                        let g = traj
                            .y
                            .iter()
                            .zip(&ex)
                            .map(|(yj, &(e, v))| {
                                lyapunov_grad(yj) * (2.0 * e.max(0.0) / (v * k as f64))
                            })
                            .collect();
                        Ok::<_, std::convert::Infallible>(g)
                    },
                )
                .map(|(_, g)| {
                    let gphi = Trk4::grad_from_tableau(&g.tableau.a, &g.tableau.b, &g.tableau.c);
                    (value, gphi)
                })
                .map_err(TrkError::from),
            )
        })
        .collect();
    let n = states.len().max(1) as f64;
    let mut value = 0.0;
    let mut grad = vec![0.0; Trk4::N_PARAMS];
    for p in parts {
        let (v, g) = p?;
        value += v / n;
        for (a, b) in grad.iter_mut().zip(&g) {
            *a += b / n;
        }
    }
    Ok((value, grad))
}

/// States of the scheme's own rollouts just before they leave `{V ≤ level}`: from each of
/// `starts`, `steps` fixed steps of size `h`; if `V` first exceeds `level` at step `k`, the
/// (at most) `keep` states before step `k` are returned (rollouts that stay inside give none).
pub(super) fn harvest(
    tab: &Tableau<4>,
    h: f64,
    starts: &[State<3>],
    steps: usize,
    keep: usize,
    level: f64,
    bound: f64,
) -> Vec<State<3>> {
    starts
        .par_iter()
        .flat_map_iter(|y0| {
            let mut last: VecDeque<State<3>> = VecDeque::with_capacity(keep + 1);
            let mut out: Option<Vec<State<3>>> = None;
            last.push_back(*y0);
            walk(tab, &KnownLorenz, h, *y0, steps, bound, |_, y| {
                if out.is_some() {
                    return;
                }
                if lyapunov(y) > level {
                    out = Some(last.iter().copied().collect());
                } else {
                    last.push_back(*y);
                    if last.len() > keep {
                        last.pop_front();
                    }
                }
            });
            out.unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::lorenz_data::attractor;
    use approx::assert_relative_eq;

    /// `C_inv` agrees with the closed form of `max V` over `E`: on the boundary
    /// `V = ρ²(βu₁² + σβu₂² + σ(u₃ − 1)²)`, maximised (σβ > β) at `u₁ = 0`,
    /// `u₃ = −σ/(σβ − σ)`, when that lies in `[−1, 1]`.
    #[test]
    fn invariant_level_matches_closed_form() {
        let l = Lorenz63::<f64>::default();
        let (s, b, r) = (l.sigma, l.beta, l.rho);
        let u3 = -s / (s * b - s);
        let exact = r * r * (s * b * (1.0 - u3 * u3) + s * (u3 - 1.0) * (u3 - 1.0));
        assert_relative_eq!(invariant_level(), exact, max_relative = 1e-4);
    }

    /// The adjoint gradient of the penalty in φ, one step and three steps, matches central
    /// differences at h = 0.25 (RK4 perturbed, outside its comfortable range, so many shell
    /// states break dissipativity); harvested states lie inside the level, and an
    /// exact-looking step (RK4, h = 0.01) keeps every attractor sample dissipative.
    #[test]
    fn penalty_gradient_matches_finite_differences() {
        let att = attractor(25.0, 0, 24, 0.5, 1e-12).unwrap();
        let samples = DissipSamples::new(&att, 48, 1.6);
        assert_eq!(samples.states.len(), 72);
        assert!(samples.level >= invariant_level());
        let mut trk = Trk4::from_tableau(&Tableau::rk38(), 1).unwrap();
        let p: Vec<f64> = trk.params().iter().map(|x| x * 1.05).collect();
        trk.set_params(&p).unwrap();
        trk.project().unwrap();
        let h = 0.25;
        let mut one_step = 0.0;
        for steps in [1, 3] {
            let at = |p: &[f64]| {
                let t = Trk4::tableau_from_params::<f64>(p).unwrap();
                dissip_penalty(&t, h, &samples.states, samples.level, steps).unwrap()
            };
            let (value, g) = at(trk.params());
            assert!(value > 1e-8, "penalty inactive at k = {steps}: {value}");
            for k in 0..Trk4::N_PARAMS {
                let shifted = |e: f64| {
                    let mut p = trk.params().to_vec();
                    p[k] += e;
                    at(&p).0
                };
                let fd = (shifted(1e-6) - shifted(-1e-6)) / 2e-6;
                // Over three steps at h = 0.25 some shell states grow far, and the central
                // difference's truncation error reaches ~1.5e-4 relative (measured, gradients
                // ~5e3); a missing term or factor (e.g. the 1/k) would be off by far more.
                let tol = if steps == 1 { 1e-4 } else { 1e-3 };
                assert_relative_eq!(fd, g[k], epsilon = 1e-7, max_relative = tol);
            }
            if steps == 1 {
                one_step = value;
            } else {
                // More steps see more violations: the k-step penalty is not just the first
                // step's divided by k.
                assert!(value > one_step / steps as f64, "{value} vs {one_step}");
            }
        }
        let fine = dissip_penalty(&Tableau::rk4(), 0.01, &att, samples.level, 4).unwrap();
        assert_eq!(fine.0, 0.0);
        let got = harvest(&Tableau::rk4(), 0.5, &att[..4], 200, 3, samples.level, 1e3);
        assert!(!got.is_empty() && got.len() <= 12, "{}", got.len());
        assert!(got.iter().all(|y| lyapunov(y) <= samples.level));
    }
}
