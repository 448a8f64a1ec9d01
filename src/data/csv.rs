//! Reading a [`Dataset`] from CSV: a header row, a time column, one column per state, and
//! optionally a trajectory-id column.

use super::{DataError, Dataset, Trajectory};
use std::path::Path;

/// How to read a CSV file. `CsvOptions::default()`: time column `t`, every other column a
/// state, no trajectory column, at least 2 rows per trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvOptions {
    /// Name of the time column (default `"t"`).
    pub time_column: String,
    /// State columns in the order the model sees them; `None` (default) takes every column
    /// except the time and trajectory columns, in file order.
    pub state_columns: Option<Vec<String>>,
    /// Column holding a trajectory id; rows with the same id form one trajectory (in any
    /// order between trajectories, time-sorted within one). `None` (default): one trajectory.
    pub trajectory_column: Option<String>,
    /// Fewest rows a trajectory may have (default 2: an initial state and one observation).
    pub min_rows: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            time_column: "t".into(),
            state_columns: None,
            trajectory_column: None,
            min_rows: 2,
        }
    }
}

impl Dataset {
    /// Read `path` (see [`Dataset::from_csv_str`]).
    ///
    /// # Errors
    /// [`DataError::Io`] with the path, and everything [`Dataset::from_csv_str`] reports.
    pub fn from_csv_path(path: &Path, opts: &CsvOptions) -> Result<Self, DataError> {
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_csv_str(&text, &path.display().to_string(), opts)
    }

    /// Parse CSV `text`; `file` names it in errors. Cells are trimmed; lines starting with
    /// `#` are comments.
    ///
    /// # Errors
    /// [`DataError::Empty`], [`DataError::Csv`], [`DataError::MissingColumn`],
    /// [`DataError::NoStateColumns`], [`DataError::NotNumeric`], [`DataError::NonFinite`],
    /// [`DataError::MissingValue`] (empty time, or empty state in a trajectory's first row),
    /// [`DataError::UnsortedTimes`] (also for duplicate times), [`DataError::TooFewRows`];
    /// each with file, line and column.
    pub fn from_csv_str(text: &str, file: &str, opts: &CsvOptions) -> Result<Self, DataError> {
        let mut rdr = ::csv::ReaderBuilder::new()
            .trim(::csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let csv_err = |e: ::csv::Error| DataError::Csv {
            file: file.to_string(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        };
        let header: Vec<String> = rdr
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(DataError::Empty {
                file: file.to_string(),
            });
        }
        let find = |name: &str, role| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| DataError::MissingColumn {
                    file: file.to_string(),
                    column: name.to_string(),
                    role,
                    available: header.join(", "),
                })
        };
        let t_col = find(&opts.time_column, "time")?;
        let id_col = match &opts.trajectory_column {
            Some(c) => Some(find(c, "trajectory id")?),
            None => None,
        };
        let state_cols: Vec<usize> = match &opts.state_columns {
            Some(names) => names
                .iter()
                .map(|n| find(n, "state"))
                .collect::<Result<_, _>>()?,
            None => (0..header.len())
                .filter(|&i| i != t_col && Some(i) != id_col)
                .collect(),
        };
        if state_cols.is_empty() {
            return Err(DataError::NoStateColumns {
                file: file.to_string(),
            });
        }
        let mut trajs: Vec<Trajectory> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(csv_err)?;
            let line = rec.position().map_or(0, |p| p.line());
            let cell = |col: usize| -> Result<Option<f64>, DataError> {
                parse_cell(rec.get(col).unwrap_or(""), file, line, col, &header[col])
            };
            let t = cell(t_col)?.ok_or_else(|| DataError::MissingValue {
                file: file.to_string(),
                line,
                column: t_col + 1,
                name: header[t_col].clone(),
                why: "every row needs a time",
            })?;
            let id = id_col.map_or("", |c| rec.get(c).unwrap_or("")).to_string();
            let k = match trajs.iter().position(|tr| tr.id == id) {
                Some(k) => k,
                None => {
                    trajs.push(Trajectory {
                        id: id.clone(),
                        times: Vec::new(),
                        values: Vec::new(),
                        lines: Vec::new(),
                    });
                    trajs.len() - 1
                }
            };
            let tr = &mut trajs[k];
            let row: Vec<Option<f64>> = state_cols
                .iter()
                .map(|&c| cell(c))
                .collect::<Result<_, _>>()?;
            if tr.times.is_empty() {
                if let Some(i) = row.iter().position(Option::is_none) {
                    return Err(DataError::MissingValue {
                        file: file.to_string(),
                        line,
                        column: state_cols[i] + 1,
                        name: header[state_cols[i]].clone(),
                        why: "the first row of a trajectory is its initial state and must be complete",
                    });
                }
            }
            if let (Some(&prev), Some(&prev_line)) = (tr.times.last(), tr.lines.last()) {
                if t <= prev {
                    return Err(DataError::UnsortedTimes {
                        file: file.to_string(),
                        line,
                        column: t_col + 1,
                        t,
                        prev,
                        prev_line,
                        what: if t == prev {
                            "duplicates"
                        } else {
                            "comes after"
                        },
                        traj: id_col.map_or(String::new(), |_| format!(" (trajectory `{id}`)")),
                    });
                }
            }
            tr.times.push(t);
            tr.values.push(row);
            tr.lines.push(line);
        }
        if trajs.is_empty() {
            return Err(DataError::TooFewRows {
                file: file.to_string(),
                id: String::new(),
                rows: 0,
                min: opts.min_rows.max(1),
                first_line: 0,
            });
        }
        if let Some(tr) = trajs.iter().find(|tr| tr.times.len() < opts.min_rows) {
            return Err(DataError::TooFewRows {
                file: file.to_string(),
                id: tr.id.clone(),
                rows: tr.times.len(),
                min: opts.min_rows,
                first_line: tr.lines.first().copied().unwrap_or(0),
            });
        }
        Ok(Dataset {
            source: file.to_string(),
            time_name: header[t_col].clone(),
            state_names: state_cols.iter().map(|&c| header[c].clone()).collect(),
            trajectories: trajs,
        })
    }
}

/// Parse one cell: empty → `None`, otherwise a finite `f64`.
fn parse_cell(
    s: &str,
    file: &str,
    line: u64,
    col: usize,
    name: &str,
) -> Result<Option<f64>, DataError> {
    if s.is_empty() {
        return Ok(None);
    }
    let v: f64 = s.parse().map_err(|_| DataError::NotNumeric {
        file: file.to_string(),
        line,
        column: col + 1,
        name: name.to_string(),
        value: s.to_string(),
    })?;
    if !v.is_finite() {
        return Err(DataError::NonFinite {
            file: file.to_string(),
            line,
            column: col + 1,
            name: name.to_string(),
            value: v,
        });
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Dataset, DataError> {
        Dataset::from_csv_str(text, "d.csv", &CsvOptions::default())
    }

    #[test]
    fn trajectories_group_by_id_in_first_appearance_order() {
        let opts = CsvOptions {
            trajectory_column: Some("run".into()),
            ..CsvOptions::default()
        };
        let text = "run,t,x\nb,0,1\na,0,5\nb,1,2\na,2,6\n";
        let ds = Dataset::from_csv_str(text, "d.csv", &opts).unwrap();
        assert_eq!(ds.trajectories.len(), 2);
        assert_eq!(ds.trajectories[0].id, "b");
        assert_eq!(ds.trajectories[1].times, [0.0, 2.0]);
        assert_eq!(ds.trajectories[1].lines, [3, 5]);
    }

    #[test]
    fn errors_carry_file_line_and_column() {
        let e = read("t,x\n0,1\n1,abc\n").unwrap_err().to_string();
        assert!(e.starts_with("d.csv:3:2:"), "{e}");
        let e = read("t,x\n0,1\n1,inf\n").unwrap_err().to_string();
        assert!(
            e.starts_with("d.csv:3:2:") && e.contains("not finite"),
            "{e}"
        );
        let e = read("t,x\n0,1\n0,2\n").unwrap_err().to_string();
        assert!(
            e.starts_with("d.csv:3:1:") && e.contains("duplicates"),
            "{e}"
        );
        let e = read("t,x\n1,1\n0,2\n").unwrap_err().to_string();
        assert!(e.contains("comes after time 1 on line 2"), "{e}");
        let e = read("time,x\n0,1\n").unwrap_err().to_string();
        assert!(
            e.contains("missing column `t`") && e.contains("time, x"),
            "{e}"
        );
        let e = read("t,x\n0,1\n").unwrap_err().to_string();
        assert!(e.contains("1 row(s)") && e.contains("at least 2"), "{e}");
        let e = read("t,x\n0,\n1,2\n").unwrap_err().to_string();
        assert!(
            e.starts_with("d.csv:2:2:") && e.contains("initial state"),
            "{e}"
        );
    }
}
