//! Table-driven tests of `hirewire validate`: broken recipes and configs,
//! each with its exact diagnostics (file, line, column, message) snapshot-checked.

use std::path::{Path, PathBuf};

use super::*;
use hirewire_sdk::ConnectorDescriptor;

const SECRET: &str = "gh-s3cret-value";

/// The real connectors, with `bamboohr.create_employee` and `greenhouse.offer_accepted` marked not yet
/// available: every real action and trigger is, and the `not_yet_available_*` cases check the warning
/// about one that is not.
fn registry() -> Vec<ConnectorDescriptor> {
    let mut registry = hirewire_connectors::all();
    for connector in &mut registry {
        for action in
            connector.actions.iter_mut().filter(|a| (connector.name, a.name) == ("bamboohr", "create_employee"))
        {
            action.available = false;
        }
        for trigger in
            connector.triggers.iter_mut().filter(|t| (connector.name, t.name) == ("greenhouse", "offer_accepted"))
        {
            trigger.available = false;
        }
    }
    registry
}

fn env(name: &str) -> Option<String> {
    match name {
        "GH_SECRET" => Some(SECRET.into()),
        "BAMBOO_KEY" => Some("bamboo-s3cret-value".into()),
        "SLACK_TOKEN" => Some("xoxb-s3cret-value".into()),
        "LISTEN" => Some("not an address with s3cret".into()),
        _ => None,
    }
}

const CONFIG: &str = "timezone: Europe/Berlin
connections:
  greenhouse:
    connector: greenhouse
    environment: production
    client_id: ${GH_ID:-abc}
    client_secret: ${GH_SECRET}
    user_email: ops@acme.example
  gh_sandbox:
    connector: greenhouse
    environment: sandbox
    client_id: sandbox-id
    client_secret: ${GH_SECRET}
    user_email: ops@acme.example
  bamboohr:
    connector: bamboohr
    company_domain: acme
    api_key: ${BAMBOO_KEY}
  slack:
    connector: slack
    token: ${SLACK_TOKEN}
";

/// The SPEC's example recipe, valid against the test registry.
const VALID: &str = r##"name: hired-to-bamboohr
description: Create the BambooHR employee when a candidate is hired.
enabled: true
trigger:
  connection: greenhouse
  event: candidate_hired
  delivery: auto
  every: 5m
  since: 2026-11-01T00:00:00Z
  when: "{{ trigger.job.name is startingwith('Engineer') }}"
key: "{{ trigger.application.id }}"
concurrency: 4
steps:
  - id: employee
    action: bamboohr.upsert_employee
    connection: bamboohr
    with:
      firstName: "{{ trigger.candidate.first_name }}"
      lastName: "{{ trigger.candidate.last_name }}"
      workEmail: "{{ trigger.candidate | work_email }}"
      jobTitle: "{{ trigger.job.name }}"
      hireDate: "{{ trigger.offer.starts_on }}"
    retry: { attempts: 5, backoff: exponential, initial: 10s, max: 10m }
  - id: notify
    if: "{{ steps.employee.created }}"
    action: slack.post_message
    connection: slack
    with:
      channel: "#people-ops"
      text: "{{ trigger.candidate.first_name }} joins on {{ trigger.offer.starts_on | date('%B %-d') }}"
  - id: interviewers
    for_each: "{{ trigger.interviewers }}"
    as: interviewer
    steps:
      - id: dm
        action: slack.post_message
        with: { channel: "{{ interviewer.email }}", text: "Thanks for interviewing!" }
on_error:
  - id: alert
    action: slack.post_message
    connection: slack
    with: { channel: "#hr-automation", text: "{{ run.recipe }} failed: {{ run.error }}" }
"##;

/// Writes a project (config + recipe files) and validates it; returns the report as text.
fn validate_text(config: &str, recipes: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CONFIG_FILE), config).unwrap();
    std::fs::create_dir_all(dir.path().join(RECIPES_DIR)).unwrap();
    for (name, text) in recipes {
        std::fs::write(dir.path().join(RECIPES_DIR).join(name), text).unwrap();
    }
    let report = validate_paths(dir.path(), &[], &registry(), &env).unwrap();
    let prefix = format!("{}/", dir.path().display());
    report.to_string().replace(&prefix, "")
}

fn recipe_case(text: &str) -> String {
    validate_text(CONFIG, &[("case.yaml", text)])
}

#[test]
fn the_spec_example_is_valid() {
    assert_eq!(recipe_case(VALID), "");
}

#[test]
fn methods_indexes_loops_and_filters_are_valid() {
    let text = edit(
        "text: \"Thanks for interviewing!\"",
        "text: \"{{ interviewer.email.split('@')[0].upper() }} {{ trigger.interviewers[0].email }} {% for i in trigger.interviewers %}{{ i.name }}{% endfor %} {{ trigger.candidate | full_name | default('?') }} {{ trigger.candidate.email_addresses | map(attribute='value') | join(', ') }}\"",
    );
    assert_eq!(recipe_case(&text), "");
}

/// The valid recipe with `from` replaced by `to` (which must occur in it).
fn edit(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "{from:?} not in the valid recipe");
    VALID.replacen(from, to, 1)
}

const STAGE_HEADER: &str = "name: stage\ntrigger:\n  connection: greenhouse\n  event: application_stage_changed\n";
const SLACK_STEP: &str =
    "steps:\n  - id: notify\n    action: slack.post_message\n    with: { channel: \"#x\", text: hi }\n";

fn recipe_cases() -> Vec<(&'static str, String)> {
    vec![
        ("bad_yaml", "name: x\nsteps: [ {id: a\n".to_owned()),
        ("not_a_mapping", "- name: x\n".to_owned()),
        ("unknown_top_level_key", edit("trigger:\n  connection", "trigers:\n  connection")),
        ("bad_recipe_name", edit("name: hired-to-bamboohr", "name: Hired_To_BambooHR")),
        ("missing_steps", STAGE_HEADER.to_owned()),
        ("unknown_trigger_connection", edit("connection: greenhouse", "connection: greenhose")),
        ("unknown_event", edit("event: candidate_hired", "event: candidate_hird")),
        ("unknown_trigger_param", format!("{STAGE_HEADER}  form_stage: Offer\n{SLACK_STEP}")),
        ("trigger_param_wrong_type", format!("{STAGE_HEADER}  to_stage: 5\n{SLACK_STEP}")),
        ("bad_delivery", edit("delivery: auto", "delivery: webhooks")),
        (
            "webhook_delivery_not_offered",
            format!("name: iv\ntrigger:\n  connection: greenhouse\n  event: interview_scheduled\n  delivery: webhook\n{SLACK_STEP}"),
        ),
        ("every_and_cron", edit("  every: 5m\n", "  every: 5m\n  cron: \"0 * * * *\"\n")),
        ("cron_with_four_fields", edit("  every: 5m\n", "  cron: \"0 */5 * *\"\n")),
        ("cron_out_of_range", edit("  every: 5m\n", "  cron: \"0 25 * * *\"\n")),
        ("bad_duration", edit("every: 5m", "every: soon")),
        ("bad_since", edit("since: 2026-11-01T00:00:00Z", "since: yesterday")),
        ("environment_mismatch", edit("  delivery: auto\n", "  delivery: auto\n  environment: sandbox\n")),
        ("when_is_not_one_expression", edit("when: \"{{ trigger.job.name is startingwith('Engineer') }}\"", "when: \"hired {{ trigger.job.name }}\"")),
        ("steps_in_when", edit("when: \"{{ trigger.job.name is startingwith('Engineer') }}\"", "when: \"{{ steps.employee.created }}\"")),
        ("typo_in_action_name", edit("bamboohr.upsert_employee", "bamboohr.upsert_employe")),
        ("unknown_connector_in_action", edit("bamboohr.upsert_employee", "bambohr.upsert_employee")),
        ("action_without_connector", edit("action: bamboohr.upsert_employee", "action: upsert_employee")),
        ("wrong_connection_kind", edit("    connection: bamboohr\n", "    connection: slack\n")),
        ("unknown_step_connection", edit("    connection: bamboohr\n", "    connection: bamboo\n")),
        ("missing_required_input", edit("      workEmail: \"{{ trigger.candidate | work_email }}\"\n", "")),
        ("unknown_input_key", edit("channel: \"#people-ops\"", "chanel: \"#people-ops\"")),
        ("wrong_literal_type", edit("channel: \"#people-ops\"", "channel: 42")),
        ("duplicate_step_id", edit("  - id: notify", "  - id: employee")),
        ("reference_to_later_step", edit("firstName: \"{{ trigger.candidate.first_name }}\"", "firstName: \"{{ steps.notify.ts }}\"")),
        ("reference_to_missing_step", edit("if: \"{{ steps.employee.created }}\"", "if: \"{{ steps.employe.created }}\"")),
        ("own_output", edit("if: \"{{ steps.employee.created }}\"", "if: \"{{ steps.notify.ts }}\"")),
        ("undocumented_trigger_field", edit("{{ trigger.candidate.last_name }}", "{{ trigger.candidate.lastname }}")),
        ("undocumented_step_field", edit("if: \"{{ steps.employee.created }}\"", "if: \"{{ steps.employee.was_created }}\"")),
        ("field_of_a_scalar", edit("jobTitle: \"{{ trigger.job.name }}\"", "jobTitle: \"{{ trigger.job.id.name }}\"")),
        (
            "unknown_filter_and_test",
            edit(
                "{{ trigger.candidate | work_email }}",
                "{{ trigger.candidate | work_emial if trigger.job is startswith('E') else '' }}",
            ),
        ),
        ("unknown_name", edit("{{ trigger.candidate.last_name }}", "{{ candidate.last_name }}")),
        ("expression_syntax_error", edit("{{ trigger.candidate.last_name }}", "{{ trigger.candidate.last_name ) }}")),
        ("unclosed_expression", edit("text: \"{{ trigger.candidate.first_name }} joins", "text: \"{{ trigger.candidate.first_name joins")),
        ("bad_step_id", edit("  - id: notify", "  - id: notify-people")),
        ("as_shadows_trigger", edit("as: interviewer", "as: trigger")),
        ("inner_step_from_outside", edit("text: \"{{ run.recipe }} failed: {{ run.error }}\"", "text: \"{{ steps.dm.ts }}\"")),
        ("for_each_over_an_object", edit("for_each: \"{{ trigger.interviewers }}\"", "for_each: \"{{ trigger.candidate }}\"")),
        ("undocumented_item_field", edit("{{ interviewer.email }}", "{{ interviewer.emial }}")),
        ("run_error_outside_on_error", edit("text: \"Thanks for interviewing!\"", "text: \"{{ run.error }}\"")),
        ("bad_retry", edit("retry: { attempts: 5, backoff: exponential, initial: 10s, max: 10m }", "retry: { attempts: 0, backoff: linear, initial: 1h, max: 1m, jitter: true }")),
        ("action_inside_for_each_step", edit("    as: interviewer\n", "    as: interviewer\n    action: slack.post_message\n")),
        ("not_yet_available_action", edit("bamboohr.upsert_employee", "bamboohr.create_employee")),
        ("not_yet_available_trigger", edit("event: candidate_hired", "event: offer_accepted")),
        ("clock_trigger_without_schedule", format!("name: digest\ntrigger:\n  timezone: America/New_York\n{SLACK_STEP}")),
        ("clock_trigger_bad_timezone", format!("name: digest\ntrigger:\n  schedule: \"0 8 * * 1-5\"\n  timezone: America/New_Yrok\n{SLACK_STEP}")),
        ("clock_trigger_has_no_candidate", "name: digest\ntrigger:\n  every: 1h\nsteps:\n  - id: notify\n    action: slack.post_message\n    with: { channel: \"#x\", text: \"{{ trigger.candidate.id }}\" }\n".to_owned()),
        ("if_is_text", edit("if: \"{{ steps.employee.created }}\"", "if: \"created: {{ steps.employee.created }}\"")),
        ("zero_concurrency", edit("concurrency: 4", "concurrency: 0")),
        ("env_syntax_in_recipe", edit("channel: \"#people-ops\"", "channel: \"${SLACK_CHANNEL}\"")),
        (
            "many_problems_in_one_file",
            "name: Bad Name\ntrigger:\n  connection: greenhouse\n  event: candidate_hird\nsteps:\n  - id: a\n    action: slack.post_mesage\n  - id: a\n    action: bamboohr.upsert_employee\n    with: { workEmail: \"{{ steps.b.x }}\", firstName: Ada }\nextra: 1\n".to_owned(),
        ),
    ]
}

#[test]
fn broken_recipes_report_exact_diagnostics() {
    let cases = recipe_cases();
    assert!(cases.len() >= 30);
    for (name, text) in cases {
        let output = recipe_case(&text);
        assert!(!output.is_empty(), "case {name} found no problem");
        insta::assert_snapshot!(format!("recipe_{name}"), output, &text);
    }
}

fn config_cases() -> Vec<(&'static str, String)> {
    let edit = |from: &str, to: &str| {
        assert!(CONFIG.contains(from), "{from:?} not in the config");
        CONFIG.replacen(from, to, 1)
    };
    vec![
        ("bad_yaml", "connections:\n  slack: {connector: slack\n".to_owned()),
        ("unset_variable", format!("api_token: ${{HIREWIRE_API_TOKEN}}\n{CONFIG}")),
        ("unknown_top_level_key", CONFIG.replacen("connections:", "conections:", 1)),
        ("unknown_connector", edit("connector: bamboohr", "connector: bambooh")),
        ("unknown_setting", edit("api_key: ${BAMBOO_KEY}", "api_kee: ${BAMBOO_KEY}")),
        ("missing_required_setting", edit("    company_domain: acme\n", "")),
        ("missing_connector_key", edit("    connector: slack\n", "")),
        (
            "wrong_setting_type",
            format!(
                "{CONFIG}  people_api:\n    connector: http\n    base_url: https://people.acme.example\n    timeout_ms: lots\n"
            ),
        ),
        ("setting_not_in_choices", edit("environment: production", "environment: prod")),
        ("secret_value_not_in_choices", edit("environment: production", "environment: ${GH_SECRET}")),
        (
            "bad_engine_settings",
            format!(
                "listen: localhost\ntimezone: Europe/Berln\nretention: forever\ndatabase: mysql://x\n{}",
                CONFIG.replacen("timezone: Europe/Berlin\n", "", 1)
            ),
        ),
        ("listen_from_env_not_echoed", format!("listen: ${{LISTEN}}\n{CONFIG}")),
        ("bad_variable_syntax", edit("${GH_ID:-abc}", "${GH-ID}")),
    ]
}

#[test]
fn broken_configs_report_exact_diagnostics() {
    let minimal = "name: ok\ntrigger:\n  every: 1h\nsteps:\n  - id: notify\n    action: slack.post_message\n    connection: slack\n    with: { channel: \"#x\", text: hi }\n";
    for (name, config) in config_cases() {
        let output = validate_text(&config, &[("ok.yaml", minimal)]);
        assert!(!output.is_empty(), "case {name} found no problem");
        assert!(!output.contains(SECRET) && !output.contains("s3cret"), "case {name} leaked a secret:\n{output}");
        insta::assert_snapshot!(format!("config_{name}"), output, &config);
    }
}

#[test]
fn env_values_coerce_to_numbers_and_defaults_apply() {
    let config = format!(
        "{CONFIG}  people_api:\n    connector: http\n    base_url: https://people.acme.example\n    timeout_ms: ${{TIMEOUT_MS:-50}}\n"
    );
    let (parsed, diagnostics) = parse_config(Path::new("hirewire.yaml"), &config, &registry(), &env);
    assert_eq!(diagnostics, vec![]);
    assert_eq!(parsed.connections["people_api"].settings()["timeout_ms"], serde_json::json!(50));
    let gh = &parsed.connections["greenhouse"];
    assert_eq!(gh.settings()["client_id"], serde_json::json!("abc"));
    assert_eq!(gh.settings()["client_secret"], serde_json::json!(SECRET));
    assert_eq!(gh.environment.as_deref(), Some("production"));
    assert!(!format!("{parsed:?}").contains(SECRET));
    assert_eq!(parsed.timezone, chrono_tz::Europe::Berlin);
}

#[test]
fn database_url_env_overrides_and_secrets_stay_hidden() {
    use secrecy::ExposeSecret;
    let lookup = |name: &str| match name {
        "HIREWIRE_DATABASE_URL" => Some("postgres://u:pw-s3cret@db/hw".to_owned()),
        "TOKEN" => Some("api-s3cret-0123456789abcdef".to_owned()),
        _ => None,
    };
    let (parsed, diagnostics) = parse_config(
        Path::new("hirewire.yaml"),
        "database: sqlite://x.db\napi_token: ${TOKEN}\n",
        &registry(),
        &lookup,
    );
    assert_eq!(diagnostics, vec![]);
    assert_eq!(parsed.database.expose_secret(), "postgres://u:pw-s3cret@db/hw");
    assert_eq!(
        parsed.api_token.as_ref().map(|t| t.expose_secret().to_owned()),
        Some("api-s3cret-0123456789abcdef".into())
    );
    let debug = format!("{parsed:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    let (defaults, _) = parse_config(Path::new("hirewire.yaml"), "", &registry(), &|_: &str| None);
    assert_eq!(defaults.database.expose_secret(), "sqlite://hirewire.db");
    assert_eq!(defaults.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(defaults.retention, std::time::Duration::from_secs(90 * 86_400));
}

#[test]
fn secrets_from_env_never_reach_diagnostics_or_json() {
    // Every config case plus a recipe that reads a bad value.
    let mut outputs = Vec::new();
    for (_, config) in config_cases() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), &config).unwrap();
        std::fs::create_dir_all(dir.path().join(RECIPES_DIR)).unwrap();
        std::fs::write(dir.path().join(RECIPES_DIR).join("r.yaml"), VALID).unwrap();
        let report = validate_paths(dir.path(), &[], &registry(), &env).unwrap();
        outputs.push(report.to_string());
        outputs.push(report.to_json().to_string());
        outputs.push(format!("{report:?}"));
    }
    for output in outputs {
        assert!(!output.contains("s3cret"), "a secret leaked:\n{output}");
    }
}

#[test]
fn recipe_names_must_be_unique_across_files() {
    let second = VALID.replacen("description: Create", "description: Also create", 1);
    let output = validate_text(CONFIG, &[("a.yaml", VALID), ("b.yaml", &second)]);
    assert_eq!(
        output,
        "recipes/b.yaml:1:7: error: recipe name `hired-to-bamboohr` is already used by recipes/a.yaml:1\n"
            .replace("recipes/a.yaml", &format!("{}", Path::new("recipes").join("a.yaml").display()))
            .replacen("recipes/b.yaml", &format!("{}", Path::new("recipes").join("b.yaml").display()), 1)
    );
}

#[test]
fn paths_select_files_and_missing_paths_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CONFIG_FILE), CONFIG).unwrap();
    let recipes = dir.path().join(RECIPES_DIR);
    std::fs::create_dir_all(recipes.join("nested")).unwrap();
    std::fs::write(recipes.join("nested").join("good.yaml"), VALID).unwrap();
    std::fs::write(recipes.join("bad.yaml"), "name: bad\n").unwrap();
    std::fs::write(recipes.join("good.test.yaml"), "not: [a recipe").unwrap();
    let only_good = validate_paths(dir.path(), &[recipes.join("nested")], &registry(), &env).unwrap();
    assert_eq!(only_good.diagnostics, vec![]);
    let all = validate_paths(dir.path(), &[], &registry(), &env).unwrap();
    assert_eq!(all.error_count(), 2, "{all}");
    assert!(all.diagnostics.iter().all(|d| d.file.ends_with("bad.yaml")));
    let missing = PathBuf::from("/nonexistent/recipes");
    assert_eq!(
        validate_paths(dir.path(), std::slice::from_ref(&missing), &registry(), &env),
        Err(UsageError::PathNotFound(missing))
    );
    let project = load_project(dir.path(), &registry(), &env).unwrap_err();
    assert_eq!(project.error_count(), 2);
}

#[test]
fn load_project_returns_the_recipe_model() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CONFIG_FILE), CONFIG).unwrap();
    std::fs::create_dir_all(dir.path().join(RECIPES_DIR)).unwrap();
    std::fs::write(dir.path().join(RECIPES_DIR).join("hired.yaml"), VALID).unwrap();
    let project = load_project(dir.path(), &registry(), &env).unwrap();
    let recipe = &project.recipes[0];
    assert_eq!(recipe.name, "hired-to-bamboohr");
    assert_eq!(recipe.concurrency, 4);
    assert_eq!(recipe.version.len(), 64);
    assert_eq!(recipe.steps.len(), 3);
    let crate::recipe::Trigger::Connector(trigger) = &recipe.trigger else { panic!("connector trigger") };
    assert_eq!((trigger.connection.as_str(), trigger.event.as_str()), ("greenhouse", "candidate_hired"));
    let crate::recipe::StepKind::ForEach(each) = &recipe.steps[2].kind else { panic!("for_each") };
    assert_eq!(each.as_name, "interviewer");
    let crate::recipe::StepKind::Action(dm) = &each.steps[0].kind else { panic!("action") };
    assert_eq!(dm.connection, "slack", "the only slack connection is the default");
    assert_eq!(recipe.on_error.len(), 1);
}

mod proptests;
