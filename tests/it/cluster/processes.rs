//! Real processes for the failure tests: the built `hirewire` binary as a sandbox and as
//! daemons, each with its output in a log file, killed (SIGKILL) or stopped (SIGTERM) on
//! purpose, and always killed when dropped so that a failing test leaves nothing behind.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound, then released for the process about to use it).
#[must_use]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().expect("addr").port()
}

/// A child process, killed when dropped.
pub struct Process {
    /// What it is (`sandbox`, `node-a`).
    pub name: String,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `binary args...` with `env`, its output going to `<logs>/<name>.log`, and waits until
    /// `GET <url><ready_path>` answers 200.
    ///
    /// # Panics
    /// When it cannot start or is not ready within 60 s (its log is shown).
    pub async fn start(
        binary: &Path,
        name: &str,
        args: &[String],
        env: &[(String, String)],
        port: u16,
        ready_path: &str,
        logs: &Path,
    ) -> Self {
        let log = logs.join(format!("{name}.log"));
        let out = File::options().create(true).append(true).open(&log).expect("open log file");
        let err = out.try_clone().expect("clone log file");
        let child = Command::new(binary)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env_remove("HIREWIRE_API_TOKEN")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        let mut process = Self { name: name.to_owned(), url: format!("http://127.0.0.1:{port}"), child, log };
        process.wait_ready(ready_path, Duration::from_secs(60)).await;
        process
    }

    async fn wait_ready(&mut self, path: &str, timeout: Duration) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited with {status} before it was ready:\n{}", self.name, self.log_tail());
            }
            let answer = http.get(format!("{}{path}", self.url)).timeout(Duration::from_secs(2)).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(Instant::now() < deadline, "{} not ready within {timeout:?}:\n{}", self.name, self.log_tail());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the process at once (SIGKILL): nothing is given back, its leases must expire.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the process gracefully (SIGTERM) and waits up to `timeout` for it to exit.
    ///
    /// # Panics
    /// When it does not exit in time or exits with a failure (its log is shown).
    pub async fn terminate(mut self, timeout: Duration) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "{} exited with {status} after SIGTERM:\n{}", self.name, self.log_tail());
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} still running {timeout:?} after SIGTERM:\n{}",
                self.name,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last lines of its output.
    #[must_use]
    pub fn log_tail(&self) -> String {
        log_tail(&self.log, 30)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last `lines` lines of a log file.
#[must_use]
pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    format!("--- {} ---\n{}", path.display(), all[all.len().saturating_sub(lines)..].join("\n"))
}
