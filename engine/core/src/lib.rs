//! hirewire-core: loads `hirewire.yaml` and recipes, evaluates expressions and validates.
//!
//! - [`config`]: `hirewire.yaml` (connections checked against each connector's shape).
//! - [`recipe`]: the recipe model and its loader.
//! - [`expr`]: the MiniJinja expression engine the runner evaluates `with:`/`if:` with.
//! - [`validate`]: [`validate::validate_project`] and [`validate::load_project`] over a project directory.

pub mod config;
pub mod diagnostic;
pub mod env_expand;
pub mod expr;
pub mod fields;
pub mod recipe;
pub mod shape_check;
pub mod suggest;
pub mod validate;
pub mod yaml;

pub use diagnostic::{Diagnostic, Position, Report, Severity};
