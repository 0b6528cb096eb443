//! Reading one HTTP/1.1 request from a connection, within limits: a bounded
//! head (request line and headers), a body only with `Content-Length` and
//! bounded, and one deadline for the whole request so that a client that
//! stalls (mid-header or mid-body) is dropped rather than waited for.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Largest request head (request line and headers), in bytes.
pub(crate) const MAX_HEAD: usize = 16 << 10;
/// Most header lines.
const MAX_HEADERS: usize = 64;
/// Largest request body, in bytes.
pub(crate) const MAX_BODY: usize = 1 << 20;

/// A request as read.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Header names lowercased.
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The value of header `name` (lowercase), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request was not read: answered with `status` and `message`, or
/// (status 0) the client went away and nothing is answered.
#[derive(Debug)]
pub(crate) struct Refused {
    pub status: u16,
    pub message: &'static str,
}

const GONE: Refused = Refused {
    status: 0,
    message: "connection closed",
};

fn refused(status: u16, message: &'static str) -> Refused {
    Refused { status, message }
}

/// Reads into `buf` what arrives before `deadline`, at most `max` bytes more;
/// the number read (0: the client closed).
fn read_some(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    max: usize,
    deadline: Instant,
) -> Result<usize, Refused> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(refused(408, "request timeout"));
    }
    stream
        .set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .map_err(|_| GONE)?;
    let mut chunk = [0u8; 8192];
    let want = max.min(chunk.len());
    loop {
        match stream.read(&mut chunk[..want]) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(refused(408, "request timeout"))
            }
            Err(_) => return Err(GONE),
        }
    }
}

fn find_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Reads one request, all of it before `timeout` has passed.
pub(crate) fn read_request(stream: &mut TcpStream, timeout: Duration) -> Result<Request, Refused> {
    let deadline = Instant::now() + timeout;
    let mut buf = Vec::with_capacity(1024);
    let end = loop {
        if let Some(end) = find_end(&buf) {
            break end;
        }
        if buf.len() >= MAX_HEAD {
            return Err(refused(431, "request header fields too large"));
        }
        let before = buf.len();
        if read_some(stream, &mut buf, MAX_HEAD + 4 - before, deadline)? == 0 {
            return Err(if before == 0 {
                GONE
            } else {
                refused(400, "incomplete request")
            });
        }
    };
    if end > MAX_HEAD {
        return Err(refused(431, "request header fields too large"));
    }
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| refused(400, "malformed request"))?;
    let mut lines = head.split("\r\n");
    let (method, target) = request_line(lines.next().unwrap_or_default())?;
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() == MAX_HEADERS {
            return Err(refused(431, "too many header fields"));
        }
        let (name, value) = line
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(is_token))
            .ok_or_else(|| refused(400, "malformed header field"))?;
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut request = Request {
        method,
        path: String::new(),
        query: String::new(),
        headers,
        body: Vec::new(),
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    (request.path, request.query) = (path.to_string(), query.to_string());
    if request.header("transfer-encoding").is_some() {
        return Err(refused(411, "send the body with a Content-Length"));
    }
    let length = content_length(&request)?;
    if length > MAX_BODY {
        return Err(refused(413, "request body too large"));
    }
    let mut body = buf.split_off(end + 4);
    while body.len() < length {
        let before = body.len();
        if read_some(stream, &mut body, length - before, deadline)? == 0 {
            return Err(refused(400, "incomplete request body"));
        }
    }
    body.truncate(length);
    request.body = body;
    Ok(request)
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The method and target of a request line `METHOD /target HTTP/1.x`.
fn request_line(line: &str) -> Result<(String, String), Refused> {
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refused(400, "malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(refused(400, "malformed request line"));
    }
    if !target.starts_with('/') {
        return Err(refused(400, "the request target must be a path"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(refused(505, "HTTP version not supported"));
    }
    Ok((method.to_string(), target.to_string()))
}

/// The body's length: 0 without `Content-Length`; one value, all digits.
fn content_length(r: &Request) -> Result<usize, Refused> {
    let mut values = r.headers.iter().filter(|(n, _)| n == "content-length");
    let Some((_, first)) = values.next() else {
        return Ok(0);
    };
    if values.any(|(_, v)| v != first) {
        return Err(refused(400, "conflicting Content-Length"));
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused(400, "malformed Content-Length"));
    }
    // more digits than fit are larger than any body accepted
    Ok(first.parse().unwrap_or(usize::MAX))
}
