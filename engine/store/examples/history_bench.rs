//! Runs the `history` benchmark on SQLite and Postgres and prints the figures and query plans.
//!
//! `cargo run --release -p hirewire-store --example history_bench -- [--runs N] [--repetitions N]
//!  [--sqlite URL|skip] [--postgres URL|skip]`. Without a URL it uses a temporary SQLite file and a fresh
//! Postgres database on `HIREWIRE_TEST_POSTGRES_URL` (default: the local server), dropped afterwards.

use std::process::ExitCode;

use hirewire_store::Store;
use hirewire_store::bench::{HistoryBenchOptions, history};
use hirewire_store::testing::TestDatabase;

#[tokio::main]
async fn main() -> ExitCode {
    let mut options = HistoryBenchOptions::default();
    let (mut sqlite, mut postgres) = (None::<String>, None::<String>);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        let parsed = match flag.as_str() {
            "--runs" => value.parse().map(|n| options.runs = n).is_ok(),
            "--repetitions" => value.parse().map(|n| options.repetitions = n).is_ok(),
            "--sqlite" => {
                sqlite = Some(value);
                true
            }
            "--postgres" => {
                postgres = Some(value);
                true
            }
            _ => false,
        };
        if !parsed {
            eprintln!("usage: history_bench [--runs N] [--repetitions N] [--sqlite URL|skip] [--postgres URL|skip]");
            return ExitCode::from(2);
        }
    }
    for (backend, url) in [("sqlite", sqlite), ("postgres", postgres)] {
        if url.as_deref() == Some("skip") {
            continue;
        }
        let temporary = match (&url, backend) {
            (Some(_), _) => None,
            (None, "sqlite") => Some(TestDatabase::sqlite()),
            (None, _) => Some(TestDatabase::postgres().await),
        };
        let (url, temporary) = match temporary {
            None => (url.unwrap_or_default(), None),
            Some(Ok(database)) => (database.url.clone(), Some(database)),
            Some(Err(e)) => {
                eprintln!("{backend}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let outcome = match Store::open(&url).await {
            Ok(store) => {
                let report = history(&store, &options).await;
                store.close().await;
                report
            }
            Err(e) => Err(e),
        };
        if let Some(database) = temporary
            && let Err(e) = database.drop_database().await
        {
            eprintln!("{backend}: dropping the benchmark database: {e}");
        }
        match outcome {
            Ok(report) => println!("{report}"),
            Err(e) => {
                eprintln!("{backend}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
