//! Progress display: an indicatif bar on a terminal, plain log lines otherwise (CI, pipes).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// Shows the iteration, loss, validation loss, NFE and iterations per second.
pub struct Progress {
    bar: Option<ProgressBar>,
    log_every: u64,
    start: Instant,
    first: u64,
}

impl Progress {
    /// A bar over `total` iterations starting at `done` if stderr is a terminal; otherwise a
    /// log line on stdout every `log_every` iterations (0: none).
    pub fn new(total: u64, done: u64, log_every: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} it ({per_sec}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            ProgressBar::new(total)
                .with_style(style)
                .with_position(done)
        });
        Self {
            bar,
            log_every,
            start: Instant::now(),
            first: done,
        }
    }

    /// Report iteration `iter` (1-based) of `opt` with its loss and, when evaluated, the
    /// validation loss and NFE.
    pub fn update(&self, opt: &str, iter: u64, loss: f64, val: Option<f64>, nfe: Option<usize>) {
        let val = val.map_or(String::new(), |v| format!("  val {v:.4e}"));
        let nfe = nfe.map_or(String::new(), |n| format!("  nfe {n}"));
        match &self.bar {
            Some(b) => {
                b.set_position(iter);
                b.set_message(format!("{opt} loss {loss:.4e}{val}{nfe}"));
            }
            None if self.log_every > 0 && iter % self.log_every == 0 => {
                let secs = self.start.elapsed().as_secs_f64();
                let rate = (iter - self.first) as f64 / secs.max(1e-9);
                println!("{opt} iter {iter}: loss {loss:.6e}{val}{nfe}  ({rate:.1} it/s)");
            }
            None => {}
        }
    }

    /// Print a line without breaking the bar.
    pub fn println(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None => println!("{msg}"),
        }
    }

    /// Remove the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
