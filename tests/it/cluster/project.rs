//! The project the failure tests run: Greenhouse and BambooHR connections pointed at a sandbox
//! process, and one recipe that turns each hire (by webhook or by poll) into a BambooHR employee.

use std::path::Path;

/// The recipe every node runs.
pub const RECIPE: &str = "cluster-hires";
/// The Greenhouse connection's webhook secret.
pub const WEBHOOK_SECRET: &str = "cluster-webhook-secret";
/// The domain of every hire's work email.
pub const EMAIL_DOMAIN: &str = "cluster.example";

const CONFIG: &str = r#"# The failure test's project: every URL comes from the environment.
database: ${HIREWIRE_DATABASE_URL}
listen: ${HIREWIRE_LISTEN:-127.0.0.1:8080}
timezone: UTC
connections:
  greenhouse:
    connector: greenhouse
    environment: sandbox
    client_id: sandbox-client
    client_secret: sandbox-secret
    user_email: recruiting-ops@acme.example
    webhook_secret: ${GREENHOUSE_WEBHOOK_SECRET}
    base_url: ${GREENHOUSE_BASE_URL}
    auth_url: ${GREENHOUSE_AUTH_URL}
  bamboohr:
    connector: bamboohr
    company_domain: acme
    api_key: sandbox-key
    base_url: ${BAMBOOHR_BASE_URL}
"#;

/// Writes `hirewire.yaml` and `recipes/cluster-hires.yaml` into `dir`; the poll reaches back to `since`.
///
/// # Panics
/// When the files cannot be written.
pub fn write_project(dir: &Path, since: chrono::DateTime<chrono::Utc>) {
    std::fs::create_dir_all(dir.join("recipes")).expect("recipes dir");
    std::fs::write(dir.join("hirewire.yaml"), CONFIG).expect("write hirewire.yaml");
    let recipe = format!(
        r#"name: {RECIPE}
description: Each hire becomes one BambooHR employee, whichever node runs it.
enabled: true
trigger:
  connection: greenhouse
  event: candidate_hired
  delivery: auto
  every: 2s
  since: {since}
key: "{{{{ trigger.application.id }}}}"
concurrency: 64
steps:
  - id: employee
    action: bamboohr.upsert_employee
    connection: bamboohr
    with:
      firstName: "{{{{ trigger.candidate.first_name }}}}"
      lastName: "{{{{ trigger.candidate.last_name }}}}"
      workEmail: "{{{{ trigger.candidate | work_email }}}}"
      jobTitle: "{{{{ trigger.job.name }}}}"
      hireDate: "{{{{ trigger.offer.starts_on }}}}"
    retry: {{ attempts: 10, backoff: exponential, initial: 1s, max: 10s }}
"#,
        since = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    std::fs::write(dir.join("recipes").join(format!("{RECIPE}.yaml")), recipe).expect("write recipe");
}

/// The environment of a daemon listening on `port`, against `database` and the sandbox at `sandbox`.
#[must_use]
pub fn daemon_env(database: &str, sandbox: &str, port: u16) -> Vec<(String, String)> {
    [
        ("HIREWIRE_DATABASE_URL", database.to_owned()),
        ("HIREWIRE_LISTEN", format!("127.0.0.1:{port}")),
        ("HIREWIRE_LOG_FORMAT", "text".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
        ("GREENHOUSE_BASE_URL", format!("{sandbox}/greenhouse")),
        ("GREENHOUSE_AUTH_URL", format!("{sandbox}/greenhouse/token")),
        ("GREENHOUSE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
        ("BAMBOOHR_BASE_URL", format!("{sandbox}/bamboohr")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
