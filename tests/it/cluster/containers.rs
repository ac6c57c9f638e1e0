//! The container files' structure, checked without a Docker engine: `docker-compose.yml` parsed
//! as YAML (services, images, healthchecks, env, every `${VAR}` the example `hirewire.yaml` needs
//! pointed at the sandbox), and the `Dockerfile`'s stages, non-root user, healthcheck and port.

use std::collections::BTreeSet;

use hirewire_tests::workspace_root;
use serde_json::Value;

fn compose() -> Value {
    let path = workspace_root().join("docker-compose.yml");
    let text = std::fs::read_to_string(&path).expect("read docker-compose.yml");
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: not valid YAML: {e}", path.display()))
}

/// `${NAME}` / `${NAME:-default}` references in `text`: (name, has a default).
fn variables(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = &after[..end];
        let (name, default) = inner.split_once(":-").map_or((inner, false), |(n, _)| (n, true));
        out.push((name.to_owned(), default));
        rest = &after[end..];
    }
    out
}

fn replicas(compose: &Value) -> Vec<(&String, &Value)> {
    let services = compose.get("services").and_then(Value::as_object).expect("services");
    services
        .iter()
        .filter(|(_, s)| {
            s.get("command").and_then(Value::as_array).and_then(|c| c.first()).and_then(Value::as_str) == Some("run")
        })
        .collect()
}

#[test]
fn compose_runs_postgres_two_replicas_and_the_sandbox() {
    let compose = compose();
    let services = compose.get("services").and_then(Value::as_object).expect("services");
    let postgres = services.get("postgres").expect("a postgres service");
    assert!(postgres.get("image").and_then(Value::as_str).is_some_and(|i| i.starts_with("postgres:")), "{postgres}");
    assert!(postgres.pointer("/healthcheck/test").is_some(), "postgres needs a healthcheck for depends_on");
    let sandbox = services.get("sandbox").expect("a sandbox service");
    let command: Vec<&str> = sandbox
        .get("command")
        .and_then(Value::as_array)
        .expect("sandbox command")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(command.first(), Some(&"sandbox"));
    assert!(command.windows(2).any(|w| w == ["--listen", "0.0.0.0:9000"]), "{command:?}");
    assert!(command.windows(2).any(|w| w == ["--public-url", "http://sandbox:9000"]), "{command:?}");
    assert!(sandbox.pointer("/healthcheck/test").is_some(), "the sandbox needs its own healthcheck (not /readyz)");

    let replicas = replicas(&compose);
    assert_eq!(replicas.len(), 2, "two hirewire replicas: {:?}", replicas.iter().map(|r| r.0).collect::<Vec<_>>());
    let mut node_ids = BTreeSet::new();
    let mut host_ports = BTreeSet::new();
    for (name, service) in &replicas {
        assert_eq!(service.get("image").and_then(Value::as_str), Some("hirewire:latest"), "{name}");
        let env =
            service.get("environment").and_then(Value::as_object).unwrap_or_else(|| panic!("{name}: environment"));
        let get =
            |key: &str| env.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("{name}: {key} is not set"));
        assert_eq!(get("HIREWIRE_DATABASE_URL"), "postgres://hirewire:hirewire@postgres:5432/hirewire", "{name}");
        assert_eq!(get("HIREWIRE_LISTEN"), "0.0.0.0:8080", "{name}");
        assert!(
            get("HIREWIRE_API_TOKEN").starts_with("${HIREWIRE_API_TOKEN"),
            "{name}: a non-loopback daemon needs a token"
        );
        assert!(["json", "text"].contains(&get("HIREWIRE_LOG_FORMAT")), "{name}");
        node_ids.insert(get("HIREWIRE_NODE_ID").to_owned());
        for dependency in ["postgres", "sandbox"] {
            assert_eq!(
                service.pointer(&format!("/depends_on/{dependency}/condition")).and_then(Value::as_str),
                Some("service_healthy"),
                "{name} waits for {dependency}"
            );
        }
        let volumes: Vec<&str> = service
            .get("volumes")
            .and_then(Value::as_array)
            .expect("volumes")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(volumes.contains(&"./recipes:/app/recipes:ro"), "{name}: {volumes:?}");
        assert!(volumes.contains(&"./hirewire.yaml:/app/hirewire.yaml:ro"), "{name}: {volumes:?}");
        let test: Vec<&str> = service
            .pointer("/healthcheck/test")
            .and_then(Value::as_array)
            .expect("healthcheck")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(test.iter().any(|t| t.ends_with(":8080/readyz")), "{name}: {test:?}");
        for port in service.get("ports").and_then(Value::as_array).expect("ports").iter().filter_map(Value::as_str) {
            assert!(
                host_ports.insert(port.split(':').next().unwrap_or_default().to_owned()),
                "{name}: host port {port} used twice"
            );
        }

        // Every variable of the example hirewire.yaml without a default is provided, and every
        // connection URL points at the sandbox service.
        let config = std::fs::read_to_string(workspace_root().join("hirewire.yaml")).expect("read hirewire.yaml");
        for (var, has_default) in variables(&config) {
            if var.ends_with("_BASE_URL") || var.ends_with("_AUTH_URL") || var == "PEOPLE_API_URL" {
                let value = get(&var);
                assert!(value.starts_with("http://sandbox:9000/"), "{name}: {var}={value} must point at the sandbox");
            } else if !has_default {
                assert!(env.contains_key(&var), "{name}: hirewire.yaml needs ${{{var}}}");
            }
        }
    }
    assert_eq!(node_ids.len(), 2, "each replica has its own node id: {node_ids:?}");
}

#[test]
fn dockerfile_builds_in_two_stages_and_runs_as_non_root_with_a_readyz_healthcheck() {
    let text = std::fs::read_to_string(workspace_root().join("Dockerfile")).expect("read Dockerfile");
    // Join continuation lines, drop comments.
    let joined = text.replace("\\\n", " ");
    let instructions: Vec<(String, String)> = joined
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (op, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (op.to_uppercase(), rest.trim().to_owned())
        })
        .collect();
    let stages: Vec<&String> = instructions.iter().filter(|(op, _)| op == "FROM").map(|(_, rest)| rest).collect();
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage: {stages:?}");
    assert!(stages[0].starts_with("rust:") && stages[0].ends_with(" AS build"), "{}", stages[0]);
    assert!(stages[1].contains("-slim") && stages[1].ends_with(" AS runtime"), "{}", stages[1]);
    let runtime_start = instructions.iter().rposition(|(op, _)| op == "FROM").expect("runtime stage");
    let runtime = &instructions[runtime_start..];
    let find = |op: &str| runtime.iter().filter(|(o, _)| o == op).map(|(_, rest)| rest.as_str()).collect::<Vec<_>>();
    assert!(
        find("COPY").iter().any(|c| c.starts_with("--from=build ")),
        "the runtime stage copies the binary from the build stage"
    );
    let users = find("USER");
    assert_eq!(users.len(), 1, "{users:?}");
    let user = users[0].split(':').next().unwrap_or_default();
    assert!(user != "root" && user != "0", "the runtime user must not be root: {user}");
    let healthcheck = find("HEALTHCHECK");
    assert!(healthcheck.len() == 1 && healthcheck[0].contains("http://127.0.0.1:8080/readyz"), "{healthcheck:?}");
    assert_eq!(find("EXPOSE"), vec!["8080"]);
    assert!(
        find("ENV").iter().any(|e| e.contains("HIREWIRE_LISTEN=0.0.0.0:8080")),
        "the image listens beyond loopback"
    );
    assert_eq!(find("ENTRYPOINT"), vec![r#"["hirewire"]"#]);
    assert!(
        instructions
            .iter()
            .any(|(op, rest)| op == "RUN" && rest.contains("cargo build --release --locked -p hirewire")),
        "the build stage builds the release binary from the lock file"
    );
}

#[test]
fn the_image_commands_exist_in_the_binary() {
    // What the Dockerfile and compose file run must be real flags of the binary.
    let binary = hirewire_tests::hirewire_binary();
    for args in [&["run", "--help"][..], &["sandbox", "--help"][..], &["nodes", "--help"][..]] {
        let output = std::process::Command::new(&binary).args(args).output().expect("run hirewire");
        assert!(output.status.success(), "hirewire {args:?} failed");
        let help = String::from_utf8_lossy(&output.stdout);
        let wanted: &[&str] = match args[0] {
            "run" => &["--dir", "HIREWIRE_LOG_FORMAT", "HIREWIRE_NODE_ID", "HIREWIRE_LEASE_SECS"],
            "sandbox" => &["--listen", "--public-url", "--seed"],
            _ => &["--within", "--json"],
        };
        for flag in wanted {
            assert!(help.contains(flag), "hirewire {args:?} does not mention {flag}:\n{help}");
        }
    }
}
