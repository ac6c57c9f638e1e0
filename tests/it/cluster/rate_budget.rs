//! The Greenhouse rate budget shared across nodes: two connections with budgets of their own
//! (as on two nodes) against one fake, each told that two nodes are alive, pace themselves to
//! half the window each, so that together they never get a 429.

use std::sync::Arc;
use std::time::Duration;

use hirewire_sdk::fake::TestServer;
use hirewire_sdk::{ActionContext, ClusterView, Connection, ConnectionSettings, HttpClient};
use serde_json::{Value, json};

const CALLS_PER_NODE: usize = 12;
const LIMIT: u64 = 8;

fn node_connection(base: &str, cluster: &ClusterView) -> Arc<dyn Connection> {
    let registry = hirewire_connectors::all();
    let greenhouse = registry.iter().find(|d| d.name == "greenhouse").expect("greenhouse connector");
    (greenhouse.connect)(ConnectionSettings {
        name: "greenhouse".into(),
        config: json!({
            "environment": "sandbox",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "user_email": "recruiting-ops@acme.example",
            "base_url": format!("{base}/greenhouse"),
            "auth_url": format!("{base}/greenhouse/token"),
        }),
        http: HttpClient::new(Duration::from_secs(30)),
        cluster: cluster.clone(),
    })
    .expect("greenhouse connection")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_sharing_a_credential_stay_under_its_budget_together() {
    hirewire_sdk::http_client::install_crypto_provider();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let app =
        hirewire_runtime::sandbox::sandbox_app(&hirewire_connectors::all(), &format!("http://127.0.0.1:{port}"), 1);
    let server = TestServer::serve(listener, app);
    let http = reqwest::Client::new();
    let control = |path: &str, body: Value| {
        let request = http.post(format!("{}/greenhouse/_control{path}", server.url())).json(&body);
        async move { request.send().await.expect("control").json::<Value>().await.expect("control json") }
    };
    control("/settings", json!({"rate_limit": LIMIT, "window_secs": 1})).await;
    let job = control("/jobs", json!({"name": "Budget Engineer"})).await;
    let job_id = job.get("id").and_then(Value::as_i64).expect("job id");

    // Two spellings of one host: two process-wide budgets, as if on two nodes, one server window.
    let cluster = ClusterView::with_live_nodes(2);
    let nodes = [
        node_connection(&format!("http://127.0.0.1:{port}"), &cluster),
        node_connection(&format!("http://localhost:{port}"), &cluster),
    ];
    let mut calls = tokio::task::JoinSet::new();
    for (n, connection) in nodes.iter().enumerate() {
        for call in 0..CALLS_PER_NODE {
            let connection = connection.clone();
            calls.spawn(async move {
                let cx = ActionContext::ad_hoc(&format!("node{n}.call{call}"));
                connection.run_action("get_job", json!({"id": job_id}), &cx).await
            });
        }
    }
    let started = std::time::Instant::now();
    while let Some(result) = calls.join_next().await {
        let output = result.expect("call task").expect("get_job succeeds");
        assert_eq!(output.get("id").and_then(Value::as_i64), Some(job_id));
    }
    let elapsed = started.elapsed();
    let requests: Value = http
        .get(format!("{}/greenhouse/_control/requests", server.url()))
        .send()
        .await
        .expect("requests")
        .json()
        .await
        .expect("json");
    let throttled = requests.pointer("/counters/throttled").and_then(Value::as_u64);
    assert_eq!(throttled, Some(0), "the fake answered 429s: {}", requests.get("counters").unwrap_or(&Value::Null));
    // 24 calls at 8 per window need at least 3 windows: the budget was used, not dodged.
    assert!(elapsed >= Duration::from_millis(1500), "24 calls at {LIMIT}/s took only {elapsed:?}");
    println!("2 nodes x {CALLS_PER_NODE} calls at {LIMIT} requests/s shared: {elapsed:.1?}, 0 x 429");
}
