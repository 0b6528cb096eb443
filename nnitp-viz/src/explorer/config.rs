//! The settings of an [`Explorer`](super::Explorer) server.

use std::time::Duration;

/// Settings of the explorer's server: which host names it answers to, how
/// long a client may take to send a request, how many connections it holds,
/// and the memory budget of a loaded model's activations. Build with `new`
/// and the `with_*` methods.
#[derive(Clone, Debug, PartialEq)]
pub struct ExplorerConfig {
    /// Host names answered besides `localhost`, `127.0.0.1`, `[::1]` and the
    /// address the server is bound to (e.g. a machine's name on a LAN).
    pub(crate) hosts: Vec<String>,
    /// The time a client has to send one whole request (line, headers and
    /// body); a client stalling longer is answered 408 and disconnected.
    pub(crate) request_timeout: Duration,
    /// Connections served at once; more are answered 503 at once.
    pub(crate) max_connections: usize,
    /// The most bytes of activations a loaded model holds (`None`: no limit);
    /// the layers used least recently are dropped beyond it.
    pub(crate) memory_budget: Option<usize>,
}

impl ExplorerConfig {
    /// Defaults: loopback names only, 10 s per request, 32 connections, a
    /// memory budget of 2 GiB.
    pub fn new() -> Self {
        ExplorerConfig {
            hosts: Vec::new(),
            request_timeout: Duration::from_secs(10),
            max_connections: 32,
            memory_budget: Some(2 << 30),
        }
    }

    /// Also answers requests for host name `host` (without port).
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.hosts.push(host.into().to_ascii_lowercase());
        self
    }

    /// Sets the time a client has to send one request.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the number of connections served at once (at least 1).
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Sets the memory budget of a loaded model's activations.
    pub fn with_memory_budget(mut self, bytes: Option<usize>) -> Self {
        self.memory_budget = bytes;
        self
    }
}

impl Default for ExplorerConfig {
    fn default() -> Self {
        Self::new()
    }
}
