//! The panic hook: a panic (a bug: a task of the daemon, a command) is logged through `tracing` like any other
//! error, so it comes out in the log's format (one JSON object per line with `--log-format json`) with where it
//! happened, instead of raw text on stderr. Before logging is set up the standard hook prints it.

use std::panic::PanicHookInfo;

use tracing::subscriber::NoSubscriber;

/// Installs the hook for the whole process.
pub fn install() {
    let standard = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if logging_is_set_up() {
            log_panic(info);
        } else {
            standard(info);
        }
    }));
}

fn logging_is_set_up() -> bool {
    tracing::dispatcher::get_default(|dispatch| !dispatch.is::<NoSubscriber>())
}

/// What the panic said (`panic!("...")` or a formatted message; something else for other payloads).
fn message_of<'a>(info: &'a PanicHookInfo<'_>) -> &'a str {
    let payload = info.payload();
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

fn log_panic(info: &PanicHookInfo<'_>) {
    let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
    let thread = std::thread::current();
    let thread = thread.name().unwrap_or("unnamed");
    let backtrace = std::backtrace::Backtrace::capture();
    if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
        tracing::error!(panic = message_of(info), %location, thread, %backtrace, "panicked (a bug; please report it)");
    } else {
        tracing::error!(panic = message_of(info), %location, thread, "panicked (a bug; please report it)");
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// A log destination the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_panic_is_one_json_log_line_with_its_message_and_location() {
        super::install();
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt().json().with_writer(move || writer.clone()).finish();
        let outcome = tracing::subscriber::with_default(subscriber, || {
            std::panic::catch_unwind(|| panic!("step table out of range: {}", 7))
        });
        assert!(outcome.is_err());
        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(lines[0]).expect("a JSON log line");
        assert_eq!(line["level"], "ERROR");
        assert_eq!(line["fields"]["panic"], "step table out of range: 7");
        assert!(line["fields"]["location"].as_str().is_some_and(|l| l.contains("panic_log.rs:")), "{line}");
    }
}
