//! Secrets never leak (docs/contract.md section 5): a real `hirewire run` process, every credential
//! given through `${VAR}` in hirewire.yaml, debug JSON logs, events that
//! succeed and fail (injected 401s and 500s, a bad webhook signature, revoked
//! tokens), then the API and the CLI; each secret (and its Basic-auth
//! encoding) is looked for in the daemon's log, the whole database, every API
//! answer and every CLI output, and must be in none of them.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use hirewire_store::{RunFilter, RunStatus};
use hirewire_tests::engine::{Db, TestProject, wait_for_finished};
use hirewire_tests::hirewire_binary;
use hirewire_tests::sandbox::Sandbox;
use serde_json::{Map, Value, json};

use super::on_both_databases;

/// Every secret, by the variable that carries it. Each value is unlikely to appear by chance.
const SECRETS: [(&str, &str); 11] = [
    ("GREENHOUSE_CLIENT_ID", "gh-client-4f1c9e2a7b"),
    ("GREENHOUSE_CLIENT_SECRET", "gh-secret-Q8v3Lm2Zx9"),
    ("GREENHOUSE_WEBHOOK_SECRET", "gh-webhook-Tt7Yp4Rs1k"),
    ("BAMBOOHR_API_KEY", "bhr-key-Wd5Nq8Ja3c"),
    ("HIBOB_SERVICE_USER_ID", "bob-user-Hm2Kx7Pv4e"),
    ("HIBOB_TOKEN", "bob-token-Zc9Lr3Fy6u"),
    ("PERSONIO_CLIENT_ID", "papi-client-Jn4Bw8Se1q"),
    ("PERSONIO_CLIENT_SECRET", "papi-secret-Ux6Dg2Mo5h"),
    ("SLACK_BOT_TOKEN", "xoxb-slack-Vk3Ri9Ta7w"),
    ("PEOPLE_API_TOKEN", "people-token-Ye8Hc1Nb4z"),
    ("HIREWIRE_API_TOKEN", "hw-api-Gs5Xp2Lk9dQw4Er7Ty1U"),
];

fn secret(var: &str) -> &'static str {
    SECRETS.iter().find(|(v, _)| *v == var).map(|(_, s)| *s).expect("known secret")
}

/// The secrets and the Basic-auth encodings built from them (`key:x`, `user:token`, `id:secret`).
fn needles() -> Vec<(String, String)> {
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let mut needles: Vec<(String, String)> = SECRETS.iter().map(|(v, s)| ((*v).to_owned(), (*s).to_owned())).collect();
    for (name, pair) in [
        ("BambooHR Basic auth", format!("{}:x", secret("BAMBOOHR_API_KEY"))),
        ("HiBob Basic auth", format!("{}:{}", secret("HIBOB_SERVICE_USER_ID"), secret("HIBOB_TOKEN"))),
        ("Greenhouse Basic auth", format!("{}:{}", secret("GREENHOUSE_CLIENT_ID"), secret("GREENHOUSE_CLIENT_SECRET"))),
        ("Personio Basic auth", format!("{}:{}", secret("PERSONIO_CLIENT_ID"), secret("PERSONIO_CLIENT_SECRET"))),
    ] {
        needles.push((name.to_owned(), b64(pair)));
    }
    needles
}

/// hirewire.yaml with every credential from the environment (no defaults).
const CONFIG: &str = r#"
listen: ${HIREWIRE_LISTEN}
api_token: ${HIREWIRE_API_TOKEN}
connections:
  greenhouse:
    connector: greenhouse
    environment: sandbox
    client_id: ${GREENHOUSE_CLIENT_ID}
    client_secret: ${GREENHOUSE_CLIENT_SECRET}
    user_email: recruiting-ops@acme.example
    webhook_secret: ${GREENHOUSE_WEBHOOK_SECRET}
    base_url: ${GREENHOUSE_BASE_URL}
    auth_url: ${GREENHOUSE_AUTH_URL}
  bamboohr:
    connector: bamboohr
    company_domain: acme
    api_key: ${BAMBOOHR_API_KEY}
    base_url: ${BAMBOOHR_BASE_URL}
  hibob:
    connector: hibob
    service_user_id: ${HIBOB_SERVICE_USER_ID}
    token: ${HIBOB_TOKEN}
    base_url: ${HIBOB_BASE_URL}
  personio:
    connector: personio
    client_id: ${PERSONIO_CLIENT_ID}
    client_secret: ${PERSONIO_CLIENT_SECRET}
    base_url: ${PERSONIO_BASE_URL}
  slack:
    connector: slack
    token: ${SLACK_BOT_TOKEN}
    base_url: ${SLACK_BASE_URL}
  people_api:
    connector: http
    base_url: ${PEOPLE_API_URL}
    auth: { bearer: "${PEOPLE_API_TOKEN}" }
"#;

/// A hire reaches every connector; failures alert Slack.
const RECIPE: &str = r##"
name: everywhere
trigger:
  connection: greenhouse
  event: candidate_hired
  delivery: webhook
key: "{{ trigger.application.id }}"
steps:
  - id: bamboohr
    action: bamboohr.upsert_employee
    connection: bamboohr
    with:
      firstName: "{{ trigger.candidate.first_name }}"
      lastName: "{{ trigger.candidate.last_name }}"
      workEmail: "{{ trigger.candidate | work_email }}"
    retry: { attempts: 4, backoff: fixed, initial: 1s, max: 1s }
  - id: hibob
    action: hibob.upsert_employee
    connection: hibob
    with:
      firstName: "{{ trigger.candidate.first_name }}"
      surname: "{{ trigger.candidate.last_name }}"
      email: "{{ trigger.candidate | work_email }}"
      work: { site: Berlin, startDate: "{{ trigger.offer.starts_on }}", title: "{{ trigger.job.name }}" }
    retry: { attempts: 4, backoff: fixed, initial: 1s, max: 1s }
  - id: personio
    action: personio.upsert_employee
    connection: personio
    with:
      email: "{{ trigger.candidate | work_email }}"
      first_name: "{{ trigger.candidate.first_name }}"
      last_name: "{{ trigger.candidate.last_name }}"
      position: "{{ trigger.job.name }}"
      status: onboarding
    retry: { attempts: 4, backoff: fixed, initial: 1s, max: 1s }
  - id: people
    action: http.request
    connection: people_api
    with:
      method: POST
      path: /employees
      body: { json: { name: "{{ trigger.candidate | full_name }}" } }
      expected_status: [200, 201]
    retry: { attempts: 4, backoff: fixed, initial: 1s, max: 1s }
  - id: note
    action: greenhouse.add_note
    connection: greenhouse
    with:
      candidate_id: "{{ trigger.candidate.id }}"
      application_id: "{{ trigger.application.id }}"
      visibility: admin_only
      body: "Onboarded everywhere."
    retry: { attempts: 4, backoff: fixed, initial: 1s, max: 1s }
  - id: notify
    action: slack.post_message
    connection: slack
    with: { channel: "#people-ops", text: "{{ trigger.candidate | full_name }} is onboarded" }
    retry: { attempts: 4, backoff: fixed, initial: 1s, max: 1s }
on_error:
  - id: alert
    action: slack.post_message
    connection: slack
    with: { channel: "#hr-automation", text: "{{ run.recipe }} failed: {{ run.error }}" }
"##;

/// The `hirewire run` process; killed if still running when dropped.
struct DaemonProcess {
    child: Child,
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn environment(sandbox: &Sandbox, database_url: &str, listen: &str) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> =
        sandbox.env_overrides(database_url).into_iter().filter(|(k, _)| k.ends_with("_URL")).collect();
    env.extend(SECRETS.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    env.push(("HIREWIRE_LISTEN".into(), listen.to_owned()));
    env.push(("RUST_LOG".into(), "debug".into()));
    env.push(("HIREWIRE_LOG_FORMAT".into(), "json".into()));
    env.push(("NO_COLOR".into(), "1".into()));
    env
}

/// Makes each fake accept only this test's credentials.
async fn require_credentials(sandbox: &Sandbox, http: &reqwest::Client) {
    for (connector, method, settings) in [
        (
            "greenhouse",
            reqwest::Method::POST,
            json!({ "client_id": secret("GREENHOUSE_CLIENT_ID"), "client_secret": secret("GREENHOUSE_CLIENT_SECRET") }),
        ),
        ("bamboohr", reqwest::Method::PUT, json!({ "api_key": secret("BAMBOOHR_API_KEY") })),
        (
            "hibob",
            reqwest::Method::PUT,
            json!({ "service_user_id": secret("HIBOB_SERVICE_USER_ID"), "token": secret("HIBOB_TOKEN") }),
        ),
        (
            "personio",
            reqwest::Method::PUT,
            json!({ "client_id": secret("PERSONIO_CLIENT_ID"), "client_secret": secret("PERSONIO_CLIENT_SECRET") }),
        ),
        ("slack", reqwest::Method::PUT, json!({ "token": secret("SLACK_BOT_TOKEN") })),
    ] {
        let url = format!("{}/{connector}/_control/settings", sandbox.url());
        let mut current: Map<String, Value> =
            http.get(&url).send().await.expect("settings").json().await.expect("settings JSON");
        current.extend(settings.as_object().cloned().unwrap_or_default());
        let answer = http.request(method, &url).json(&current).send().await.expect("set settings");
        assert!(answer.status().is_success(), "{connector} settings: {}", answer.text().await.unwrap_or_default());
    }
}

/// Sends Greenhouse's signed `hire_candidate` webhook about `app`, signed with `webhook_secret`.
async fn send_hire_webhook(sandbox: &Sandbox, daemon: &str, app: i64, webhook_secret: &str, event_id: &str) -> Value {
    sandbox
        .post(
            "/greenhouse/_control/webhooks",
            json!({ "url": format!("{daemon}/webhooks/greenhouse"), "secret": webhook_secret,
                    "action": "hire_candidate", "id": app, "event_id": event_id }),
        )
        .await["statuses"]
        .clone()
}

async fn secrets_never_leak(db: Db) {
    let binary = hirewire_binary();
    let sandbox = Sandbox::start().await;
    sandbox.seed_slack_users().await;
    let http = reqwest::Client::new();
    require_credentials(&sandbox, &http).await;
    let project = TestProject::new(db, "").await;
    std::fs::write(project.dir.path().join("hirewire.yaml"), CONFIG).expect("write hirewire.yaml");
    project.write_recipe("everywhere.yaml", RECIPE);
    for example in std::fs::read_dir(hirewire_tests::workspace_root().join("recipes")).expect("example recipes") {
        let path = example.expect("entry").path();
        std::fs::copy(&path, project.dir.path().join("recipes").join(path.file_name().expect("name")))
            .expect("copy recipe");
    }
    let listen = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").to_string();
    let daemon_url = format!("http://{listen}");
    let env = environment(&sandbox, &project.url, &listen);
    let log_path = project.dir.path().join("daemon.log");

    // Failures to log: HiBob refuses the credentials once (401: only `everywhere` calls HiBob, so its first
    // run fails and alerts), Personio, BambooHR and Slack answer 500 (retried).
    sandbox.inject_fault("hibob", json!({ "status": 401, "count": 1 })).await;
    sandbox.inject_fault("personio", json!({ "status": 500, "count": 2 })).await;
    sandbox.inject_fault("bamboohr", json!({ "path_prefix": "/api", "status": 500, "count": 1 })).await;
    sandbox.inject_fault("slack", json!({ "status": 500, "count": 1 })).await;

    let mut daemon = start_daemon(&binary, &project, &env, &log_path, &daemon_url, &http).await;
    let store = project.store().await;
    let first = sandbox.hire("Secret", "Keeper", "secret.keeper@acme.example").await;
    assert_eq!(
        send_hire_webhook(&sandbox, &daemon_url, first, secret("GREENHOUSE_WEBHOOK_SECRET"), "hire-1").await,
        json!([200])
    );
    wait_for_finished(&store, "everywhere", 1, Duration::from_secs(90)).await;
    // A forged delivery (401), revoked Greenhouse tokens (the next call re-authenticates), another hire.
    assert_eq!(send_hire_webhook(&sandbox, &daemon_url, first, "not-the-secret", "forged").await, json!([401]));
    sandbox.post("/greenhouse/_control/tokens/revoke", json!({})).await;
    let second = sandbox.hire("Vault", "Holder", "vault.holder@acme.example").await;
    assert_eq!(
        send_hire_webhook(&sandbox, &daemon_url, second, secret("GREENHOUSE_WEBHOOK_SECRET"), "hire-2").await,
        json!([200])
    );
    let everywhere = wait_for_finished(&store, "everywhere", 2, Duration::from_secs(90)).await;
    assert_eq!(everywhere.len(), 2, "{everywhere:?}");
    // The example recipes ran too (the hire webhooks, the reconciling polls of the seeded data).
    let runs = store.list_runs(&RunFilter { limit: 10_000, ..RunFilter::default() }).await.expect("list runs");
    let outcomes: Vec<(&str, RunStatus, Option<&str>)> =
        runs.iter().map(|r| (r.recipe.as_str(), r.status, r.error.as_deref())).collect();
    assert!(
        outcomes
            .iter()
            .any(|(r, s, e)| *r == "everywhere" && *s == RunStatus::Failed && e.is_some_and(|e| e.contains(": 401 "))),
        "the injected 401 failed a run: {outcomes:?}"
    );
    assert!(outcomes.iter().any(|(r, s, _)| *r == "everywhere" && *s == RunStatus::Succeeded), "{outcomes:?}");

    let mut outputs: Vec<(String, String)> = Vec::new();
    let bearer = format!("Bearer {}", secret("HIREWIRE_API_TOKEN"));
    let mut paths =
        vec!["/api/runs".to_owned(), "/api/recipes".to_owned(), "/api/nodes".to_owned(), "/metrics".to_owned()];
    paths.extend(["/healthz", "/readyz", "/"].map(str::to_owned));
    paths.extend(runs.iter().map(|r| format!("/api/runs/{}", r.id)));
    for path in &paths {
        let answer =
            http.get(format!("{daemon_url}{path}")).header("authorization", &bearer).send().await.expect("API");
        let status = answer.status();
        let body = answer.text().await.unwrap_or_default();
        assert!(status.is_success(), "GET {path}: {status} {body}");
        outputs.push((format!("GET {path}"), body));
    }
    let refused =
        http.get(format!("{daemon_url}/api/runs")).header("authorization", "Bearer wrong").send().await.expect("API");
    assert_eq!(refused.status(), 401);
    outputs.push(("GET /api/runs with a wrong token".into(), refused.text().await.unwrap_or_default()));
    assert!(outputs[0].1.contains(&runs[0].id), "the API lists the runs: {}", outputs[0].1);

    let mut cli: Vec<Vec<String>> = vec![
        vec!["runs".into(), "list".into()],
        vec!["runs".into(), "list".into(), "--json".into()],
        vec!["connections".into(), "check".into()],
        vec!["validate".into()],
        vec!["validate".into(), "--json".into()],
    ];
    for run in &runs {
        cli.push(vec!["runs".into(), "show".into(), run.id.clone()]);
        cli.push(vec!["runs".into(), "show".into(), run.id.clone(), "--json".into()]);
    }
    for args in &cli {
        let output = Command::new(&binary)
            .args(args)
            .arg("--dir")
            .arg(project.dir.path())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("run the CLI");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(!text.trim().is_empty(), "hirewire {args:?} printed nothing");
        outputs.push((format!("hirewire {}", args.join(" ")), text));
    }
    assert!(outputs.iter().any(|(what, text)| what == "hirewire runs list" && text.contains(&runs[0].id)));

    stop_daemon(&mut daemon);
    drop(daemon);
    let log = std::fs::read_to_string(&log_path).expect("daemon log");
    assert!(log.lines().count() > 50, "a debug log: {} lines", log.lines().count());
    for run in &runs {
        assert!(log.contains(&run.id), "the log names run {}", run.id);
    }
    assert!(log.contains("step failed"), "the failures were logged");
    outputs.push(("the daemon's log".into(), log));
    outputs.extend(database_contents(db, &project.url).await);

    let mut leaks = Vec::new();
    for (what, text) in &outputs {
        for (name, needle) in needles() {
            if text.contains(&needle) {
                let at = text.find(&needle).unwrap_or_default();
                let context: String = text[at.saturating_sub(120)..].chars().take(240 + needle.len()).collect();
                leaks.push(format!("{name} in {what}: …{context}…"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    project.cleanup().await;
}

async fn start_daemon(
    binary: &Path,
    project: &TestProject,
    env: &[(String, String)],
    log_path: &PathBuf,
    url: &str,
    http: &reqwest::Client,
) -> DaemonProcess {
    let out = File::create(log_path).expect("log file");
    let err = out.try_clone().expect("log file");
    let child = Command::new(binary)
        .arg("run")
        .arg("--dir")
        .arg(project.dir.path())
        .args(["--node-id", "secrets", "--lease-secs", "5"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start hirewire run");
    let mut daemon = DaemonProcess { child };
    for _ in 0..600 {
        if let Ok(Some(status)) = daemon.child.try_wait() {
            panic!("hirewire run exited ({status}):\n{}", std::fs::read_to_string(log_path).unwrap_or_default());
        }
        if http.get(format!("{url}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return daemon;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("hirewire run was not ready within 60 s:\n{}", std::fs::read_to_string(log_path).unwrap_or_default());
}

/// SIGTERM, then waits for a graceful exit.
fn stop_daemon(daemon: &mut DaemonProcess) {
    let pid = daemon.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(sent.success(), "kill -TERM {pid}");
    let status = daemon.child.wait().expect("wait for hirewire run");
    assert!(status.success(), "hirewire run stopped with {status}");
}

/// The whole database as text: the SQLite file (with its WAL and shared-memory files), or a dump of every
/// table's rows on Postgres.
async fn database_contents(db: Db, url: &str) -> Vec<(String, String)> {
    match db {
        Db::Sqlite => {
            let path = PathBuf::from(url.trim_start_matches("sqlite://").split('?').next().expect("path"));
            assert!(path.is_file(), "the SQLite file {}", path.display());
            ["", "-wal", "-shm", "-journal"]
                .iter()
                .filter_map(|suffix| {
                    let file = PathBuf::from(format!("{}{suffix}", path.display()));
                    let bytes = std::fs::read(&file).ok()?;
                    Some((
                        format!("the database file {}", file.display()),
                        String::from_utf8_lossy(&bytes).into_owned(),
                    ))
                })
                .collect()
        }
        Db::Postgres => {
            // pg_dump does not know sqlx's URL options (`?statement-cache-capacity=...`).
            let plain = url.split('?').next().expect("url");
            let dump =
                Command::new("pg_dump").args(["--data-only", "--no-owner", plain]).output().expect("run pg_dump");
            assert!(dump.status.success(), "pg_dump: {}", String::from_utf8_lossy(&dump.stderr));
            let text = String::from_utf8_lossy(&dump.stdout).into_owned();
            assert!(text.contains("COPY public.runs"), "the dump has the runs table");
            vec![("the Postgres database (pg_dump of every table)".to_owned(), text)]
        }
    }
}

on_both_databases!(secrets_never_leak);
