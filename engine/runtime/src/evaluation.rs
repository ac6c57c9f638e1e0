//! Evaluates recipe expressions off the async threads, with a time limit.
//!
//! The async threads also serve HTTP (webhook intake, `/healthz`, the API), so a recipe whose expression
//! takes long must not run on them: every `key:` (at intake), `if:`, `when:`, `with:` and `for_each:` is
//! evaluated on the blocking pool, at most [`concurrent_evaluations`] at a time, and a run waits at most
//! [`EVALUATION_TIME_LIMIT`] for one. The fuel and size limits of the expression engine stop nearly every
//! runaway expression in microseconds; the time limit is for the few operations that learn their cost only
//! after doing it. An evaluation past its limit fails the step; its thread finishes on its own (fuel bounds
//! it) while holding its slot, so runaways cannot pile up.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hirewire_core::expr::{ExprEngine, ExprError, Scope, Template, TemplateNode};
use tokio::sync::Semaphore;

/// The longest a run waits for one expression.
pub const EVALUATION_TIME_LIMIT: Duration = Duration::from_secs(2);

/// How many expressions evaluate at once (one per core, at least two).
fn concurrent_evaluations() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

fn slots() -> Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS.get_or_init(|| Arc::new(Semaphore::new(concurrent_evaluations()))).clone()
}

/// Evaluates `template` in `scope` with `evaluate` on the blocking pool, within [`EVALUATION_TIME_LIMIT`]; a
/// template that cannot take long (see [`is_lookup_only`]) is evaluated here, without the thread hand-off.
pub(crate) async fn off_thread<T: Send + 'static>(
    engine: &Arc<ExprEngine>,
    template: &Template,
    scope: &Scope,
    evaluate: fn(&ExprEngine, &Template, &Scope) -> Result<T, ExprError>,
) -> Result<T, ExprError> {
    if is_lookup_only(&template.node) {
        return evaluate(engine, template, scope);
    }
    off_thread_within(engine, template, scope, evaluate, EVALUATION_TIME_LIMIT).await
}

/// Whether `node` only holds literals and `{{ path }}` lookups (`trigger.candidate.emails[0].value`): no
/// operator, filter, call or loop, so its cost is one lookup per path and the size checks of its result.
fn is_lookup_only(node: &TemplateNode) -> bool {
    match node {
        TemplateNode::Literal(_) => true,
        TemplateNode::Expression(expr) => is_path(expr.trim()),
        TemplateNode::Text(_) => false,
        TemplateNode::List(items) => items.iter().all(is_lookup_only),
        TemplateNode::Object(fields) => fields.iter().all(|(_, node)| is_lookup_only(node)),
    }
}

/// `name(.name | [digits])*`.
fn is_path(expr: &str) -> bool {
    let mut segments = expr.split('.');
    let name = |s: &str| {
        let s = s.split_once('[').map_or(s, |(head, _)| head);
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let indexes = |s: &str| {
        s.find('[').is_none_or(|at| {
            s[at..].split_inclusive(']').all(|ix| {
                ix.strip_prefix('[')
                    .and_then(|i| i.strip_suffix(']'))
                    .is_some_and(|i| !i.is_empty() && i.chars().all(|c| c.is_ascii_digit()))
            })
        })
    };
    segments.all(|s| name(s) && indexes(s))
}

/// Like [`off_thread`], but the time limit also covers waiting for an evaluation slot: for intake (business
/// keys), where a webhook's acknowledgement waits on the answer and must not queue behind other recipes'
/// slow expressions.
pub(crate) async fn off_thread_without_queueing<T: Send + 'static>(
    engine: &Arc<ExprEngine>,
    template: &Template,
    scope: &Scope,
    evaluate: fn(&ExprEngine, &Template, &Scope) -> Result<T, ExprError>,
) -> Result<T, ExprError> {
    match tokio::time::timeout(EVALUATION_TIME_LIMIT, off_thread(engine, template, scope, evaluate)).await {
        Ok(result) => result,
        Err(_) => Err(ExprError {
            origin: template.origin.clone(),
            field: String::new(),
            message: format!(
                "no answer within {} ms: every expression slot is busy with slow expressions",
                EVALUATION_TIME_LIMIT.as_millis()
            ),
        }),
    }
}

async fn off_thread_within<T: Send + 'static>(
    engine: &Arc<ExprEngine>,
    template: &Template,
    scope: &Scope,
    evaluate: fn(&ExprEngine, &Template, &Scope) -> Result<T, ExprError>,
    limit: Duration,
) -> Result<T, ExprError> {
    let failure = |message: String| ExprError { origin: template.origin.clone(), field: String::new(), message };
    let slot = slots().acquire_owned().await.map_err(|_| failure("the expression pool is closed".to_owned()))?;
    let (engine, owned_template, owned_scope) = (engine.clone(), template.clone(), scope.clone());
    let task = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        evaluate(&engine, &owned_template, &owned_scope)
    });
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(join_error)) => Err(failure(format!("evaluating the expression failed: {join_error}"))),
        Err(_) => Err(failure(format!(
            "evaluation took longer than the limit of {} ms per expression; work on a smaller part of the data",
            limit.as_millis()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use hirewire_core::expr::TemplateNode;
    use serde_json::json;

    use super::*;

    fn template(source: &str) -> Template {
        Template::new("step `t`, `with`", TemplateNode::from_string(source))
    }

    #[test]
    fn only_literals_and_plain_paths_skip_the_pool() {
        for cheap in ["{{ trigger.n }}", "{{ trigger.emails[0].value }}", "{{ steps.employee.id }}", "plain", "7"] {
            assert!(is_lookup_only(&TemplateNode::from_string(cheap)), "{cheap}");
        }
        for costly in [
            "{{ trigger.n * 21 }}",
            "{{ trigger.tags | join(',') }}",
            "{{ [1] * 100 }}",
            "{{ trigger.x() }}",
            "{{ trigger['a'] }}",
            "{{ trigger.a[i] }}",
            "{{ trigger.a[] }}",
            "{{ 1a }}",
            "hello {{ trigger.n }}",
            "{{ range(10) }}",
        ] {
            assert!(!is_lookup_only(&TemplateNode::from_string(costly)), "{costly}");
        }
    }

    #[tokio::test]
    async fn evaluates_on_the_blocking_pool() {
        let engine = Arc::new(ExprEngine::new());
        let scope = Scope::new(&json!({ "n": 2 }), &json!({}));
        let value = off_thread(&engine, &template("{{ trigger.n * 21 }}"), &scope, ExprEngine::render_value).await;
        assert_eq!(value.unwrap(), json!(42));
        let err = off_thread(&engine, &template("{{ trigger.nope }}"), &scope, ExprEngine::render_value).await;
        assert_eq!(err.unwrap_err().to_string(), "step `t`, `with`: `trigger.nope` is undefined");
    }

    /// A slow expression neither blocks the (single) async thread that serves everything else, nor holds
    /// the run beyond the time limit.
    #[tokio::test(flavor = "current_thread")]
    async fn a_slow_expression_leaves_the_async_thread_free_and_times_out() {
        let engine = Arc::new(ExprEngine::new());
        let ticks = Arc::new(AtomicU32::new(0));
        let ticker = tokio::spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        // Turning a lazy repetition of ten million items into text costs real time (no fuel is charged
        // before the text exists).
        let slow = template("{{ ('' ~ [1] * 10000000) | length }}");
        let limit = Duration::from_millis(100);
        let err = off_thread_within(&engine, &slow, &Scope::default(), ExprEngine::render_value, limit).await;
        let err = err.unwrap_err();
        assert_eq!(
            err.message,
            "evaluation took longer than the limit of 100 ms per expression; work on a smaller part of the data"
        );
        assert!(ticks.load(Ordering::Relaxed) >= 5, "the async thread was blocked: {ticks:?}");
        ticker.abort();
    }

    /// Intake does not queue behind other recipes' slow expressions: with every slot taken, a business key
    /// gives up within the time limit instead of holding the webhook's acknowledgement.
    #[tokio::test]
    async fn intake_gives_up_when_every_slot_is_busy() {
        let engine = Arc::new(ExprEngine::new());
        let all = u32::try_from(concurrent_evaluations()).expect("few slots");
        let held = slots().acquire_many_owned(all).await.expect("the slots");
        let started = std::time::Instant::now();
        let key = template("{{ 1 + 1 }}");
        let err = off_thread_without_queueing(&engine, &key, &Scope::default(), ExprEngine::render_value).await;
        assert_eq!(
            err.unwrap_err().message,
            "no answer within 2000 ms: every expression slot is busy with slow expressions"
        );
        assert!(started.elapsed() < EVALUATION_TIME_LIMIT * 2, "gave up in time: {:?}", started.elapsed());
        drop(held);
        let value = off_thread_without_queueing(&engine, &key, &Scope::default(), ExprEngine::render_value).await;
        assert_eq!(value.unwrap(), json!(2), "answers once a slot is free");
    }
}
