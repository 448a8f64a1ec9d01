//! Elimination order for the unpivoted sparse LDLᵀ of a KKT matrix: AMD, then constraint rows
//! postponed after their variables and zero-diagonal variables after one of their rows (see
//! [`super::sparse_ldl`]).

use super::NodeKind;

/// AMD order `perm` adjusted so that every constraint row comes after the `Variable`
/// neighbours it waits for and every zero-diagonal variable after its first row (module docs).
/// With `dense_rule`, rows do not wait for dense variables (see below).
pub(crate) fn delayed_order(
    n: usize,
    perm: &[usize],
    adj: &[Vec<usize>],
    kind: &[NodeKind],
    dense_rule: bool,
) -> Result<Vec<usize>, String> {
    use NodeKind::{Constraint, Variable, ZeroVariable};
    // A variable coupled to very many nodes (AMD's "dense" test: degree > 10·√n, at least
    // 16) — e.g. a parameter shared by every collocation constraint — is eliminated last
    // by AMD; rows need not wait for it, or all rows would pile up behind it and their
    // Schur complement would fill in completely. A row coupled to nothing else still
    // waits for its dense variables.
    let dense_deg = if dense_rule {
        (10.0 * (n as f64).sqrt()).max(16.0) as usize
    } else {
        usize::MAX
    };
    // a dense zero-diagonal variable is left to AMD (last) as well: by the time it is
    // eliminated, its rows have contributed to its pivot
    let kind: Vec<NodeKind> = (0..n)
        .map(|j| match kind[j] {
            ZeroVariable if adj[j].len() > dense_deg => Variable,
            k => k,
        })
        .collect();
    let dense_var: Vec<bool> = (0..n)
        .map(|j| kind[j] == Variable && adj[j].len() > dense_deg)
        .collect();
    let only_dense: Vec<bool> = (0..n)
        .map(|i| adj[i].iter().all(|&k| kind[k] != Variable || dense_var[k]))
        .collect();
    let waits_for =
        |row: usize, j: usize| kind[j] == Variable && (!dense_var[j] || only_dense[row]);
    let mut pending: Vec<usize> = (0..n)
        .map(|i| match kind[i] {
            Constraint => adj[i].iter().filter(|&&j| waits_for(i, j)).count(),
            ZeroVariable => usize::from(adj[i].iter().any(|&j| kind[j] == Constraint)),
            Variable => 0,
        })
        .collect();
    let mut new_perm = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    let mut queue = Vec::new();
    for &p in perm {
        if placed[p] || pending[p] > 0 {
            continue;
        }
        queue.push(p);
        while let Some(q) = queue.pop() {
            if placed[q] {
                continue;
            }
            placed[q] = true;
            new_perm.push(q);
            for &r in &adj[q] {
                if placed[r] {
                    continue;
                }
                let release = match (kind[q], kind[r]) {
                    (Variable, Constraint) if waits_for(r, q) => {
                        pending[r] = pending[r].saturating_sub(1);
                        pending[r] == 0
                    }
                    (Constraint, ZeroVariable) => {
                        pending[r] = 0;
                        true
                    }
                    _ => false,
                };
                if release {
                    queue.push(r);
                }
            }
        }
    }
    for p in 0..n {
        if !placed[p] {
            new_perm.push(p);
        }
    }
    if new_perm.len() != n {
        return Err(format!(
            "ordering lost nodes: {} of {n} placed",
            new_perm.len()
        ));
    }
    Ok(new_perm)
}
