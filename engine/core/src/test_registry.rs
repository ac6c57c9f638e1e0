//! A small connector registry for core's own tests, built with the SDK so
//! that they do not depend on the real connectors' progress.

use std::sync::Arc;

use hirewire_sdk::descriptor::NoParams;
use hirewire_sdk::{
    ActionDescriptor, ConfigError, Connection, ConnectionSettings, ConnectorDescriptor, Shape, TriggerDelivery,
    TriggerDescriptor,
};
use schemars::JsonSchema;

/// A connection of the test registry: it accepts any settings (validation builds every connection) and runs
/// nothing.
struct UnusedConnection;

#[hirewire_sdk::reexports::async_trait]
impl Connection for UnusedConnection {
    async fn run_action(
        &self,
        _: &str,
        _: serde_json::Value,
        _: &hirewire_sdk::ActionContext,
    ) -> Result<serde_json::Value, hirewire_sdk::ActionError> {
        Err(hirewire_sdk::ActionError::permanent("the test registry runs nothing"))
    }
}

fn no_connect(_: ConnectionSettings) -> Result<Arc<dyn Connection>, ConfigError> {
    Ok(Arc::new(UnusedConnection))
}

/// Greenhouse settings.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct GreenhouseConfig {
    /// production or sandbox.
    environment: Option<Environment>,
    /// OAuth client id.
    client_id: Option<String>,
    /// OAuth client secret.
    client_secret: Option<String>,
    /// The acting user.
    user_email: String,
    /// Webhook secret.
    webhook_secret: Option<String>,
    /// API base.
    base_url: Option<String>,
    /// Requests per window.
    max_requests: Option<u32>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum Environment {
    Production,
    Sandbox,
}

/// A person.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Candidate {
    /// Id.
    id: i64,
    /// First name.
    first_name: String,
    /// Last name.
    last_name: String,
    /// Emails.
    email_addresses: Vec<Email>,
}

/// An email.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Email {
    /// Address.
    value: String,
    /// work, personal, other.
    r#type: String,
}

/// An application.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Application {
    /// Id.
    id: i64,
    /// Stage.
    stage_name: Option<String>,
}

/// A job.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Job {
    /// Id.
    id: i64,
    /// Title.
    name: String,
}

/// An offer.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Offer {
    /// Start date.
    starts_on: Option<chrono::NaiveDate>,
}

/// An interviewer.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Interviewer {
    /// Name.
    name: String,
    /// Email.
    email: String,
}

/// candidate_hired output.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Hired {
    /// The candidate.
    candidate: Candidate,
    /// The application.
    application: Application,
    /// The job.
    job: Job,
    /// The offer.
    offer: Offer,
    /// Who interviewed.
    interviewers: Vec<Interviewer>,
}

/// Stage change params.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct StageParams {
    /// Only from this stage.
    from_stage: Option<String>,
    /// Only to this stage.
    to_stage: Option<String>,
}

/// Stage change output.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct StageChanged {
    /// The candidate.
    candidate: Candidate,
    /// The application.
    application: Application,
    /// Old stage.
    from_stage: String,
    /// New stage.
    to_stage: String,
}

/// Add a note.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct AddNote {
    /// Candidate id.
    candidate_id: i64,
    /// Text.
    body: String,
    /// Visibility.
    visibility: Option<Visibility>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum Visibility {
    Public,
    Private,
    AdminOnly,
}

/// A created record.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Created {
    /// Id.
    id: i64,
}

/// BambooHR settings.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct BambooConfig {
    /// Subdomain.
    company_domain: String,
    /// Key.
    api_key: String,
    /// API base.
    base_url: Option<String>,
}

/// Employee input.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code, non_snake_case)]
struct EmployeeInput {
    /// First name.
    firstName: String,
    /// Last name.
    lastName: String,
    /// Work email.
    workEmail: String,
    /// Title.
    jobTitle: Option<String>,
    /// Start date.
    hireDate: Option<String>,
}

/// Upsert output.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Upserted {
    /// Employee id.
    id: String,
    /// Whether it was created.
    created: bool,
}

/// Slack settings.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct SlackConfig {
    /// Bot token.
    token: Option<String>,
    /// Webhook URL.
    webhook_url: Option<String>,
    /// API base.
    base_url: Option<String>,
}

/// A message.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct PostMessage {
    /// `#name`, an id or an email.
    channel: String,
    /// Text.
    text: String,
    /// Block Kit blocks.
    blocks: Option<Vec<serde_json::Value>>,
}

/// A posted message.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Posted {
    /// Channel id.
    channel: String,
    /// Message timestamp.
    ts: String,
}

fn connector(name: &'static str, config: Shape) -> ConnectorDescriptor {
    ConnectorDescriptor {
        name,
        description: "test connector",
        config,
        config_example: serde_json::Value::Null,
        triggers: Vec::new(),
        actions: Vec::new(),
        connect: no_connect,
        fake: None,
    }
}

/// greenhouse (triggers, add_note), bamboohr (upsert_employee), slack (post_message).
pub(crate) fn registry() -> Vec<ConnectorDescriptor> {
    let webhook = |actions: Vec<&'static str>| TriggerDelivery { webhook_actions: actions, poll: true };
    let mut greenhouse = connector("greenhouse", Shape::of::<GreenhouseConfig>());
    greenhouse.triggers = vec![
        TriggerDescriptor::new::<NoParams, Hired>(
            "candidate_hired",
            "A candidate was hired.",
            webhook(vec!["hire_candidate"]),
        ),
        TriggerDescriptor::new::<StageParams, StageChanged>(
            "application_stage_changed",
            "An application moved stage.",
            webhook(vec!["candidate_stage_change"]),
        ),
        TriggerDescriptor::new::<NoParams, Hired>("interview_scheduled", "Polled.", webhook(vec![])),
        TriggerDescriptor::new::<NoParams, Hired>("offer_accepted", "Not yet.", webhook(vec![])).not_yet_available(),
    ];
    greenhouse.actions = vec![ActionDescriptor::new::<AddNote, Created>("add_note", "Adds a note.")];
    let mut bamboohr = connector("bamboohr", Shape::of::<BambooConfig>());
    bamboohr.actions = vec![
        ActionDescriptor::new::<EmployeeInput, Upserted>("upsert_employee", "Finds or creates."),
        ActionDescriptor::new::<EmployeeInput, Created>("create_employee", "Creates.").not_yet_available(),
    ];
    let mut slack = connector("slack", Shape::of::<SlackConfig>());
    slack.actions = vec![ActionDescriptor::new::<PostMessage, Posted>("post_message", "Posts a message.")];
    vec![bamboohr, greenhouse, slack]
}
