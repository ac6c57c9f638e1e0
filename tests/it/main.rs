//! hirewire's end-to-end tests, one binary: one module per area.

mod bench;
mod cluster;
mod e2e;
mod engine;
mod store;
mod validate;
mod web;
