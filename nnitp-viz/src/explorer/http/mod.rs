//! The HTTP side of the explorer: a small HTTP/1.1 server on the standard
//! library (one thread per connection, at most
//! [`ExplorerConfig::max_connections`] at once, each request read within
//! [`ExplorerConfig::request_timeout`]), the page's fixed files, and the API.

mod guard;
mod request;
mod response;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::api::{Reply, State};
use super::assets;
use super::config::ExplorerConfig;
use super::status::Status;
use super::SharedCatalog;
use guard::Hosts;
pub(crate) use request::Method;
use request::{read_request, ReadError, Request};
use response::{send, Response};

/// A bound explorer server.
pub struct Explorer {
    listener: Arc<TcpListener>,
    state: Arc<State>,
    addr: SocketAddr,
    hosts: Arc<Hosts>,
    config: ExplorerConfig,
    stopping: Arc<AtomicBool>,
    active: Arc<AtomicUsize>,
}

impl Explorer {
    /// Binds the explorer to `addr` (e.g. `127.0.0.1:8000`; port 0 picks a
    /// free one) with the default [`ExplorerConfig`].
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn bind(addr: &str, catalog: SharedCatalog) -> std::io::Result<Explorer> {
        Self::bind_with(addr, catalog, ExplorerConfig::new())
    }

    /// Binds the explorer to `addr` with `config`.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn bind_with(
        addr: &str,
        catalog: SharedCatalog,
        config: ExplorerConfig,
    ) -> std::io::Result<Explorer> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        Ok(Explorer {
            listener: Arc::new(listener),
            state: Arc::new(State::new(catalog, config.memory_budget)),
            addr,
            hosts: Arc::new(Hosts::new(addr, &config.hosts)),
            config,
            stopping: Arc::new(AtomicBool::new(false)),
            active: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's address, e.g. `http://127.0.0.1:8000/`.
    pub fn url(&self) -> String {
        if self.addr.ip().is_unspecified() {
            format!("http://localhost:{}/", self.addr.port())
        } else {
            format!("http://{}/", self.addr)
        }
    }

    /// Serves connections on a thread of its own until [`Explorer::shutdown`]
    /// or the end of the process; returns the thread.
    pub fn spawn(&self) -> JoinHandle<()> {
        let listener = Arc::clone(&self.listener);
        let state = Arc::clone(&self.state);
        let hosts = Arc::clone(&self.hosts);
        let stopping = Arc::clone(&self.stopping);
        let active = Arc::clone(&self.active);
        let (timeout, max) = (self.config.request_timeout, self.config.max_connections);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut stream) = stream else { continue };
                if active.load(Ordering::SeqCst) >= max {
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
                    send(
                        &mut stream,
                        &Response::error(
                            Status::ServiceUnavailable,
                            "too many connections; try again",
                        ),
                    );
                    continue;
                }
                active.fetch_add(1, Ordering::SeqCst);
                let connection = Connection {
                    state: Arc::clone(&state),
                    hosts: Arc::clone(&hosts),
                    active: Arc::clone(&active),
                    timeout,
                };
                std::thread::spawn(move || connection.serve(stream));
            }
        })
    }

    /// Serves requests until the process ends.
    pub fn run(self) {
        let _ = self.spawn().join();
    }

    /// Stops accepting connections; the serving thread ends.
    pub fn shutdown(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
    }
}

/// One client connection: one request, one response.
struct Connection {
    state: Arc<State>,
    hosts: Arc<Hosts>,
    active: Arc<AtomicUsize>,
    timeout: Duration,
}

impl Connection {
    fn serve(self, mut stream: TcpStream) {
        let _ = stream.set_write_timeout(Some(self.timeout));
        let response = match read_request(&mut stream, self.timeout) {
            Err(ReadError::Gone) => None,
            Err(ReadError::Refused { status, message }) => Some(Response::error(status, message)),
            Ok(request) => Some(match guard::refusal(&self.hosts, &request) {
                Some((status, message)) => Response::error(status, message),
                None => answer(&self.state, &request),
            }),
        };
        if let Some(r) = response {
            send(&mut stream, &r);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The page's files for `GET`, else the API.
fn answer(state: &State, r: &Request) -> Response {
    if let Some((content_type, bytes)) = assets::file(&r.path) {
        return if r.method == Method::Get {
            Response {
                status: Status::Ok,
                content_type,
                body: bytes.to_vec(),
                headers: Vec::new(),
            }
        } else {
            not_allowed(Method::Get)
        };
    }
    let reply = catch_unwind(AssertUnwindSafe(|| {
        state.handle(r.method, &r.path, &r.query, &r.body)
    }))
    .unwrap_or_else(|_| {
        state.say("internal error: the request failed; the server goes on");
        Reply::Json(
            Status::InternalServerError,
            serde_json::json!({ "error": "internal error" }),
        )
    });
    match reply {
        Reply::Json(status, v) => Response::json(status, &v),
        Reply::Bytes(content_type, body) => Response {
            status: Status::Ok,
            content_type,
            body,
            // a picture opened on its own runs nothing and loads nothing
            headers: vec![(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; sandbox".to_string(),
            )],
        },
        Reply::NotAllowed(allow) => not_allowed(allow),
    }
}

fn not_allowed(allow: Method) -> Response {
    let name = allow.name();
    let mut r = Response::error(
        Status::MethodNotAllowed,
        &format!("method not allowed (allowed: {name})"),
    );
    r.headers.push(("Allow", name.to_string()));
    r
}
