//! The HTTP side of the explorer: a tiny_http server with a few worker threads,
//! the page's fixed files, and the API.

use std::io::Read;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;

use tiny_http::{Header, Method, Request, Response, Server};

use super::api::{Reply, State};
use super::assets;
use super::SharedCatalog;

/// Largest request body accepted, in bytes.
const MAX_BODY: usize = 1 << 20;
/// Worker threads: one computation at a time, the others answer status, files
/// and "busy".
const THREADS: usize = 4;

/// A bound explorer server.
pub struct Explorer {
    server: Arc<Server>,
    state: Arc<State>,
    addr: SocketAddr,
}

impl Explorer {
    /// Binds the explorer to `addr` (e.g. `127.0.0.1:8000`; port 0 picks a free one).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn bind(addr: &str, catalog: SharedCatalog) -> std::io::Result<Explorer> {
        let server = Server::http(addr).map_err(std::io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("not an IP address"))?;
        Ok(Explorer {
            server: Arc::new(server),
            state: Arc::new(State::new(catalog)),
            addr,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's address, e.g. `http://127.0.0.1:8000/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Serves requests on worker threads until the server is dropped or the
    /// process ends; returns the threads.
    pub fn spawn(&self) -> Vec<JoinHandle<()>> {
        (0..THREADS)
            .map(|_| {
                let server = Arc::clone(&self.server);
                let state = Arc::clone(&self.state);
                std::thread::spawn(move || {
                    while let Ok(request) = server.recv() {
                        serve(&state, request);
                    }
                })
            })
            .collect()
    }

    /// Serves requests until the process ends.
    pub fn run(self) {
        for t in self.spawn() {
            let _ = t.join();
        }
    }

    /// Stops accepting requests; worker threads end.
    pub fn shutdown(&self) {
        self.server.unblock();
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn serve(state: &State, mut request: Request) {
    let method = request.method().clone();
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let (path, query) = (path.to_string(), query.to_string());
    let mut body = Vec::new();
    let too_big = request.body_length().is_some_and(|n| n > MAX_BODY)
        || request
            .as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut body)
            .is_err()
        || body.len() > MAX_BODY;
    let reply = if too_big {
        Reply::Json(
            413,
            serde_json::json!({ "error": "request body too large" }),
        )
    } else if let Some((ctype, bytes)) = (method == Method::Get)
        .then(|| assets::file(&path))
        .flatten()
    {
        Reply::Bytes(ctype, bytes.to_vec())
    } else {
        let m = method.as_str().to_string();
        catch_unwind(AssertUnwindSafe(|| state.handle(&m, &path, &query, &body))).unwrap_or_else(
            |_| {
                state.say("internal error: the request failed; the server goes on");
                Reply::Json(500, serde_json::json!({ "error": "internal error" }))
            },
        )
    };
    let response = match reply {
        Reply::Json(status, v) => Response::from_data(v.to_string().into_bytes())
            .with_status_code(status)
            .with_header(header("Content-Type", "application/json")),
        Reply::Bytes(ctype, bytes) => {
            Response::from_data(bytes).with_header(header("Content-Type", ctype))
        }
    }
    .with_header(header("Cache-Control", "no-store"));
    let _ = request.respond(response);
}
