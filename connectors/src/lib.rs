//! hirewire's connectors. Each lives in its own folder `src/<name>/` (config,
//! client, triggers, actions, sandbox fake and tests) and exposes
//! `pub fn descriptor() -> hirewire_sdk::ConnectorDescriptor`; `build.rs`
//! finds the folders and generates [`all`].

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod test_support;

/// The descriptor of the connector called `name`.
#[must_use]
pub fn find(name: &str) -> Option<hirewire_sdk::ConnectorDescriptor> {
    all().into_iter().find(|c| c.name == name)
}
