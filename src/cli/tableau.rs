//! `nodal tableau`: print a preset and its analysis.

use super::methods::with_method;
use super::CliError;
use clap::Args;
use nodal::tableau::{order, stability};
use nodal::Tableau;

/// Arguments of `nodal tableau`.
#[derive(Args, Debug)]
pub struct TableauArgs {
    /// Preset name (euler, midpoint, heun, ralston, rk4, rk38, bs3, dopri5, tsit5, dop853).
    #[arg(long, default_value = "dopri5")]
    pub method: String,
}

/// Run `nodal tableau`.
pub fn run(args: &TableauArgs) -> Result<(), CliError> {
    with_method!(args.method.as_str(), tab => print(&tab))
}

fn row(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:>12.8}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn print<const S: usize>(tab: &Tableau<S>) -> Result<(), CliError> {
    println!(
        "{}: {S} stages, published order {}{}, FSAL {}",
        tab.name,
        tab.order,
        tab.embedded_order
            .map(|e| format!("({e})"))
            .unwrap_or_default(),
        tab.fsal
    );
    println!("c | A");
    for i in 0..S {
        println!("{:>12.8} | {}", tab.c[i], row(&tab.a[i][..i.max(1)]));
    }
    println!("b      {}", row(&tab.b));
    if let Some(bh) = &tab.b_hat {
        println!("b_hat  {}", row(bh));
    }
    let tol = 1e-12;
    let p = order::achieved_order(tab, tol);
    let limit = order::MAX_TREE_ORDER as u8;
    let suffix = if p >= limit {
        " (at least; trees checked up to this order)"
    } else {
        ""
    };
    println!("order conditions hold (to {tol:e}) up to order {p}{suffix}");
    if let Some(e) = order::achieved_embedded_order(tab, tol) {
        println!("embedded weights satisfy order conditions up to order {e}");
    }
    let gamma = stability::stability_polynomial(tab).map_err(stability::StabilityError::from)?;
    let poly: Vec<String> = gamma
        .iter()
        .enumerate()
        .map(|(k, g)| format!("{g:.6e}·w^{k}"))
        .collect();
    println!("stability polynomial R(w) = {}", poly.join(" + "));
    let r = stability::real_stability_interval(tab)?;
    println!("real stability interval [-{r:.6}, 0]");
    Ok(())
}
