//! Step writes of one run held back to ride with the run's next write (one commit instead of two).
//!
//! A step's end is not needed durably before the next write: if the node dies first, the step's start record
//! makes the next attempt send it again under the same idempotency key, exactly as when the node dies between
//! the send and recording its end. Every write that comes next (a step's start, before its send; the run's
//! end or its reschedule) carries the held writes in its own transaction, so a step's end is always durable
//! before the next step sends anything.

use std::sync::Mutex;

use hirewire_store::StepWrite;

/// The held step writes of one run, in order.
#[derive(Debug, Default)]
pub(super) struct PendingSteps(Mutex<Vec<StepWrite>>);

impl PendingSteps {
    /// Holds `write` until the run's next write.
    pub(super) fn hold(&self, write: StepWrite) {
        self.lock().push(write);
    }

    /// The held writes followed by `next`, emptying the hold.
    pub(super) fn take_with(&self, next: Option<StepWrite>) -> Vec<StepWrite> {
        let mut writes = std::mem::take(&mut *self.lock());
        writes.extend(next);
        writes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<StepWrite>> {
        // A panic while holding the lock leaves a consistent Vec (push and take do not panic midway).
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
