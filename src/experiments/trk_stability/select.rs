//! Model selection among the candidates of all restarts: the lowest-validation-RMSE
//! candidate that passes the criterion on the validation starts **and** keeps every one of
//! many extra screening long runs bounded (an estimate of a zero escape rate, far sharper
//! than the few long runs of the criterion); without such a candidate, the best under
//! [`Verdict::better_than`].

use super::Verdict;

/// How the selected candidate was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// It passed on the validation starts and all screening long runs stayed bounded.
    Screened,
    /// No candidate passed the screen (or screening was off): best by
    /// [`Verdict::better_than`] on the validation starts.
    Ranked,
}

/// Index of the selected candidate among `vals` (their validation verdicts) and how it was
/// chosen; `None` if `vals` is empty. `screen(i)` runs candidate `i`'s screening long runs
/// and says whether all stayed bounded; it is called, in order of increasing validation
/// RMSE, only for candidates that pass on the validation starts, at most `max_screened`
/// times, and not at all if `max_screened` is 0.
pub fn select(
    vals: &[Verdict],
    max_screened: usize,
    mut screen: impl FnMut(usize) -> bool,
) -> Option<(usize, Selection)> {
    let mut passing: Vec<usize> = (0..vals.len()).filter(|&i| vals[i].pass).collect();
    passing.sort_by(|&a, &b| vals[a].rmse.total_cmp(&vals[b].rmse).then(a.cmp(&b)));
    if let Some(&i) = passing.iter().take(max_screened).find(|&&i| screen(i)) {
        return Some((i, Selection::Screened));
    }
    let mut best: Option<usize> = None;
    for i in 0..vals.len() {
        if best.is_none_or(|b| vals[i].better_than(&vals[b])) {
            best = Some(i);
        }
    }
    best.map(|i| (i, Selection::Ranked))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(bounded_runs: usize, rmse: f64, pass: bool) -> Verdict {
        Verdict {
            bounded_runs,
            long_runs: 10,
            rmse,
            bounded_forecasts: 50,
            rmse_bounded: rmse,
            pass,
        }
    }

    #[test]
    fn picks_lowest_rmse_candidate_that_survives_the_screen() {
        let vals = [
            v(10, 5.0, true),
            v(10, 3.0, true),
            v(9, 1.0, false),
            v(10, 4.0, true),
        ];
        let mut asked = Vec::new();
        // Candidate 1 (RMSE 3) escapes in the screen, 3 (RMSE 4) survives.
        let got = select(&vals, 10, |i| {
            asked.push(i);
            i != 1
        });
        assert_eq!(got, Some((3, Selection::Screened)));
        // Only passing candidates are screened, in order of RMSE, stopping at the first.
        assert_eq!(asked, vec![1, 3]);
    }

    #[test]
    fn falls_back_to_ranking_when_nothing_survives_or_screening_is_off() {
        let vals = [v(10, 5.0, true), v(10, 3.0, true), v(9, 1.0, false)];
        let mut calls = 0;
        let got = select(&vals, 1, |_| {
            calls += 1;
            false
        });
        // At most max_screened = 1 screen; then better_than: equal bounded counts, RMSE 3.
        assert_eq!(calls, 1);
        assert_eq!(got, Some((1, Selection::Ranked)));
        assert_eq!(
            select(&vals, 0, |_| unreachable!()),
            Some((1, Selection::Ranked))
        );
        assert_eq!(select(&[], 5, |_| true), None);
    }
}
