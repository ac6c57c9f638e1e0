//! Connector conformance: every registered connector documents itself fully.
