//! The UCI handwritten-digits data (8×8 images, 10 classes) shipped as `data/digits.csv.gz`:
//! a loader with typed errors and the fixed train/test split of the classification experiment.

use crate::State;
use flate2::read::GzDecoder;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Pixels per image (8×8).
pub const PIXELS: usize = 64;
/// Number of classes (digits 0..9).
pub const CLASSES: usize = 10;
/// Largest pixel count (the images count set bits in 4×4 blocks: 0..16).
pub const MAX_PIXEL: u32 = 16;

/// Why the digits file could not be read.
#[derive(Debug, Error)]
pub enum DigitsError {
    /// The file could not be opened or decompressed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O or gzip error.
        source: std::io::Error,
    },
    /// A line does not have 64 pixels and a label, or holds a value out of range.
    #[error("line {line}: {reason}")]
    Line {
        /// 1-based line number in the decompressed file.
        line: usize,
        /// What is wrong, with the offending field.
        reason: String,
    },
    /// The file holds no image.
    #[error("no images in {0}")]
    Empty(PathBuf),
    /// A train/test split that leaves a part empty or has a fraction outside `(0, 1)`.
    #[error("cannot split {n} samples at train fraction {fraction}: both parts must be non-empty")]
    Split {
        /// Number of samples.
        n: usize,
        /// The requested training fraction.
        fraction: f64,
    },
}

/// Images scaled to `[0, 1]` (pixel count / 16) and their labels, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Digits {
    /// `z(0)` of each sample: the 64 pixel counts divided by 16.
    pub images: Vec<State<PIXELS>>,
    /// Class of each sample, `0..10`.
    pub labels: Vec<usize>,
}

impl Digits {
    /// The path of the copy shipped with the crate (`<crate>/data/digits.csv.gz`).
    pub fn shipped_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv.gz")
    }

    /// Load a gzip-compressed digits CSV (64 pixel counts 0..16, then the label 0..9, no
    /// header).
    ///
    /// # Errors
    /// [`DigitsError::Io`] (missing file, corrupt gzip), [`DigitsError::Line`] with the line
    /// number for a malformed line, [`DigitsError::Empty`].
    pub fn load(path: &Path) -> Result<Self, DigitsError> {
        let io = |source| DigitsError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let d = Self::parse(GzDecoder::new(file)).map_err(|e| match e {
            DigitsError::Io { source, .. } => io(source),
            other => other,
        })?;
        if d.images.is_empty() {
            return Err(DigitsError::Empty(path.to_path_buf()));
        }
        Ok(d)
    }

    /// Parse uncompressed CSV text from `reader` (the format of [`Digits::load`]); blank lines
    /// are skipped. An empty input gives an empty set.
    ///
    /// # Errors
    /// [`DigitsError::Line`] for a malformed line; [`DigitsError::Io`] (with an empty path)
    /// for a read error.
    pub fn parse<R: Read>(reader: R) -> Result<Self, DigitsError> {
        let mut images = Vec::new();
        let mut labels = Vec::new();
        for (i, line) in BufReader::new(reader).lines().enumerate() {
            let line = line.map_err(|source| DigitsError::Io {
                path: PathBuf::new(),
                source,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let (x, y) = parse_line(&line).map_err(|reason| DigitsError::Line {
                line: i + 1,
                reason,
            })?;
            images.push(x);
            labels.push(y);
        }
        Ok(Self { images, labels })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The experiment's fixed split: the first `round(train_fraction·n)` samples in file
    /// order for training, the rest for testing (the file cycles through the classes, so both
    /// parts are near-balanced: 1438 / 359 with 33–37 test images per class at 0.8).
    ///
    /// # Errors
    /// [`DigitsError::Split`] for a fraction outside `(0, 1)` or a part left empty.
    pub fn split(&self, train_fraction: f64) -> Result<(Digits, Digits), DigitsError> {
        let n = self.len();
        let k = (train_fraction * n as f64).round();
        if !(train_fraction > 0.0 && train_fraction < 1.0) || k < 1.0 || k >= n as f64 {
            return Err(DigitsError::Split {
                n,
                fraction: train_fraction,
            });
        }
        let k = k as usize;
        let part = |r: std::ops::Range<usize>| Digits {
            images: self.images[r.clone()].to_vec(),
            labels: self.labels[r].to_vec(),
        };
        Ok((part(0..k), part(k..n)))
    }
}

fn parse_line(line: &str) -> Result<(State<PIXELS>, usize), String> {
    let fields: Vec<&str> = line.trim().split(',').collect();
    if fields.len() != PIXELS + 1 {
        return Err(format!(
            "expected {} comma-separated fields (64 pixels and a label), found {}",
            PIXELS + 1,
            fields.len()
        ));
    }
    let mut x = State::<PIXELS>::zeros();
    for (j, s) in fields[..PIXELS].iter().enumerate() {
        let v: u32 = s
            .trim()
            .parse()
            .map_err(|_| format!("pixel {j} is `{s}`, not an integer"))?;
        if v > MAX_PIXEL {
            return Err(format!("pixel {j} is {v}, above the maximum {MAX_PIXEL}"));
        }
        x[j] = f64::from(v) / f64::from(MAX_PIXEL);
    }
    let s = fields[PIXELS].trim();
    let y: usize = s
        .parse()
        .map_err(|_| format!("label is `{s}`, not an integer"))?;
    if y >= CLASSES {
        return Err(format!("label {y} is not a digit 0..9"));
    }
    Ok((x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(px: u32, label: &str) -> String {
        let mut v: Vec<String> = (0..PIXELS).map(|_| px.to_string()).collect();
        v.push(label.to_string());
        v.join(",")
    }

    #[test]
    fn parses_and_scales() {
        let text = format!("{}\n\n{}\n", line(16, "3"), line(8, "9"));
        let d = Digits::parse(text.as_bytes()).unwrap();
        assert_eq!(d.labels, vec![3, 9]);
        assert_eq!(d.images[0][5], 1.0);
        assert_eq!(d.images[1][63], 0.5);
    }

    #[test]
    fn corrupt_lines_name_their_number() {
        for (bad, what) in [
            (line(17, "1"), "above the maximum"),
            (line(1, "10"), "not a digit"),
            (line(1, "x"), "not an integer"),
            ("1,2,3".to_string(), "found 3"),
        ] {
            let text = format!("{}\n{}\n", line(0, "0"), bad);
            match Digits::parse(text.as_bytes()) {
                Err(DigitsError::Line { line: 2, reason }) => {
                    assert!(reason.contains(what), "{reason}")
                }
                other => panic!("expected a line-2 error, got {other:?}"),
            }
        }
    }

    #[test]
    fn shipped_file_loads_and_splits() {
        let d = Digits::load(&Digits::shipped_path()).unwrap();
        assert_eq!(d.len(), 1797);
        let (tr, te) = d.split(0.8).unwrap();
        assert_eq!((tr.len(), te.len()), (1438, 359));
        for c in 0..CLASSES {
            let n = te.labels.iter().filter(|&&l| l == c).count();
            assert!((30..=40).contains(&n), "class {c}: {n} test images");
        }
        assert!(d.split(1.0).is_err() && d.split(0.0).is_err());
    }

    #[test]
    fn missing_or_non_gzip_file_is_io_error() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        assert!(matches!(Digits::load(&p), Err(DigitsError::Io { .. })));
        let p = Path::new("/nonexistent/digits.csv.gz");
        assert!(matches!(Digits::load(p), Err(DigitsError::Io { .. })));
    }
}
