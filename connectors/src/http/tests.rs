//! HTTP connector tests against small local servers.
