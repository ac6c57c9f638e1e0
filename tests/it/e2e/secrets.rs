//! Secrets never leak from a real `hirewire run` process (in progress).
