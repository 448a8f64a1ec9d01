//! Training on the scheme's own trajectory: states the current discrete map visits in its
//! own long rollouts (and the states just before a rollout escapes), each with a DOP853
//! reference over the K loss steps, so the forecast loss also covers the regions the map
//! actually goes to, including its escape routes, not only the true attractor.

use super::criterion::walk;
use super::dissip::harvest;
use super::Config;
use crate::experiments::lorenz_data::{reference_path, KnownLorenz};
use crate::{State, Tableau};
use rayon::prelude::*;
use std::collections::VecDeque;

/// States visited by `steps` fixed steps of size `h` from `y0`: every `stride`-th state, and,
/// if the run leaves `‖y‖₂ ≤ bound`, the last `escape_keep` in-bound states before it left.
/// Only states with `‖y‖₂ ≤ norm_max` are returned (far states say little about the
/// attractor and make the loss explode).
#[allow(clippy::too_many_arguments)]
pub(super) fn visited(
    tab: &Tableau<4>,
    h: f64,
    y0: State<3>,
    steps: usize,
    stride: usize,
    escape_keep: usize,
    bound: f64,
    norm_max: f64,
) -> Vec<State<3>> {
    let mut kept = Vec::new();
    let mut last: VecDeque<State<3>> = VecDeque::with_capacity(escape_keep + 1);
    let done = walk(tab, &KnownLorenz, h, y0, steps, bound, |k, y| {
        if k % stride.max(1) == 0 {
            kept.push(*y);
        }
        last.push_back(*y);
        if last.len() > escape_keep {
            last.pop_front();
        }
    });
    if done < steps {
        kept.extend(last);
    }
    kept.retain(|y| y.norm() <= norm_max);
    kept
}

/// The buffer of own-trajectory training states and their references (first in, first out,
/// at most `cfg.own_cap` states).
#[derive(Default)]
pub(super) struct OwnStates {
    /// Training starts taken from the scheme's own rollouts.
    pub starts: Vec<State<3>>,
    /// Their DOP853 references at `h, …, K·h`.
    pub refs: Vec<Vec<State<3>>>,
    /// States harvested just before the scheme's rollouts leave the dissipativity level
    /// (samples of the dissipativity penalty, module `dissip`).
    pub harvested: Vec<State<3>>,
    /// How many rollouts have been done (selects the next training starts).
    rollouts: usize,
    /// How many harvests have been done (selects the next training starts).
    harvests: usize,
}

impl OwnStates {
    /// Roll `tab` out from the next `cfg.roll_starts` training starts (cyclically), add the
    /// visited states with their references, drop the oldest beyond `cfg.own_cap`. States
    /// whose reference solve fails are skipped. Returns how many states were added.
    pub fn refresh(&mut self, cfg: &Config, h: f64, tab: &Tableau<4>, train: &[State<3>]) -> usize {
        let first = self.rollouts * cfg.roll_starts;
        self.rollouts += 1;
        let new: Vec<(State<3>, Vec<State<3>>)> = (0..cfg.roll_starts)
            .into_par_iter()
            .flat_map_iter(|i| {
                let y0 = train[(first + i) % train.len()];
                visited(
                    tab,
                    h,
                    y0,
                    cfg.roll_steps,
                    cfg.roll_stride,
                    cfg.roll_escape,
                    cfg.bound,
                    cfg.roll_norm,
                )
            })
            .filter_map(|y| {
                reference_path(y, h, cfg.k_at(h), cfg.ref_tol)
                    .ok()
                    .map(|r| (y, r))
            })
            .collect();
        let added = new.len();
        for (y, r) in new {
            self.starts.push(y);
            self.refs.push(r);
        }
        let extra = self.starts.len().saturating_sub(cfg.own_cap);
        self.starts.drain(..extra);
        self.refs.drain(..extra);
        added
    }

    /// Harvest ([`super::dissip::harvest`]) from the next `cfg.harvest` training starts
    /// (cyclically), rollouts of `cfg.roll_steps` steps, `cfg.harvest_keep` states before each
    /// exit from `{V ≤ level}`; drop the oldest beyond `cfg.own_cap`. Returns how many were
    /// added.
    pub fn harvest(
        &mut self,
        cfg: &Config,
        h: f64,
        tab: &Tableau<4>,
        train: &[State<3>],
        level: f64,
    ) -> usize {
        let first = self.harvests * cfg.harvest;
        self.harvests += 1;
        let starts: Vec<State<3>> = (0..cfg.harvest)
            .map(|i| train[(first + i) % train.len()])
            .collect();
        let new = harvest(
            tab,
            h,
            &starts,
            cfg.roll_steps,
            cfg.harvest_keep,
            level,
            cfg.bound,
        );
        let added = new.len();
        self.harvested.extend(new);
        let extra = self.harvested.len().saturating_sub(cfg.own_cap);
        self.harvested.drain(..extra);
        added
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::lorenz_data::attractor;
    use crate::solve_fixed;
    use approx::assert_relative_eq;

    /// A bounded rollout keeps exactly every stride-th state of the fixed-step solution.
    #[test]
    fn bounded_rollout_keeps_every_stride_th_state() {
        let y0 = attractor(25.0, 0, 1, 0.5, 1e-12).unwrap()[0];
        let (h, tab) = (0.01, Tableau::rk4());
        let kept = visited(&tab, h, y0, 100, 10, 5, 1e3, 1e3);
        assert_eq!(kept.len(), 10);
        for (j, y) in kept.iter().enumerate() {
            let t1 = h * (10 * (j + 1)) as f64;
            let (yr, _) = solve_fixed(&tab, &KnownLorenz, 0.0, t1, y0, h).unwrap();
            assert_relative_eq!((y - yr).norm(), 0.0, epsilon = 1e-9);
        }
    }

    /// An escaping rollout (RK4 at h = 0.5 is far outside its stability interval on Lorenz)
    /// adds the last in-bound states before the escape; `norm_max` filters them.
    #[test]
    fn escaping_rollout_keeps_the_escape_route() {
        let y0 = attractor(25.0, 0, 1, 0.5, 1e-12).unwrap()[0];
        let tab = Tableau::rk4();
        let bound = 1e3;
        let mut last = y0;
        let done = walk(&tab, &KnownLorenz, 0.5, y0, 1000, bound, |_, y| last = *y);
        assert!(done < 1000, "RK4 at h = 0.5 should escape");
        // Stride 1000 keeps no regular sample, so only the escape route is returned.
        let kept = visited(&tab, 0.5, y0, 1000, 1000, 3, bound, bound);
        assert_eq!(kept.len(), done.min(3));
        if done > 0 {
            assert_relative_eq!((kept[kept.len() - 1] - last).norm(), 0.0);
        }
        assert!(visited(&tab, 0.5, y0, 1000, 1000, 3, bound, 0.0).is_empty());
    }
}
