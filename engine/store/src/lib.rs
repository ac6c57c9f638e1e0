//! hirewire-store: the run history, which is also the work queue.
