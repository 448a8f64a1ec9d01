//! A small table type written as Markdown (for `docs/results.md`) and CSV (for scripts).

use super::write::{write_atomic, ReportError};
use std::fmt::Write as _;
use std::path::Path;

/// A titled table of text cells. Numbers are formatted by the caller, so the Markdown and the
/// CSV show exactly the same digits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Title, written as a Markdown heading (`### title`) and not into the CSV.
    pub title: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows; each must have `header.len()` cells (checked when writing).
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with a title and column names and no rows.
    pub fn new<S: AsRef<str>>(title: &str, header: &[S]) -> Self {
        Self {
            title: title.to_string(),
            header: header.iter().map(|s| s.as_ref().to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Append a row of cells (anything `Display`; format numbers before passing them when the
    /// digits matter, e.g. `format!("{:.3e}", x)`).
    pub fn push<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: std::fmt::Display,
    {
        self.rows
            .push(cells.into_iter().map(|c| c.to_string()).collect());
    }

    fn check(&self) -> Result<(), ReportError> {
        for (i, r) in self.rows.iter().enumerate() {
            if r.len() != self.header.len() {
                return Err(ReportError::RowLength {
                    title: self.title.clone(),
                    row: i,
                    expected: self.header.len(),
                    got: r.len(),
                });
            }
        }
        Ok(())
    }

    /// GitHub-flavoured Markdown: `### title`, a blank line, then the pipe table. `|` inside
    /// cells is escaped.
    ///
    /// # Errors
    /// [`ReportError::RowLength`] if a row's length differs from the header's.
    pub fn to_markdown(&self) -> Result<String, ReportError> {
        self.check()?;
        let esc = |s: &str| s.replace('|', "\\|");
        let mut out = String::new();
        if !self.title.is_empty() {
            let _ = writeln!(out, "### {}\n", self.title);
        }
        let line = |cells: &[String]| {
            let v: Vec<String> = cells.iter().map(|c| esc(c)).collect();
            format!("| {} |\n", v.join(" | "))
        };
        out.push_str(&line(&self.header));
        out.push_str(&format!(
            "|{}\n",
            self.header.iter().map(|_| "---|").collect::<String>()
        ));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        Ok(out)
    }

    /// RFC 4180 CSV: header line then rows; cells containing `,`, `"` or a line break are
    /// quoted with `"` doubled.
    ///
    /// # Errors
    /// [`ReportError::RowLength`] if a row's length differs from the header's.
    pub fn to_csv(&self) -> Result<String, ReportError> {
        self.check()?;
        let q = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        for r in std::iter::once(&self.header).chain(self.rows.iter()) {
            let v: Vec<String> = r.iter().map(|c| q(c)).collect();
            out.push_str(&v.join(","));
            out.push('\n');
        }
        Ok(out)
    }

    /// Write `<dir>/<stem>.md` and `<dir>/<stem>.csv` atomically (the folder must exist; see
    /// [`create_dir`](super::create_dir)).
    ///
    /// # Errors
    /// [`ReportError::RowLength`] or [`ReportError::Io`] with the file's path.
    pub fn write(&self, dir: &Path, stem: &str) -> Result<(), ReportError> {
        write_atomic(
            &dir.join(format!("{stem}.md")),
            self.to_markdown()?.as_bytes(),
        )?;
        write_atomic(&dir.join(format!("{stem}.csv")), self.to_csv()?.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new("Results", &["method", "rmse"]);
        t.push(["rk4", "0.1"]);
        t.push(["a,b", "say \"x\""]);
        t
    }

    #[test]
    fn markdown_layout() {
        let md = sample().to_markdown().unwrap();
        assert_eq!(
            md,
            "### Results\n\n| method | rmse |\n|---|---|\n| rk4 | 0.1 |\n| a,b | say \"x\" |\n"
        );
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        let csv = sample().to_csv().unwrap();
        assert_eq!(csv, "method,rmse\nrk4,0.1\n\"a,b\",\"say \"\"x\"\"\"\n");
    }

    #[test]
    fn ragged_row_is_an_error_with_its_index() {
        let mut t = sample();
        t.push(["only one"]);
        let e = t.to_csv().unwrap_err();
        assert!(matches!(
            e,
            ReportError::RowLength {
                row: 2,
                expected: 2,
                got: 1,
                ..
            }
        ));
    }
}
