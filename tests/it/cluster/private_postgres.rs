//! A private Postgres cluster for the failure tests: `initdb` into a temp dir, served on
//! its own port as the `postgres` OS user, restartable without disturbing the shared server,
//! and stopped when dropped (also when a test panics).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A Postgres cluster that lives as long as this value.
pub struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    /// Creates and starts a cluster, or `None` (with the reason printed) when Postgres
    /// binaries or the `postgres` OS user are missing on this machine.
    ///
    /// # Panics
    /// When `initdb` or `pg_ctl start` fails.
    pub fn start() -> Option<Self> {
        let Some(bin) = postgres_bin_dir() else {
            eprintln!("skipping: no /usr/lib/postgresql/*/bin/initdb on this machine");
            return None;
        };
        let dir = tempfile::Builder::new().prefix("hirewire-pg-").tempdir().expect("temp dir");
        let chown = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status();
        if !chown.is_ok_and(|s| s.success()) {
            eprintln!("skipping: cannot hand {} to the postgres OS user", dir.path().display());
            return None;
        }
        let port = super::processes::free_port();
        let cluster = Self { dir, bin, port };
        let data = cluster.data_dir();
        let init = cluster.as_postgres(
            &cluster.bin.join("initdb"),
            &["-D", path_str(&data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
        );
        assert!(init.status.success(), "initdb failed: {}", String::from_utf8_lossy(&init.stderr));
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200",
            path_str(cluster.dir.path())
        );
        let log = cluster.dir.path().join("postgres.log");
        let start =
            cluster.pg_ctl(&["-D", path_str(&data), "-o", &options, "-l", path_str(&log), "-w", "-t", "60", "start"]);
        assert!(
            start.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&start.stderr),
            cluster.log_tail()
        );
        Some(cluster)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Restarts the server (every connection is cut), waiting until it accepts connections again.
    ///
    /// # Panics
    /// When `pg_ctl restart` fails.
    pub fn restart(&self) {
        let data = self.data_dir();
        // `-l` again: without it the new server would write to (and hold open) our output pipe.
        let log = self.dir.path().join("postgres.log");
        let out =
            self.pg_ctl(&["-D", path_str(&data), "-l", path_str(&log), "-m", "fast", "-w", "-t", "60", "restart"]);
        assert!(
            out.status.success(),
            "pg_ctl restart failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log_tail()
        );
    }

    /// The last lines of the server log (for failure messages).
    #[must_use]
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        self.as_postgres(&self.bin.join("pg_ctl"), args)
    }

    fn as_postgres(&self, program: &Path, args: &[&str]) -> Output {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run a Postgres tool as the postgres user")
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.data_dir();
        let _ = self.pg_ctl(&["-D", path_str(&data), "-m", "immediate", "-w", "stop"]);
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`.
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}
