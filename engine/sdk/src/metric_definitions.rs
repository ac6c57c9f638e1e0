//! Metric names recorded by the SDK on behalf of every connector.

/// Outbound API calls, labelled `connection` and `status`.
pub const API_CALLS_TOTAL: &str = "hirewire_api_calls_total";
/// 429 answers received, labelled `connection`.
pub const API_RATE_LIMITED_TOTAL: &str = "hirewire_api_rate_limited_total";

/// Registers descriptions of the metrics above.
pub fn describe_metrics() {
    metrics::describe_counter!(API_CALLS_TOTAL, "Outbound API calls by connection and HTTP status");
    metrics::describe_counter!(API_RATE_LIMITED_TOTAL, "429 Too Many Requests answers by connection");
}
