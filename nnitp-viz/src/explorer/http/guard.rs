//! Which requests the explorer answers at all: only those addressed to one
//! of its own host names (so that a foreign name resolved to the loopback
//! address, DNS rebinding, gets nothing), no cross-origin request to the API,
//! and state-changing requests only as JSON (which a foreign page cannot send
//! without a preflight the server never grants).

use std::net::{IpAddr, SocketAddr};

use super::request::{Method, Request};
use crate::explorer::status::Status;

/// The host names the server answers to, and its port.
#[derive(Debug)]
pub(crate) struct Hosts {
    names: Vec<String>,
    port: u16,
}

impl Hosts {
    /// Loopback names, the bound address and `extra`, on the bound port.
    pub fn new(bound: SocketAddr, extra: &[String]) -> Self {
        let mut names: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
            .into_iter()
            .map(String::from)
            .collect();
        if !bound.ip().is_unspecified() {
            names.push(match bound.ip() {
                IpAddr::V4(ip) => ip.to_string(),
                IpAddr::V6(ip) => format!("[{ip}]"),
            });
        }
        names.extend(extra.iter().map(|h| h.to_ascii_lowercase()));
        Hosts {
            names,
            port: bound.port(),
        }
    }

    /// Whether `authority` (`host[:port]`) names this server.
    fn serves(&self, authority: &str) -> bool {
        let authority = authority.to_ascii_lowercase();
        let (host, port) = match authority.strip_prefix('[') {
            Some(rest) => match rest.split_once(']') {
                Some((h, p)) => (format!("[{h}]"), p),
                None => return false,
            },
            None => match authority.rsplit_once(':') {
                Some((h, _)) => (h.to_string(), &authority[h.len()..]),
                None => (authority.clone(), ""),
            },
        };
        let port = match port.strip_prefix(':') {
            Some(p) => p.parse::<u16>().ok(),
            None if port.is_empty() => Some(80),
            None => None,
        };
        port == Some(self.port) && self.names.contains(&host)
    }
}

/// The status and message refusing `r`, or `None` when it may be served.
pub(crate) fn refusal(hosts: &Hosts, r: &Request) -> Option<(Status, &'static str)> {
    match r.header("host") {
        Some(h) if hosts.serves(h) => {}
        _ => {
            return Some((
                Status::Forbidden,
                "this server answers only to its own host names (loopback, or those it was configured to answer)",
            ))
        }
    }
    if let Some(origin) = r.header("origin") {
        let own = origin
            .strip_prefix("http://")
            .is_some_and(|a| hosts.serves(a));
        if !own {
            return Some((Status::Forbidden, "cross-origin requests are refused"));
        }
    }
    if r.path.starts_with("/api/") && r.header("sec-fetch-site") == Some("cross-site") {
        return Some((Status::Forbidden, "cross-site requests are refused"));
    }
    if r.method == Method::Post {
        let json = r.header("content-type").is_some_and(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
        if !json {
            return Some((
                Status::UnsupportedMediaType,
                "a request body must be application/json",
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_names_on_the_own_port_are_served() {
        let h = Hosts::new("127.0.0.1:8000".parse().unwrap(), &["box.lan".into()]);
        for ok in [
            "127.0.0.1:8000",
            "localhost:8000",
            "LOCALHOST:8000",
            "[::1]:8000",
            "box.lan:8000",
        ] {
            assert!(h.serves(ok), "{ok}");
        }
        for bad in [
            "evil.example:8000",
            "127.0.0.1:8001",
            "127.0.0.1",
            "localhost:",
            "[::1",
            "127.0.0.1:8000:8000",
            "",
        ] {
            assert!(!h.serves(bad), "{bad}");
        }
        let any = Hosts::new("0.0.0.0:80".parse().unwrap(), &[]);
        assert!(any.serves("localhost"));
        assert!(!any.serves("0.0.0.0"));
    }
}
