//! Fault injection shared by every sandbox fake: the rules injected through
//! `/<connector>/_control/faults` and the middleware that applies them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};

/// One injected fault.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Only requests whose path (below the mount point) starts with this; empty means all.
    #[serde(default)]
    pub path_prefix: String,
    /// Answer with this status instead of serving the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` seconds to send with the status.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Delay the answer by this many milliseconds.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Close the connection without answering.
    #[serde(default)]
    pub drop: bool,
    /// How many requests it applies to (`None`: until cleared or until `for_ms` has passed).
    #[serde(default)]
    pub count: Option<u64>,
    /// How long it applies, in milliseconds from when it is added (`None`: until cleared or counted down).
    /// With `count` too, the rule ends with whichever comes first.
    #[serde(default)]
    pub for_ms: Option<u64>,
}

/// A rule as injected: the rule and, for a timed one, when it ends.
#[derive(Debug, Clone)]
struct ActiveFault {
    rule: FaultRule,
    until: Option<Instant>,
}

/// The faults currently injected into one fake.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<ActiveFault>>>,
}

impl Faults {
    /// Adds a rule; a timed rule (`for_ms`) starts now.
    pub fn add(&self, rule: FaultRule) {
        let until = rule.for_ms.map(|ms| Instant::now() + Duration::from_millis(ms));
        self.rules.lock().expect("fault lock").push(ActiveFault { rule, until });
    }
    /// Removes every rule.
    pub fn clear(&self) {
        self.rules.lock().expect("fault lock").clear();
    }
    /// Takes the rule that applies to `path`, counting it down; timed rules that are over are dropped.
    fn take(&self, path: &str) -> Option<FaultRule> {
        if path.contains("/_control/") {
            return None;
        }
        let now = Instant::now();
        let mut rules = self.rules.lock().expect("fault lock");
        rules.retain(|active| active.until.is_none_or(|until| now < until));
        let index = rules.iter().position(|active| path.starts_with(&active.rule.path_prefix))?;
        let rule = rules[index].rule.clone();
        if let Some(count) = rules[index].rule.count.as_mut() {
            *count = count.saturating_sub(1);
            if *count == 0 {
                rules.remove(index);
            }
        }
        Some(rule)
    }
}

/// Wraps a fake's router with the shared fault injection and its control routes.
pub fn with_faults(router: Router, faults: Faults) -> Router {
    let control =
        Router::new().route("/_control/faults", post(add_fault).delete(clear_faults)).with_state(faults.clone());
    router.merge(control).layer(axum::middleware::from_fn_with_state(faults, inject_fault))
}

async fn add_fault(State(faults): State<Faults>, Json(rule): Json<FaultRule>) -> impl IntoResponse {
    faults.add(rule);
    axum::http::StatusCode::NO_CONTENT
}

async fn clear_faults(State(faults): State<Faults>) -> impl IntoResponse {
    faults.clear();
    axum::http::StatusCode::NO_CONTENT
}

async fn inject_fault(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let Some(rule) = faults.take(request.uri().path()) else {
        return next.run(request).await;
    };
    if let Some(ms) = rule.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if rule.drop {
        // Never answer: the client times out, as with a dropped connection.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    match rule.status {
        Some(status) => {
            let code =
                axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (code, format!("injected fault {status}")).into_response();
            if let Some(secs) = rule.retry_after
                && let Ok(v) = secs.to_string().parse()
            {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            response
        }
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path_prefix: &str, count: Option<u64>, for_ms: Option<u64>) -> FaultRule {
        FaultRule { path_prefix: path_prefix.into(), status: Some(500), count, for_ms, ..FaultRule::default() }
    }

    #[test]
    fn a_counted_rule_applies_to_the_next_requests_under_its_prefix_only() {
        let faults = Faults::default();
        faults.add(rule("/api", Some(2), None));
        assert_eq!(faults.take("/oauth/token"), None);
        assert_eq!(faults.take("/api/_control/faults"), None, "control routes are never faulted");
        assert_eq!(faults.take("/api/v1/employees").and_then(|r| r.status), Some(500));
        assert_eq!(faults.take("/api/v1/employees").and_then(|r| r.status), Some(500));
        assert_eq!(faults.take("/api/v1/employees"), None);
    }

    #[test]
    fn a_timed_rule_applies_to_every_request_until_its_time_is_over() {
        let faults = Faults::default();
        faults.add(rule("/api", None, Some(60_000)));
        for _ in 0..50 {
            assert_eq!(faults.take("/api/v1/employees/directory").and_then(|r| r.status), Some(500));
        }
        faults.clear();
        faults.add(rule("/api", None, Some(20)));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(faults.take("/api/v1/employees/directory"), None, "over after for_ms");
        assert!(faults.rules.lock().unwrap().is_empty(), "an expired rule is dropped");
    }

    #[test]
    fn a_timed_and_counted_rule_ends_with_whichever_comes_first() {
        let faults = Faults::default();
        faults.add(rule("", Some(1), Some(60_000)));
        assert!(faults.take("/api").is_some());
        assert_eq!(faults.take("/api"), None, "counted down before its time was over");
        faults.add(rule("", Some(100), Some(0)));
        assert_eq!(faults.take("/api"), None, "time over before it was counted down");
    }

    #[test]
    fn the_control_api_takes_for_ms() {
        let rule: FaultRule =
            serde_json::from_value(serde_json::json!({"path_prefix": "/api", "status": 500, "for_ms": 60_000}))
                .unwrap();
        assert_eq!(rule.for_ms, Some(60_000));
        assert_eq!(rule.count, None);
    }
}
