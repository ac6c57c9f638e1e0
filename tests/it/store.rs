//! The run store's behaviour, each test run against SQLite (a temp file) and Postgres (a fresh database on
//! the local server): queue, de-duplication, triggers, history, retention and privacy.

mod cli;
mod history;
mod maintenance;
mod queue;
mod steps;
mod triggers;

use std::future::Future;
use std::path::PathBuf;

use hirewire_store::testing::TestDatabase;
use hirewire_store::{NewRun, Store};
use serde_json::{Value, json};

/// Defines `<name>::sqlite` and `<name>::postgres`, each calling `<name>(Store, Backend)` on a fresh
/// database of that backend (`Backend::Sqlite(path)` carries the database file for size and content checks).
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let database = hirewire_store::testing::TestDatabase::sqlite().expect("temp sqlite");
                    crate::store::run_on(database, super::$name).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    let database =
                        hirewire_store::testing::TestDatabase::postgres().await.expect("test postgres database");
                    crate::store::run_on(database, super::$name).await;
                }
            }
        )+
    };
}
pub(crate) use on_both_backends;

/// Which backend a test body runs on.
#[derive(Debug, Clone)]
pub(crate) enum Backend {
    /// SQLite, with the database file.
    Sqlite(PathBuf),
    /// Postgres.
    Postgres,
}

/// Opens `database`, runs `body` in its own task, closes, and drops the database even when `body` panics
/// (the panic is then re-raised).
pub(crate) async fn run_on<F, Fut>(database: TestDatabase, body: F)
where
    F: FnOnce(Store, Backend) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = Store::open(&database.url).await.expect("open and migrate the store");
    let backend = database.sqlite_path.clone().map_or(Backend::Postgres, Backend::Sqlite);
    let outcome = tokio::spawn(body(store.clone(), backend)).await;
    store.close().await;
    database.drop_database().await.expect("drop the test database");
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("test task failed: {error}"),
        }
    }
}

/// A `candidate_hired` run of `recipe` for application `application_id` of candidate `candidate_id`, with a
/// realistic payload carrying the candidate's name and email.
pub(crate) fn hired_run(recipe: &str, candidate_id: u64, application_id: u64) -> NewRun {
    NewRun::new(recipe, "v1", "candidate_hired", hired_payload(candidate_id, application_id))
        .with_event_id(format!("hire_candidate:{application_id}"))
        .with_candidate_id(candidate_id.to_string())
        .with_application_id(application_id.to_string())
        .with_job_id("4010")
}

/// A `candidate_hired` trigger output.
pub(crate) fn hired_payload(candidate_id: u64, application_id: u64) -> Value {
    json!({
        "candidate": {
            "id": candidate_id,
            "first_name": format!("Ada{candidate_id}"),
            "last_name": "Lovelace",
            "emails": [{"value": format!("ada{candidate_id}@example.com"), "type": "personal"}],
            "phone_numbers": [{"value": "+44 20 7946 0000", "type": "mobile"}],
        },
        "application": {"id": application_id, "status": "hired"},
        "job": {"id": 4010, "name": "Engineer"},
        "offer": {"starts_on": "2026-12-01"},
    })
}
