//! Per-connection Postgres setup: Nagle's algorithm off on the connection's TCP socket.
//!
//! sqlx 0.9.0 no longer sets `TCP_NODELAY` on the sockets it opens (transact-rs/sqlx#4335). A message longer
//! than one TCP segment then leaves its tail in the kernel until the server acknowledges the first segment, and
//! the server delays that acknowledgement by up to 40 ms. Measured: the backfill's 64-row `INSERT`s (about
//! 100 KB, two segments on loopback) each waited 40 ms, 7.2 s for 10,000 hires instead of 0.4 s; over a network,
//! where a segment is about 1,448 bytes, a webhook's run payload of a few KB is enough. sqlx offers no hook on
//! the socket, so `after_connect` asks the server which client port it sees (`inet_client_port()`; `NULL` over
//! a Unix socket) and sets the option on this process's TCP socket bound to that port and connected to the
//! server's. Behind a proxy that rewrites the port, no socket matches and the connection keeps Nagle (logged).

use sqlx::postgres::PgConnection;

use super::sql;

/// Sets up a new Postgres connection of the store's pool.
pub(crate) async fn tune_connection(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let Some((client_port, server_port)) = ports_of(conn).await? else {
        return Ok(());
    };
    match with_socket_of(client_port, server_port, |socket| socket.set_tcp_nodelay(true)) {
        Ok(Some(())) => {}
        Ok(None) => tracing::debug!(client_port, "no local socket with the port the server sees; Nagle stays on"),
        Err(e) => tracing::warn!(error = %e, "could not turn Nagle's algorithm off on a Postgres connection"),
    }
    Ok(())
}

#[cfg(feature = "test-util")]
/// Whether Nagle's algorithm is off on `conn`'s socket; `None` over a Unix socket or when no local socket
/// matches.
///
/// # Errors
/// The query or the socket option could not be read.
pub(crate) async fn sends_without_delay(conn: &mut PgConnection) -> Result<Option<bool>, sqlx::Error> {
    let Some((client_port, server_port)) = ports_of(conn).await? else {
        return Ok(None);
    };
    with_socket_of(client_port, server_port, |socket| socket.tcp_nodelay()).map_err(sqlx::Error::Io)
}

/// The client and server ports of `conn` as the server sees them; `None` over a Unix socket.
async fn ports_of(conn: &mut PgConnection) -> Result<Option<(u16, u16)>, sqlx::Error> {
    let (client, server): (Option<i32>, Option<i32>) = sqlx::query_as(sql::CONNECTION_PORTS).fetch_one(conn).await?;
    Ok(client.zip(server).and_then(|(c, s)| u16::try_from(c).ok().zip(u16::try_from(s).ok())))
}

/// Runs `act` on this process's TCP socket whose local port is `client_port` and peer port `server_port`;
/// `None` when there is none.
#[cfg(target_os = "linux")]
fn with_socket_of<T>(
    client_port: u16,
    server_port: u16,
    act: impl Fn(&socket2::SockRef<'_>) -> std::io::Result<T>,
) -> std::io::Result<Option<T>> {
    use std::os::fd::{BorrowedFd, RawFd};

    let port_of = |addr: std::io::Result<socket2::SockAddr>| addr.ok().and_then(|a| a.as_socket()).map(|a| a.port());
    for entry in std::fs::read_dir("/proc/self/fd")?.flatten() {
        let is_socket =
            std::fs::read_link(entry.path()).is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let Some(fd) = entry.file_name().to_str().and_then(|name| name.parse::<RawFd>().ok()) else {
            continue;
        };
        if !is_socket {
            continue;
        }
        // SAFETY: `fd` was open as a socket a moment ago. It is only borrowed for the two address reads and one
        // socket option below, never closed; if another thread closed it meanwhile, the calls fail or touch
        // whatever socket reused the number, and only one that has the connection's two ports is changed.
        #[allow(unsafe_code)]
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        if port_of(socket.local_addr()) == Some(client_port) && port_of(socket.peer_addr()) == Some(server_port) {
            return act(&socket).map(Some);
        }
    }
    Ok(None)
}

/// Elsewhere the socket is not found; connections keep sqlx's defaults.
#[cfg(not(target_os = "linux"))]
fn with_socket_of<T>(
    _client_port: u16,
    _server_port: u16,
    _act: impl Fn(&socket2::SockRef<'_>) -> std::io::Result<T>,
) -> std::io::Result<Option<T>> {
    Ok(None)
}
