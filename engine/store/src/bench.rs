//! The `history` benchmark: fills a store with many runs and prints how fast `runs list` / `runs show` answer.
