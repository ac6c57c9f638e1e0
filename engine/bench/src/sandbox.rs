//! The in-process sandbox a benchmark drives: every connector's fake on one loopback port,
//! its control API (settings, bulk data, request counters), and the Greenhouse hires read
//! back through the fake's v3 API to build signed `hire_candidate` webhook bodies.

use std::sync::Arc;

use hirewire_sdk::ConnectorDescriptor;
use hirewire_sdk::reexports::reqwest;
use serde_json::{Value, json};

use super::BenchError;
use hirewire_runtime::sandbox::sandbox_app;

/// The sandbox's Greenhouse OAuth client (its defaults).
const SANDBOX_CLIENT: (&str, &str) = ("sandbox-client", "sandbox-secret");

/// A sandbox served on a loopback port until dropped.
pub struct BenchSandbox {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// A client for the control API and the load generator.
    pub http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for BenchSandbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Greenhouse's counters of what it answered.
#[derive(Debug, Clone, Copy, Default)]
pub struct GreenhouseCounters {
    /// API requests (token requests excluded).
    pub requests: u64,
    /// Token requests.
    pub token_requests: u64,
    /// 429 answers.
    pub throttled: u64,
}

impl BenchSandbox {
    /// Serves every fake of `registry` on a fresh loopback port.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start(registry: &Arc<Vec<ConnectorDescriptor>>, seed: u64) -> Result<Self, BenchError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| BenchError::setup("binding the sandbox", e))?;
        let addr = listener.local_addr().map_err(|e| BenchError::setup("binding the sandbox", e))?;
        let url = format!("http://{addr}");
        let app = sandbox_app(registry, &url, seed);
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "bench sandbox stopped");
            }
        });
        hirewire_sdk::http_client::install_crypto_provider();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| BenchError::setup("building the load generator's client", e))?;
        Ok(Self { url, http, server })
    }

    /// POSTs `body` to the sandbox path `path` and returns the JSON answer.
    ///
    /// # Errors
    /// A transport error or a non-2xx answer.
    pub async fn control(&self, path: &str, body: &Value) -> Result<Value, BenchError> {
        let url = format!("{}{path}", self.url);
        let response = self.http.post(&url).json(body).send().await.map_err(|e| BenchError::setup(&url, e))?;
        read_json(&url, response).await
    }

    /// Sets the Greenhouse fake's rate window.
    ///
    /// # Errors
    /// As `control`.
    pub async fn greenhouse_rate_limit(&self, limit: u64, window_secs: u64) -> Result<(), BenchError> {
        self.control("/greenhouse/_control/settings", &json!({"rate_limit": limit, "window_secs": window_secs}))
            .await
            .map(drop)
    }

    /// Lifts the Slack fake's per-channel message limit (real Slack allows about one message per second
    /// per channel, which would make the bench measure Slack rather than hirewire).
    ///
    /// # Errors
    /// A transport error or a non-2xx answer.
    pub async fn lift_slack_rate_limit(&self) -> Result<(), BenchError> {
        let url = format!("{}/slack/_control/settings", self.url);
        let response = self.http.get(&url).send().await.map_err(|e| BenchError::setup(&url, e))?;
        let mut settings = read_json(&url, response).await?;
        if let Some(object) = settings.as_object_mut() {
            object.insert("per_channel_per_second".to_owned(), json!(1_000_000));
            object.insert("burst".to_owned(), json!(1_000_000));
        }
        let response = self.http.put(&url).json(&settings).send().await.map_err(|e| BenchError::setup(&url, e))?;
        read_json(&url, response).await.map(drop)
    }

    /// Creates `count` hired applications in the Greenhouse fake.
    ///
    /// # Errors
    /// As `control`.
    pub async fn bulk_hires(&self, count: usize) -> Result<(), BenchError> {
        self.control("/greenhouse/_control/bulk", &json!({"kind": "hires", "count": count})).await.map(drop)
    }

    /// Greenhouse's request counters.
    ///
    /// # Errors
    /// A transport error or a non-2xx answer.
    pub async fn greenhouse_counters(&self) -> Result<GreenhouseCounters, BenchError> {
        let url = format!("{}/greenhouse/_control/requests", self.url);
        let response = self.http.get(&url).send().await.map_err(|e| BenchError::setup(&url, e))?;
        let body = read_json(&url, response).await?;
        let counter = |name: &str| body.pointer(&format!("/counters/{name}")).and_then(Value::as_u64).unwrap_or(0);
        Ok(GreenhouseCounters {
            requests: counter("requests"),
            token_requests: counter("token_requests"),
            throttled: counter("throttled"),
        })
    }

    /// Clears Greenhouse's request log and counters.
    ///
    /// # Errors
    /// A transport error.
    pub async fn clear_greenhouse_counters(&self) -> Result<(), BenchError> {
        let url = format!("{}/greenhouse/_control/requests", self.url);
        self.http.delete(&url).send().await.map_err(|e| BenchError::setup(&url, e))?;
        Ok(())
    }

    /// Every hired application with its candidate and job, as `hire_candidate` webhook bodies in
    /// Greenhouse's legacy nested shape (as the fake's own webhook sender builds them), oldest first.
    ///
    /// # Errors
    /// A transport error or an unexpected answer.
    pub async fn hire_webhook_bodies(&self) -> Result<Vec<(i64, String)>, BenchError> {
        let token = self.greenhouse_token().await?;
        let applications = self.list_all(&token, "/v3/applications?status=hired&per_page=500").await?;
        let candidates = self.list_all(&token, "/v3/candidates?per_page=500").await?;
        let jobs = self.list_all(&token, "/v3/jobs?per_page=500").await?;
        let by_id = |records: &[Value]| -> std::collections::HashMap<i64, Value> {
            records.iter().filter_map(|r| Some((r.get("id")?.as_i64()?, r.clone()))).collect()
        };
        let (candidates, jobs) = (by_id(&candidates), by_id(&jobs));
        let mut bodies: Vec<(i64, String)> = applications
            .iter()
            .filter_map(|app| {
                let id = app.get("id")?.as_i64()?;
                let candidate = candidates.get(&app.get("candidate_id")?.as_i64()?)?;
                let job = app.get("job_id").and_then(Value::as_i64).and_then(|j| jobs.get(&j));
                Some((id, legacy_hire_body(app, candidate, job).to_string()))
            })
            .collect();
        bodies.sort_by_key(|(id, _)| *id);
        Ok(bodies)
    }

    async fn greenhouse_token(&self) -> Result<String, BenchError> {
        let url = format!("{}/greenhouse/token", self.url);
        let response = self
            .http
            .post(&url)
            .basic_auth(SANDBOX_CLIENT.0, Some(SANDBOX_CLIENT.1))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| BenchError::setup(&url, e))?;
        let body = read_json(&url, response).await?;
        body.get("access_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| BenchError::setup(&url, "no access_token in the answer"))
    }

    /// Follows `Link: <...>; rel="next"` from `first` and collects every record.
    async fn list_all(&self, token: &str, first: &str) -> Result<Vec<Value>, BenchError> {
        let mut next = Some(format!("{}/greenhouse{first}", self.url));
        let mut all = Vec::new();
        while let Some(url) = next.take() {
            let response =
                self.http.get(&url).bearer_auth(token).send().await.map_err(|e| BenchError::setup(&url, e))?;
            next = response.headers().get("link").and_then(|v| v.to_str().ok()).and_then(next_link);
            match read_json(&url, response).await? {
                Value::Array(records) => all.extend(records),
                other => return Err(BenchError::setup(&url, format!("expected a list, got {other}"))),
            }
        }
        Ok(all)
    }
}

/// The `rel="next"` target of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| target.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
    })
}

async fn read_json(url: &str, response: reqwest::Response) -> Result<Value, BenchError> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() { Ok(body) } else { Err(BenchError::setup(url, format!("answered {status}: {body}"))) }
}

/// A `hire_candidate` body in Greenhouse's legacy nested shape.
fn legacy_hire_body(app: &Value, candidate: &Value, job: Option<&Value>) -> Value {
    let jobs: Vec<Value> = job
        .map(|j| {
            json!({"id": j["id"], "name": j["name"], "requisition_id": j["requisition_id"], "status": j["status"],
                         "departments": [], "offices": [], "custom_fields": {}})
        })
        .into_iter()
        .collect();
    json!({"action": "hire_candidate", "payload": {"application": {
        "id": app["id"],
        "status": "hired",
        "prospect": app["prospect"],
        "applied_at": app["created_at"],
        "rejected_at": null,
        "last_activity_at": app["last_activity_at"],
        "current_stage": {"id": app["stage_id"], "name": app["stage_name"], "interviews": []},
        "custom_fields": {},
        "candidate": {
            "id": candidate["id"],
            "first_name": candidate["first_name"],
            "last_name": candidate["last_name"],
            "title": candidate["title"],
            "company": candidate["company"],
            "created_at": candidate["created_at"],
            "phone_numbers": candidate["phone_numbers"],
            "email_addresses": candidate["email_addresses"],
            "tags": candidate["tags"],
            "educations": [],
            "custom_fields": candidate["custom_fields"]
        },
        "jobs": jobs
    }}})
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn next_link_finds_the_next_target() {
        let header = r#"<http://h/v3/a?cursor=abc>; rel="next", <http://h/v3/a>; rel="first""#;
        assert_eq!(next_link(header).as_deref(), Some("http://h/v3/a?cursor=abc"));
        assert_eq!(next_link(r#"<http://h/v3/a>; rel="first""#), None);
    }
}
