//! hirewire-core: loads `hirewire.yaml` and recipes, evaluates expressions and validates.

pub mod diagnostic;
pub mod yaml;

pub use diagnostic::{Diagnostic, Position, Report, Severity};
