//! Shared support for hirewire's end-to-end tests: paths, an in-memory test
//! connector and a daemon harness.

pub mod engine;
pub mod memory;
pub mod sandbox;
pub mod webdriver;

use std::path::PathBuf;

/// The workspace root.
#[must_use]
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Builds (if needed) and locates the debug `hirewire` binary (`target/debug/hirewire`).
///
/// # Panics
/// When `cargo build -p hirewire` fails.
#[must_use]
pub fn hirewire_binary() -> PathBuf {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .args(["build", "--quiet", "-p", "hirewire"])
        .current_dir(&root)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build -p hirewire failed");
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target.join("debug").join(format!("hirewire{}", std::env::consts::EXE_SUFFIX))
}
