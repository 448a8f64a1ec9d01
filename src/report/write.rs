//! Atomic writes and output folders.

use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why an output could not be written.
#[derive(Debug, Error)]
pub enum ReportError {
    /// A file or folder operation failed; `path` is the file or folder concerned.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A table row has a different number of cells than the header.
    #[error("table `{title}`: row {row} has {got} cells but the header has {expected}")]
    RowLength {
        /// Table title.
        title: String,
        /// 0-based row index.
        row: usize,
        /// Number of header cells.
        expected: usize,
        /// Number of cells in the row.
        got: usize,
    },
    /// The plotting backend failed.
    #[error("plot `{path}` failed: {message}")]
    Plot {
        /// The SVG file.
        path: PathBuf,
        /// Backend message.
        message: String,
    },
    /// A chart has no data to draw (no series, or no finite point).
    #[error("chart `{title}` has no finite points to draw")]
    EmptyChart {
        /// Chart title.
        title: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Create `dir` and its parents if missing.
///
/// # Errors
/// [`ReportError::Io`] with the folder's path.
pub fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(io(dir))
}

/// Write `bytes` to `path` atomically: the data goes to a temporary file in the same folder
/// (`.<name>.tmp-<pid>`), is flushed to disk (`fsync`), then renamed over `path`. A reader
/// sees either the old file or the complete new one, never a partial write.
///
/// # Errors
/// [`ReportError::Io`] naming the file that failed; the temporary file is removed on error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io(path))
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("nodal-atomic-{}", std::process::id()));
        create_dir(&dir).unwrap();
        let p = dir.join("a.txt");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "temporary file left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn write_into_missing_folder_names_the_path() {
        let p = Path::new("/nonexistent-nodal-dir/x/y.csv");
        let e = write_atomic(p, b"x").unwrap_err();
        assert!(e.to_string().contains("nonexistent-nodal-dir"), "{e}");
    }
}
