//! Shared support for hirewire's end-to-end tests: paths, an in-memory test
//! connector and a daemon harness.

pub mod engine;
pub mod memory;
pub mod webdriver;

use std::path::PathBuf;

/// The workspace root.
#[must_use]
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The shared reference folder (`../shared/reference`) beside the checkout, when present.
#[must_use]
pub fn reference_dir() -> PathBuf {
    workspace_root().join("..").join("shared").join("reference")
}
