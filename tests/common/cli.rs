//! Helpers shared by the tests that drive the `nodal` binary (`#[path]`-included, like
//! `counting_alloc.rs`): run it, make a fresh temporary folder, paths as `&str`.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;

/// Run `nodal args…`; exit code (−1 if killed by a signal), stdout and stderr.
pub fn nodal(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nodal"))
        .args(args)
        .output()
        .expect("run nodal");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh, empty temporary folder `nodal-<group>-<name>-<pid>` for one test.
pub fn tmp_dir(group: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nodal-{group}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A path as `&str` (the tests' paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
