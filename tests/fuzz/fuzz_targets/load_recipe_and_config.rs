//! Fuzz target: `hirewire.yaml` and recipe files through the real loaders (any text must give a result or
//! diagnostics, never a panic, and every diagnostic has a position and a message).
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use hirewire_core::config::{ProjectConfig, parse_config};
use hirewire_core::expr::ExprEngine;
use hirewire_core::recipe::{LoadContext, load_recipe};
use hirewire_sdk::ConnectorDescriptor;
use libfuzzer_sys::fuzz_target;

/// The example project's configuration (every connection of the registry).
const CONFIG: &str = include_str!("../../../hirewire.yaml");

fn no_env(_: &str) -> Option<String> {
    None
}

fn project() -> &'static (Vec<ConnectorDescriptor>, ProjectConfig, ExprEngine) {
    static PROJECT: OnceLock<(Vec<ConnectorDescriptor>, ProjectConfig, ExprEngine)> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let registry = hirewire_connectors::all();
        let (config, _) = parse_config(Path::new("hirewire.yaml"), CONFIG, &registry, &no_env);
        (registry, config, ExprEngine::new())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (registry, config, engine) = project();
    let (_, diagnostics) = parse_config(Path::new("hirewire.yaml"), text, registry, &no_env);
    for d in &diagnostics {
        assert!(d.line >= 1 && d.column >= 1 && !d.message.is_empty(), "{d}");
    }
    let cx = LoadContext { registry, connections: &config.connections, timezone: config.timezone, engine };
    let (recipe, diagnostics) = load_recipe(Path::new("recipe.yaml"), text, &cx);
    let has_errors = diagnostics.iter().any(|d| d.severity == hirewire_core::Severity::Error);
    assert_eq!(recipe.is_some(), !has_errors);
    for d in &diagnostics {
        assert!(d.line >= 1 && d.column >= 1 && !d.message.is_empty(), "{d}");
    }
});
