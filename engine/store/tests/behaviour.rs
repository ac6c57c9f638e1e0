//! The store's behavioural suite (`tests/it/store.rs` of the workspace), also built here so that
//! `cargo test -p hirewire-store` runs it against both backends.

#[path = "../../../tests/it/"]
mod it {
    pub mod store;
}

use it::store;
