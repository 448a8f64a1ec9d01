//! Why the paper's local regularizer barely moves NFE here: a probe of its size and gradient on
//! the initial digits network (the one every variant of `nodal repro local-reg` starts from).
//!
//! Part 1, per sample (the first `--samples` training images, `t_r` = 0.1, 0.3, …, 0.9): the
//! step sizes (initial-step heuristic at `t_r` vs the accepted step containing `t_r`), the value
//! `R = E_est·|h|`, and the θ-gradient of `R` with `k₁` frozen (the paper's definition) and with
//! `k₁` differentiated (the exact derivative at fixed `z(t_r)`, `h`), as `‖∂R/∂θ‖ / R` and
//! their cosine. Medians over the samples and times.
//!
//! Part 2, one mini-batch (the first `--batch` training images, iteration 0): `‖∂CE/∂θ‖` of
//! the field parameters against `‖∂R/∂θ‖` of every regularized variant at weight 1.
//!
//! Run: `cargo run --release --example local_reg_probe -- [--tol 1e-6] [--samples 8] [--batch 32] [--seed 0]`

use nodal::experiments::local_reg::{initial_network, ClassifierObjective, Digits, Variant};
use nodal::integrate::solve_adaptive_with;
use nodal::regularize::{FirstStage, OneStep, StepRecorder, Weight};
use nodal::sensitivity::Sensitivity;
use nodal::train::Objective;
use nodal::{Adaptive, ParamField, Tableau};

fn parse() -> Result<(f64, usize, usize, u64), String> {
    let (mut tol, mut samples, mut batch, mut seed) = (1e-6, 8, 32, 0);
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let v = pair.get(1).ok_or(format!("{} needs a value", pair[0]))?;
        let num = v.parse::<f64>().map_err(|e| format!("{}: {e}", pair[0]))?;
        match pair[0].as_str() {
            "--tol" => tol = num,
            "--samples" => samples = num as usize,
            "--batch" => batch = num as usize,
            "--seed" => seed = num as u64,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok((tol, samples, batch, seed))
}

/// `R` and its θ-gradients with `k₁` frozen and differentiated.
type Grads = Result<(f64, Vec<f64>, Vec<f64>), Box<dyn std::error::Error>>;

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tol, samples, batch, seed) = parse()?;
    let (train, _) = Digits::load(&Digits::shipped_path())?.split(0.8)?;
    let (field, p0) = initial_network(100, seed)?;
    let tab = Tableau::tsit5();
    let opts = Adaptive::with_tol(tol, tol);
    let one = OneStep::error(tol, tol);
    let n = field.params().len();
    // Columns: h_init, h_acc, R_init, |gF|/R, |gL|/R, cos(gF, gL) at h_init; R_acc, |gF|/R,
    // |gL|/R at h_acc.
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 9];
    for x in train.images.iter().take(samples) {
        let mut rec = StepRecorder::new(&tab);
        solve_adaptive_with(&tab, &field, 0.0, 1.0, *x, &opts, &mut rec)?;
        for t in [0.1, 0.3, 0.5, 0.7, 0.9] {
            let z = rec.state_at(&tab, t)?;
            let h_acc = rec
                .steps()
                .iter()
                .rev()
                .find(|s| s.t <= t)
                .map_or(f64::NAN, |s| s.h.min(1.0 - t));
            let fr_i = one.freeze(&tab, &field, t, &z, (0.0, 1.0))?;
            let fr_a = one.freeze_with_step(&tab, &field, t, &z, (0.0, 1.0), h_acc)?;
            let grads = |fr| -> Grads {
                let (mut gf, mut gl) = (vec![0.0; n], vec![0.0; n]);
                let r = one.value_and_grad_frozen_with(
                    &tab,
                    &field,
                    fr,
                    FirstStage::Frozen,
                    1.0,
                    &mut gf,
                )?;
                one.value_and_grad_frozen_with(
                    &tab,
                    &field,
                    fr,
                    FirstStage::Differentiated,
                    1.0,
                    &mut gl,
                )?;
                Ok((r, gf, gl))
            };
            let (ri, gf, gl) = grads(&fr_i)?;
            let cos = gf.iter().zip(&gl).map(|(a, b)| a * b).sum::<f64>() / (norm(&gf) * norm(&gl));
            let (ra, gfa, gla) = grads(&fr_a)?;
            for (c, v) in cols.iter_mut().zip([
                fr_i.h,
                h_acc,
                ri,
                norm(&gf) / ri,
                norm(&gl) / ri,
                cos,
                ra,
                norm(&gfa) / ra,
                norm(&gla) / ra,
            ]) {
                c.push(v);
            }
        }
    }
    let m: Vec<f64> = cols.into_iter().map(median).collect();
    println!(
        "# local regularizer probe: initial digits network (seed {seed}), tsit5 rtol = atol = {tol:e}, \
         {samples} samples x 5 times, medians"
    );
    println!(
        "| step | h | R = E_est·h | ‖∂R/∂θ‖/R, k₁ frozen | ‖∂R/∂θ‖/R, k₁ differentiated | cos |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| initial (paper) | {:.4} | {:.3e} | {:.3e} | {:.3e} | {:.3} |",
        m[0], m[2], m[3], m[4], m[5]
    );
    println!(
        "| accepted | {:.4} | {:.3e} | {:.3e} | {:.3e} | |",
        m[1], m[6], m[7], m[8]
    );
    // Part 2: one mini-batch at iteration 0, weight 1.
    let idx: Vec<usize> = (0..batch.min(train.len())).collect();
    let grad_of = |variant| -> Result<Vec<f64>, Box<dyn std::error::Error>> {
        let obj = ClassifierObjective::new(
            tab,
            opts,
            Sensitivity::Discrete,
            variant,
            Weight::Constant(1.0),
            field.clone(),
            &train,
            seed,
        );
        Ok(obj.eval(&p0, &idx)?.1[..n].to_vec())
    };
    let g0 = grad_of(Variant::Vanilla)?;
    println!(
        "\n# one mini-batch of {} at iteration 0: ‖∂CE/∂θ‖ = {:.3e} (field parameters)",
        idx.len(),
        norm(&g0)
    );
    println!("| variant | ‖∂R/∂θ‖ (weight 1) | ratio to ‖∂CE/∂θ‖ |");
    println!("|---|---|---|");
    for v in [
        Variant::Global,
        Variant::LocalUnbiased,
        Variant::LocalBiased,
        Variant::LocalAccepted,
        Variant::LocalBatch,
    ] {
        let g = grad_of(v)?;
        let d: Vec<f64> = g.iter().zip(&g0).map(|(a, b)| a - b).collect();
        println!(
            "| {} | {:.3e} | {:.3e} |",
            v.name(),
            norm(&d),
            norm(&d) / norm(&g0)
        );
    }
    Ok(())
}
