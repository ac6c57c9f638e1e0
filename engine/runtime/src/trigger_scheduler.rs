//! The trigger scheduler: polls connector triggers on their `every:`/`cron:`
//! schedule (one node at a time, under a lease) and fires clock triggers once
//! per tick cluster-wide. A poll's cursor advances in the same transaction
//! that records its runs.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hirewire_core::expr::ExprEngine;
use hirewire_core::recipe::{Delivery, Recipe, Schedule, Trigger};
use hirewire_sdk::{ActionError, PollRequest};
use hirewire_store::{NewRun, PollOutcome, Store, StoreError};
use serde_json::json;
use tokio::sync::{Semaphore, watch};

use crate::connections::Connections;
use crate::intake::{new_run_for_event, trigger_identity};
use crate::metric_definitions::{POLL_LAG_SECONDS, RUNS_RECORDED_TOTAL};
use crate::notify::{Reach, Wakeup};
use crate::recipe_book::RecipeBook;

/// Default poll interval of `delivery: poll` without `every:`/`cron:`.
pub const DEFAULT_POLL_EVERY: Duration = Duration::from_secs(60);
/// Default interval of the reconciling poll of `delivery: auto`.
pub const DEFAULT_RECONCILE_EVERY: Duration = Duration::from_secs(300);
/// Scheduled polls in flight at once on this node. Recipes with the same interval fall due on the same tick
/// (100 recipes polling every minute all start together); unbounded, each tick opened 100 connections and
/// buffers at once, which stayed in the heap and the HTTP pool. The rest wait for a slot: a few
/// milliseconds per poll, far below any poll interval.
pub const MAX_CONCURRENT_POLLS: usize = 8;
/// When a poll's schedule cannot say when it is next due, it is looked at again after this.
pub const FALLBACK_POLL_AGAIN: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Why a poll or a clock tick failed (nothing is lost: the cursor did not move, the tick fires later).
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// The recipe's trigger names a connection that `hirewire.yaml` does not configure.
    #[error("connection `{0}` is not configured")]
    ConnectionNotConfigured(String),
    /// The connector's poll failed.
    #[error("{connector}.{event}: {source}")]
    Poll {
        /// The connector polled.
        connector: String,
        /// The trigger event polled.
        event: String,
        /// What the connector said.
        #[source]
        source: ActionError,
    },
    /// The run history could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The clock trigger's schedule has no next tick.
    #[error("the schedule never fires")]
    NeverFires,
    /// The clock trigger's schedule has no tick after the one that just fired.
    #[error("the schedule never fires again")]
    NeverFiresAgain,
}

/// What the scheduler needs.
#[derive(Clone)]
pub struct TriggerScheduler {
    /// The run history.
    pub store: Store,
    /// Loaded recipes.
    pub recipes: RecipeBook,
    /// Live connections.
    pub connections: Connections,
    /// The expression engine (business keys).
    pub expr: Arc<ExprEngine>,
    /// This node's id.
    pub node: String,
    /// Wakes the workers when runs were recorded.
    pub wake: Wakeup,
    /// How long one node keeps a trigger's poll lease.
    pub poll_lease: Duration,
}

/// When each trigger is next due on this node.
#[derive(Default)]
struct DueTimes {
    next: HashMap<String, DateTime<Utc>>,
    polling: HashSet<String>,
}

impl TriggerScheduler {
    /// Ticks every `tick` until `shutdown` turns true.
    pub async fn run(self, tick: Duration, mut shutdown: watch::Receiver<bool>) {
        let due = Arc::new(Mutex::new(DueTimes::default()));
        let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_POLLS));
        loop {
            if *shutdown.borrow() {
                break;
            }
            self.tick(&due, &slots).await;
            tokio::select! {
                () = tokio::time::sleep(tick) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn tick(&self, due: &Arc<Mutex<DueTimes>>, slots: &Arc<Semaphore>) {
        let now = Utc::now();
        for recipe in self.recipes.all_current() {
            if !recipe.enabled {
                continue;
            }
            let key = format!("{}\u{1f}{}", recipe.name, trigger_identity(&recipe));
            match &recipe.trigger {
                Trigger::Connector(t) => {
                    let every = match t.delivery {
                        Delivery::Webhook => continue,
                        Delivery::Poll => t.poll.clone().unwrap_or(Schedule::Every(DEFAULT_POLL_EVERY)),
                        Delivery::Auto => t.poll.clone().unwrap_or(Schedule::Every(DEFAULT_RECONCILE_EVERY)),
                    };
                    {
                        let mut d = due.lock().expect("due lock");
                        if d.polling.contains(&key) || d.next.get(&key).is_some_and(|at| *at > now) {
                            continue;
                        }
                        d.polling.insert(key.clone());
                        let next = every.next_after(now).unwrap_or(now + FALLBACK_POLL_AGAIN);
                        d.next.insert(key.clone(), next);
                    }
                    let this = self.clone();
                    let due = due.clone();
                    let slots = slots.clone();
                    tokio::spawn(async move {
                        // The semaphore is never closed; a poll without a slot would still be correct.
                        let _slot = slots.acquire_owned().await.ok();
                        // Boxed: the poll's future (~16 KB) is allocated only once it has a slot, not by every
                        // task waiting for one (100 recipes falling due at once held ~1.5 MB).
                        if let Err(e) = Box::pin(this.poll_trigger(&recipe)).await {
                            tracing::warn!(recipe = %recipe.name, error = %e, "poll failed; will try again on schedule");
                        }
                        due.lock().expect("due lock").polling.remove(&key);
                    });
                }
                Trigger::Clock(clock) => {
                    if due.lock().expect("due lock").next.get(&key).is_some_and(|at| *at > now) {
                        continue;
                    }
                    match self.fire_clock(&recipe, &clock.schedule, now).await {
                        Ok(next) => {
                            due.lock().expect("due lock").next.insert(key, next);
                        }
                        Err(e) => tracing::warn!(recipe = %recipe.name, error = %e, "schedule tick failed"),
                    }
                }
            }
        }
    }

    /// Polls one recipe's trigger until the connector says nothing more is waiting.
    ///
    /// # Errors
    /// A store or connector failure (the cursor did not move; nothing is lost).
    pub async fn poll_trigger(&self, recipe: &Recipe) -> Result<usize, SchedulerError> {
        let Trigger::Connector(t) = &recipe.trigger else { return Ok(0) };
        let identity = trigger_identity(recipe);
        let live = self
            .connections
            .get(&t.connection)
            .ok_or_else(|| SchedulerError::ConnectionNotConfigured(t.connection.clone()))?;
        let mut state = self.store.ensure_trigger_state(&recipe.name, &identity, None, None).await?;
        if !self.store.try_lease_trigger(&recipe.name, &identity, &self.node, self.poll_lease).await? {
            return Ok(0);
        }
        let since = t.since.unwrap_or_else(Utc::now);
        let mut recorded = 0;
        let result = loop {
            let request = PollRequest {
                trigger: t.event.clone(),
                params: t.params.clone(),
                cursor: state.cursor.clone(),
                since,
                now: Utc::now(),
            };
            let batch = match live.connection.poll(request).await {
                Ok(batch) => batch,
                Err(source) => {
                    break Err(SchedulerError::Poll { connector: t.connector.clone(), event: t.event.clone(), source });
                }
            };
            let mut runs: Vec<NewRun> = Vec::with_capacity(batch.events.len());
            for event in &batch.events {
                runs.push(new_run_for_event(recipe, event, &self.expr).await);
            }
            match self.store.record_poll(&recipe.name, &identity, state.cursor.as_ref(), &batch.cursor, &runs).await? {
                PollOutcome::CursorMoved => break Ok(()),
                PollOutcome::Recorded(outcomes) => {
                    let new = outcomes.iter().filter(|o| o.run_id().is_some()).count();
                    recorded += new;
                    if new > 0 {
                        metrics::counter!(RUNS_RECORDED_TOTAL, "recipe" => recipe.name.clone(), "source" => "poll")
                            .increment(new as u64);
                        self.wake.runs_waiting(Reach::ThisNode).await;
                    }
                }
            }
            metrics::gauge!(POLL_LAG_SECONDS, "recipe" => recipe.name.clone()).set(0.0);
            state.cursor = Some(batch.cursor);
            if !batch.more {
                break Ok(());
            }
            // Keep the lease while paging through a backlog.
            let _ = self.store.try_lease_trigger(&recipe.name, &identity, &self.node, self.poll_lease).await;
        };
        let _ = self.store.release_trigger_lease(&recipe.name, &identity, &self.node).await;
        result.map(|()| recorded)
    }

    /// Fires a clock trigger's due tick (once cluster-wide); returns when to look again.
    async fn fire_clock(
        &self,
        recipe: &Recipe,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, SchedulerError> {
        let identity = trigger_identity(recipe);
        let first = schedule.next_after(now).ok_or(SchedulerError::NeverFires)?;
        let state = self.store.ensure_trigger_state(&recipe.name, &identity, None, Some(first)).await?;
        let Some(due) = state.next_fire_at else {
            self.store.set_next_fire_at(&recipe.name, &identity, first).await?;
            return Ok(first);
        };
        if due > now {
            return Ok(due);
        }
        // A tick missed while every node was down fires once; the next one is computed from now.
        let next = schedule.next_after(now.max(due)).ok_or(SchedulerError::NeverFiresAgain)?;
        let payload = json!({ "scheduled_at": due.to_rfc3339(), "fired_at": now.to_rfc3339() });
        let run = NewRun::new(&recipe.name, &recipe.version, "schedule", payload).with_event_at(due);
        if self.store.try_fire_cron(&recipe.name, &identity, due, next, &run).await? {
            metrics::counter!(RUNS_RECORDED_TOTAL, "recipe" => recipe.name.clone(), "source" => "schedule")
                .increment(1);
            self.wake.runs_waiting(Reach::Cluster).await;
        }
        Ok(next)
    }
}
