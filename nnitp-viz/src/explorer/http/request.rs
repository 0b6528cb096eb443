//! Reading one HTTP/1.1 request from a connection, within limits: a bounded
//! head (request line and headers), a body only with `Content-Length` and
//! bounded, and one deadline for the whole request so that a client that
//! stalls (mid-header or mid-body) is dropped rather than waited for.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::explorer::status::Status;

/// Largest request head (request line and headers), in bytes.
pub(crate) const MAX_HEAD: usize = 16 << 10;
/// Most header lines.
const MAX_HEADERS: usize = 64;
/// Largest request body, in bytes.
pub(crate) const MAX_BODY: usize = 1 << 20;

/// A request method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    /// Any other method: answered 405 wherever it is sent.
    Other,
}

impl Method {
    /// The method's name as sent.
    pub fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Other => "other",
        }
    }
}

/// A request as read.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: Method,
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

/// Why a request was not read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// The client went away: nothing is answered.
    Gone,
    /// The request is refused with `status` and `message`.
    Refused {
        status: Status,
        message: &'static str,
    },
}

fn refused(status: Status, message: &'static str) -> ReadError {
    ReadError::Refused { status, message }
}

/// Reads into `buf` what arrives before `deadline`, at most `max` bytes more;
/// the number read (0: the client closed).
fn read_some(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    max: usize,
    deadline: Instant,
) -> Result<usize, ReadError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(refused(Status::RequestTimeout, "request timeout"));
    }
    stream
        .set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .map_err(|_| ReadError::Gone)?;
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
                return Err(refused(Status::RequestTimeout, "request timeout"))
            }
            Err(_) => return Err(ReadError::Gone),
        }
    }
}

fn find_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Reads one request, all of it before `timeout` has passed.
pub(crate) fn read_request(
    stream: &mut TcpStream,
    timeout: Duration,
) -> Result<Request, ReadError> {
    let deadline = Instant::now() + timeout;
    let mut buf = Vec::with_capacity(1024);
    let end = loop {
        if let Some(end) = find_end(&buf) {
            break end;
        }
        if buf.len() >= MAX_HEAD {
            return Err(refused(
                Status::HeaderFieldsTooLarge,
                "request header fields too large",
            ));
        }
        let before = buf.len();
        if read_some(stream, &mut buf, MAX_HEAD + 4 - before, deadline)? == 0 {
            return Err(if before == 0 {
                ReadError::Gone
            } else {
                refused(Status::BadRequest, "incomplete request")
            });
        }
    };
    if end > MAX_HEAD {
        return Err(refused(
            Status::HeaderFieldsTooLarge,
            "request header fields too large",
        ));
    }
    let head = std::str::from_utf8(&buf[..end])
        .map_err(|_| refused(Status::BadRequest, "malformed request"))?;
    let mut lines = head.split("\r\n");
    let (method, target) = request_line(lines.next().unwrap_or_default())?;
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() == MAX_HEADERS {
            return Err(refused(
                Status::HeaderFieldsTooLarge,
                "too many header fields",
            ));
        }
        let (name, value) = line
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(is_token))
            .ok_or_else(|| refused(Status::BadRequest, "malformed header field"))?;
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
        return Err(refused(
            Status::LengthRequired,
            "send the body with a Content-Length",
        ));
    }
    let length = content_length(&request)?;
    if length > MAX_BODY {
        return Err(refused(Status::ContentTooLarge, "request body too large"));
    }
    let mut body = buf.split_off(end + 4);
    while body.len() < length {
        let before = body.len();
        if read_some(stream, &mut body, length - before, deadline)? == 0 {
            return Err(refused(Status::BadRequest, "incomplete request body"));
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
fn request_line(line: &str) -> Result<(Method, String), ReadError> {
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refused(Status::BadRequest, "malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(refused(Status::BadRequest, "malformed request line"));
    }
    if !target.starts_with('/') {
        return Err(refused(
            Status::BadRequest,
            "the request target must be a path",
        ));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(refused(
            Status::VersionNotSupported,
            "HTTP version not supported",
        ));
    }
    let method = match method {
        "GET" => Method::Get,
        "POST" => Method::Post,
        _ => Method::Other,
    };
    Ok((method, target.to_string()))
}

/// The body's length: 0 without `Content-Length`; one value, all digits.
fn content_length(r: &Request) -> Result<usize, ReadError> {
    let mut values = r.headers.iter().filter(|(n, _)| n == "content-length");
    let Some((_, first)) = values.next() else {
        return Ok(0);
    };
    if values.any(|(_, v)| v != first) {
        return Err(refused(Status::BadRequest, "conflicting Content-Length"));
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused(Status::BadRequest, "malformed Content-Length"));
    }
    // more digits than fit are larger than any body accepted
    Ok(first.parse().unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    /// The server's end of a connection on which the client sent `bytes`
    /// and then closed its side.
    fn served(bytes: &[u8]) -> TcpStream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.write_all(bytes).unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        listener.accept().unwrap().0
    }

    #[test]
    fn a_client_that_sends_nothing_is_gone() {
        let mut s = served(b"");
        assert_eq!(
            read_request(&mut s, Duration::from_secs(5)).unwrap_err(),
            ReadError::Gone
        );
    }

    #[test]
    fn requests_are_read_with_their_method() {
        let mut s = served(b"POST /api/back HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
        let r = read_request(&mut s, Duration::from_secs(5)).unwrap();
        assert_eq!(
            (r.method, r.path.as_str(), r.body.as_slice()),
            (Method::Post, "/api/back", &b"{}"[..])
        );
        let mut s = served(b"BREW /pot HTTP/1.1\r\n\r\n");
        assert_eq!(
            read_request(&mut s, Duration::from_secs(5)).unwrap().method,
            Method::Other
        );
    }

    #[test]
    fn a_half_sent_request_is_refused_not_gone() {
        let mut s = served(b"GET / HTTP/1.1\r\nHost: x\r\n");
        assert_eq!(
            read_request(&mut s, Duration::from_secs(5)).unwrap_err(),
            ReadError::Refused {
                status: Status::BadRequest,
                message: "incomplete request"
            }
        );
        let mut s = served(b"GET / HTTP/2.0\r\n\r\n");
        assert!(matches!(
            read_request(&mut s, Duration::from_secs(5)),
            Err(ReadError::Refused {
                status: Status::VersionNotSupported,
                ..
            })
        ));
    }
}
