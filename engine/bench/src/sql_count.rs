//! Counting the SQL statements the store executes: sqlx reports each one as a `sqlx::query`
//! tracing event at DEBUG, and [`counting_layer`] (a per-layer-filtered tracing layer, so it
//! composes with a quieter log layer) counts them in an atomic while counting is switched on.
//! Transaction control (BEGIN/COMMIT on SQLite) is issued by sqlx outside that log; commits are
//! counted separately (`hirewire_store::diagnostics`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::registry::LookupSpan;

/// The target of sqlx's per-statement events.
const SQLX_QUERY_TARGET: &str = "sqlx::query";

static COUNTING: AtomicBool = AtomicBool::new(false);
static STATEMENTS: AtomicU64 = AtomicU64::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Counts the events it is given.
#[derive(Debug, Default, Clone, Copy)]
struct StatementCounter;

impl<S: Subscriber> Layer<S> for StatementCounter {
    fn on_event(&self, _event: &Event<'_>, _cx: Context<'_, S>) {
        STATEMENTS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Lets through `sqlx::query` events while counting is on.
#[derive(Debug, Default, Clone, Copy)]
struct StatementFilter;

impl<S> Filter<S> for StatementFilter {
    fn enabled(&self, metadata: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        metadata.target() == SQLX_QUERY_TARGET && COUNTING.load(Ordering::Relaxed)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() == SQLX_QUERY_TARGET { Interest::sometimes() } else { Interest::never() }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::DEBUG)
    }
}

/// The layer that counts sqlx's statements; add it to the global subscriber, then call
/// [`mark_installed`].
#[must_use]
pub fn counting_layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    StatementCounter.with_filter(StatementFilter)
}

/// Records that the global subscriber holds [`counting_layer`] (the CLI installs it beside its log output).
pub fn mark_installed() {
    INSTALLED.store(true, Ordering::Relaxed);
}

/// Installs a global subscriber with only the counter when none is installed yet (e.g. in tests);
/// returns whether statements can be counted in this process.
pub fn ensure_installed() -> bool {
    if INSTALLED.load(Ordering::Relaxed) {
        return true;
    }
    use tracing_subscriber::layer::SubscriberExt as _;
    let subscriber = tracing_subscriber::registry().with(counting_layer());
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        mark_installed();
    }
    INSTALLED.load(Ordering::Relaxed)
}

/// Switches counting on or off.
pub fn set_counting(on: bool) {
    COUNTING.store(on, Ordering::Relaxed);
}

/// Statements counted so far.
#[must_use]
pub fn statements() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}
