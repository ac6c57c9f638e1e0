//! A router served on a loopback port, for tests of fakes and of code that calls them.

use std::net::SocketAddr;

use axum::Router;

/// A fake served on a loopback port, for tests. Dropping it stops the server.
pub struct TestServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    handle: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves `router` on `127.0.0.1:0`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start(router: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        Self::serve(listener, router)
    }

    /// Serves `router` on an already bound `listener` (when the router must know its own address).
    ///
    /// # Panics
    /// When the listener has no local address.
    #[must_use]
    pub fn serve(listener: tokio::net::TcpListener, router: Router) -> Self {
        let addr = listener.local_addr().expect("local addr");
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { addr, handle }
    }
    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
