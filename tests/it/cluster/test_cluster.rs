//! The cluster the failure test drives: a sandbox process, `hirewire run` nodes and a private
//! Postgres; hires made in the Greenhouse fake (with or without a webhook), webhooks delivered
//! later for hires made while no node listened, and reads of the fakes' own records.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use super::private_postgres::PrivatePostgres;
use super::processes::{Process, free_port};
use super::project::{EMAIL_DOMAIN, WEBHOOK_SECRET, daemon_env};

/// Seconds a run stays leased without a heartbeat (short, so that recovery is quick).
pub const LEASE_SECS: &str = "3";

/// Hires made at once (each is four control requests and maybe a webhook).
const HIRES_IN_FLIGHT: usize = 8;

/// The cluster under test: its processes and the hires made so far.
pub struct TestCluster {
    pub binary: PathBuf,
    pub project: tempfile::TempDir,
    pub postgres: PrivatePostgres,
    pub sandbox: Process,
    pub nodes: BTreeMap<String, Process>,
    pub http: reqwest::Client,
    pub job_id: i64,
    /// Work email of each hire, by application id.
    pub hires: BTreeMap<i64, String>,
}

impl TestCluster {
    fn logs(&self) -> PathBuf {
        self.project.path().join("logs")
    }

    /// Starts `names` at the same time and waits until each answers `/readyz`.
    pub async fn start_nodes(&mut self, names: &[&str]) {
        let mut starting = tokio::task::JoinSet::new();
        for name in names {
            let port = free_port();
            let args: Vec<String> = [
                "--dir",
                path_str(self.project.path()),
                "run",
                "--node-id",
                name,
                "--lease-secs",
                LEASE_SECS,
                "--workers",
                "16",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
            let env = daemon_env(&self.postgres.url(), &self.sandbox.url, port);
            let (binary, logs, name) = (self.binary.clone(), self.logs(), (*name).to_owned());
            starting.spawn(async move { Process::start(&binary, &name, &args, &env, port, "/readyz", &logs).await });
        }
        while let Some(started) = starting.join_next().await {
            let process = started.expect("node start task");
            self.nodes.insert(process.name.clone(), process);
        }
    }

    /// Stops `name` gracefully (SIGTERM): it finishes or gives back what it holds.
    pub async fn stop_node(&mut self, name: &str) {
        let node = self.nodes.remove(name).unwrap_or_else(|| panic!("{name} is not running"));
        node.terminate(Duration::from_secs(60)).await;
    }

    /// `/webhooks/greenhouse` of every live node.
    pub fn webhook_targets(&self) -> Vec<String> {
        self.nodes.values().map(|n| format!("{}/webhooks/greenhouse", n.url)).collect()
    }

    /// POSTs `body` to the sandbox's `path`, asserting success.
    pub async fn control(&self, path: &str, body: Value) -> Value {
        post_json(&self.http, &format!("{}{path}", self.sandbox.url), &body).await
    }

    /// GETs `url` as JSON.
    pub async fn read(&self, url: &str) -> Value {
        let response = self.http.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        response.json().await.unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
    }

    /// Hires `count` new candidates in Greenhouse. Every other hire's webhook goes to one of
    /// `targets` right after the hire (none when `targets` is empty); every hire is also found by
    /// the poll. Returns the new application ids.
    pub async fn hire(&mut self, count: usize, targets: &[String]) -> Vec<i64> {
        let hires = self.make_hires(count, targets).await;
        let apps = hires.iter().map(|(app, _)| *app).collect();
        self.hires.extend(hires);
        apps
    }

    /// As [`Self::hire`], without recording the hires: for hires made while `self` is borrowed
    /// elsewhere; pass the result to [`Self::record_hires`].
    pub fn make_hires(&self, count: usize, targets: &[String]) -> impl Future<Output = Vec<(i64, String)>> + use<> {
        let (http, sandbox, job, first) = (self.http.clone(), self.sandbox.url.clone(), self.job_id, self.hires.len());
        let targets = targets.to_vec();
        async move {
            let mut tasks = tokio::task::JoinSet::new();
            let mut made = Vec::with_capacity(count);
            for n in first..first + count {
                let webhook = (n % 2 == 0 && !targets.is_empty()).then(|| targets[n % targets.len()].clone());
                let (http, sandbox) = (http.clone(), sandbox.clone());
                tasks.spawn(async move { hire_one(&http, &sandbox, job, n, webhook).await });
                if tasks.len() >= HIRES_IN_FLIGHT {
                    made.push(tasks.join_next().await.expect("a task").expect("hire task"));
                }
            }
            while let Some(done) = tasks.join_next().await {
                made.push(done.expect("hire task"));
            }
            made.sort_unstable();
            made
        }
    }

    /// Records hires made by [`Self::make_hires`]; returns their application ids.
    pub fn record_hires(&mut self, hires: Vec<(i64, String)>) -> Vec<i64> {
        let apps = hires.iter().map(|(app, _)| *app).collect();
        self.hires.extend(hires);
        apps
    }

    /// Sends the `hire_candidate` webhook of every other application in `apps` to the live nodes
    /// in turn (for hires made while no node listened; the poll finds all of them too).
    pub async fn deliver_webhooks(&self, apps: &[i64]) {
        let targets = self.webhook_targets();
        let mut tasks = tokio::task::JoinSet::new();
        for (n, app) in apps.iter().enumerate().filter(|(n, _)| n % 2 == 0) {
            let (http, sandbox, url) =
                (self.http.clone(), self.sandbox.url.clone(), targets[n % targets.len()].clone());
            let app = *app;
            tasks.spawn(async move { send_webhook(&http, &sandbox, &url, app).await });
            if tasks.len() >= HIRES_IN_FLIGHT {
                tasks.join_next().await.expect("a task").expect("webhook task");
            }
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("webhook task");
        }
    }

    /// `(id, updated_at)` of the hired application updated last, as the Greenhouse fake lists it
    /// to any API client (token, then `GET /v3/applications?status=hired`, every page).
    pub async fn newest_hired_application(&self) -> (i64, String) {
        let base = format!("{}/greenhouse", self.sandbox.url);
        let token: Value = self
            .http
            .post(format!("{base}/token"))
            .basic_auth("sandbox-client", Some("sandbox-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("a Greenhouse token")
            .json()
            .await
            .expect("token JSON");
        let bearer = token.get("access_token").and_then(Value::as_str).expect("access_token").to_owned();
        let mut next = Some(format!("{base}/v3/applications?status=hired&per_page=500"));
        let mut newest: Option<(String, i64)> = None;
        while let Some(url) = next.take() {
            let response = self
                .http
                .get(&url)
                .bearer_auth(&bearer)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            next = response.headers().get("link").and_then(|v| v.to_str().ok()).and_then(next_link);
            let page: Vec<Value> = response.json().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
            for application in page {
                let id = application.get("id").and_then(Value::as_i64).expect("application id");
                let stamp = application.get("updated_at").and_then(Value::as_str).expect("updated_at").to_owned();
                let parsed = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("an RFC 3339 updated_at");
                if newest.as_ref().is_none_or(|(s, i)| (parsed(&stamp), id) > (parsed(s), *i)) {
                    newest = Some((stamp, id));
                }
            }
        }
        let (stamp, id) = newest.expect("at least one hired application");
        (id, stamp)
    }

    /// The last lines of every process's output and of the Postgres log.
    pub fn tails(&self) -> String {
        let mut out: Vec<String> = self.nodes.values().map(Process::log_tail).collect();
        out.push(self.sandbox.log_tail());
        out.push(format!("--- postgres ---\n{}", self.postgres.log_tail()));
        out.join("\n")
    }
}

/// The URL in a `Link: <URL>; rel="next"` header.
fn next_link(header: &str) -> Option<String> {
    header
        .split(',')
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| Some(part.split_once('<')?.1.split_once('>')?.0.to_owned()))
}

async fn post_json(http: &reqwest::Client, url: &str, body: &Value) -> Value {
    let response = http.post(url).json(body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST {url}: {status} {value}");
    value
}

/// Creates candidate, application, offer and hire; sends the webhook when asked. Returns (application id, email).
async fn hire_one(http: &reqwest::Client, sandbox: &str, job: i64, n: usize, webhook: Option<String>) -> (i64, String) {
    let control = |path: &str| format!("{sandbox}/greenhouse/_control{path}");
    let id = |v: &Value| v.get("id").and_then(Value::as_i64).expect("an id");
    let email = format!("hire{n}@{EMAIL_DOMAIN}");
    let candidate = post_json(
        http,
        &control("/candidates"),
        &json!({"first_name": format!("Hire{n}"), "last_name": "Cluster",
                "email_addresses": [{"value": email, "type": "work"}]}),
    )
    .await;
    let application =
        post_json(http, &control("/applications"), &json!({"candidate_id": id(&candidate), "job_id": job})).await;
    let app = id(&application);
    post_json(http, &control("/offers"), &json!({"application_id": app, "starts_on": "2027-03-01"})).await;
    post_json(http, &control(&format!("/applications/{app}/hire")), &json!({})).await;
    if let Some(url) = webhook {
        send_webhook(http, sandbox, &url, app).await;
    }
    (app, email)
}

/// Has the sandbox send `app`'s signed `hire_candidate` webhook to `url`. A node that is down
/// answers nothing: the poll finds the hire anyway.
async fn send_webhook(http: &reqwest::Client, sandbox: &str, url: &str, app: i64) {
    let _ = http
        .post(format!("{sandbox}/greenhouse/_control/webhooks"))
        .json(&json!({"url": url, "secret": WEBHOOK_SECRET, "action": "hire_candidate", "id": app}))
        .send()
        .await;
}

/// A temp path as `&str`.
pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}
