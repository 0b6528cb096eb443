//! The explorer against hostile clients, over real HTTP on the shipped
//! Fashion-MNIST model: foreign hosts and origins, bodies that are not JSON,
//! stalled and oversized requests, wrong methods, message floods, an endless
//! view stack, memory growth, and server paths in errors. Each answer is a
//! clear refusal, and the server goes on serving others.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use burn::tensor::Device;
use common::{raw, request, Answer};
use nnitp::catalog::ZooCatalog;
use nnitp::viz::explorer::{Explorer, ExplorerConfig};

fn start(catalog: ZooCatalog, config: ExplorerConfig) -> (Explorer, SocketAddr) {
    let ex = Explorer::bind_with("127.0.0.1:0", Arc::new(catalog), config).unwrap();
    ex.spawn();
    let addr = ex.local_addr();
    (ex, addr)
}

fn zoo() -> ZooCatalog {
    ZooCatalog::new(Device::flex())
}

const LOAD: &str = r#"{"model": "fashion-mnist", "size": 300}"#;

/// A POST of `body` to `path` with extra header lines.
fn post_with(addr: SocketAddr, path: &str, headers: &str, body: &str) -> Answer {
    raw(
        addr,
        format!(
            "POST {path} HTTP/1.1\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

#[test]
fn foreign_hosts_origins_and_content_types_are_refused() {
    let (_ex, addr) = start(zoo(), ExplorerConfig::new().with_host("box.lan"));
    let port = addr.port();
    // the DNS-rebinding request of a foreign page: refused, nothing loaded
    let a = post_with(
        addr,
        "/api/load",
        "Host: evil.example\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\n",
        LOAD,
    );
    assert_eq!(a.status, 403, "{}", a.head);
    let a = raw(addr, b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n");
    assert_eq!(a.status, 403);
    let a = raw(addr, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(a.status, 403, "no Host at all");
    // own host, foreign origin
    let own = format!("Host: 127.0.0.1:{port}\r\n");
    let a = post_with(
        addr,
        "/api/load",
        &format!("{own}Origin: http://evil.example\r\nContent-Type: application/json\r\n"),
        LOAD,
    );
    assert_eq!(a.status, 403);
    assert!(a.error().contains("cross-origin"));
    // own host, a simple (preflight-free) content type
    let a = post_with(
        addr,
        "/api/load",
        &format!("{own}Content-Type: text/plain\r\n"),
        LOAD,
    );
    assert_eq!(a.status, 415);
    let a = post_with(
        addr,
        "/api/load",
        &format!("{own}Content-Type: application/x-www-form-urlencoded\r\n"),
        LOAD,
    );
    assert_eq!(a.status, 415);
    // a cross-site fetch of the API
    let a = raw(
        addr,
        format!("GET /api/status HTTP/1.1\r\n{own}Sec-Fetch-Site: cross-site\r\n\r\n").as_bytes(),
    );
    assert_eq!(a.status, 403);
    assert_eq!(
        request(addr, "GET", "/api/status", None).json()["model"],
        serde_json::Value::Null
    );
    // what the page sends is served: its own origin, JSON; names given by
    // the user too
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("box.lan:{port}"),
    ] {
        let a = raw(
            addr,
            format!("GET /api/models HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(a.status, 200, "{host}");
    }
    let a = post_with(
        addr,
        "/api/load",
        &format!("{own}Origin: http://127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\n"),
        LOAD,
    );
    assert_eq!(a.status, 200, "{}", a.error());
}

#[test]
fn stalled_clients_do_not_block_others_and_are_dropped() {
    let config = ExplorerConfig::new().with_request_timeout(Duration::from_secs(2));
    let (_ex, addr) = start(zoo(), config);
    // clients that send a head announcing a body, then stall; and one that
    // sends half a head
    let mut stalled: Vec<TcpStream> = (0..6)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            write!(
                s,
                "POST /api/load HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"mod"
            )
            .unwrap();
            s
        })
        .collect();
    let mut half = TcpStream::connect(addr).unwrap();
    write!(half, "GET /api/status HTTP/1.1\r\nHost: ").unwrap();
    stalled.push(half);
    // meanwhile everything else is answered
    assert_eq!(request(addr, "GET", "/", None).status, 200);
    assert_eq!(request(addr, "GET", "/api/status", None).status, 200);
    // each stalled client is answered 408 once its time is up
    for mut s in stalled {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut answer = String::new();
        let _ = std::io::Read::read_to_string(&mut s, &mut answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    }
    // a chunked body is refused (only Content-Length is read)
    let a = raw(
        addr,
        format!("POST /api/load HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{{\"a\":\r\n").as_bytes(),
    );
    assert_eq!(a.status, 411);
}

#[test]
fn oversized_requests_and_wrong_methods_are_refused() {
    let (_ex, addr) = start(zoo(), ExplorerConfig::new());
    let long = format!("/{}", "a".repeat(20_000));
    let a = raw(
        addr,
        format!("GET {long} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    );
    assert_eq!(a.status, 431);
    let a = raw(
        addr,
        format!(
            "POST /api/load HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            10 << 20
        )
        .as_bytes(),
    );
    assert_eq!(a.status, 413);
    for bad in [
        "GET /api/status\r\n\r\n".to_string(),
        format!("GET api/status HTTP/1.1\r\nHost: {addr}\r\n\r\n"),
        format!("GET /api/status HTTP/1.1\r\nHost: {addr}\r\nno colon\r\n\r\n"),
        format!("POST /api/load HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
        format!("POST /api/load HTTP/1.1\r\nHost: {addr}\r\nContent-Length: -1\r\n\r\n"),
    ] {
        assert_eq!(raw(addr, bad.as_bytes()).status, 400, "{bad:?}");
    }
    assert_eq!(
        raw(
            addr,
            format!("GET / HTTP/2.0\r\nHost: {addr}\r\n\r\n").as_bytes()
        )
        .status,
        505
    );
    // bytes that are not UTF-8, in the head and in a JSON body
    let mut head = format!("GET /api/status HTTP/1.1\r\nHost: {addr}\r\nX-Name: ").into_bytes();
    head.extend_from_slice(b"\xff\xfe\r\n\r\n");
    assert_eq!(raw(addr, &head).status, 400);
    let mut post = format!(
        "POST /api/load HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n"
    )
    .into_bytes();
    post.extend_from_slice(b"\"\xff\xfe\"");
    let a = raw(addr, &post);
    assert_eq!(a.status, 400);
    assert!(
        a.error().contains("malformed request body"),
        "{}",
        a.error()
    );
    // wrong methods: 405 with the method allowed
    for (m, p, allow) in [
        ("GET", "/api/load", "POST"),
        ("DELETE", "/api/status", "GET"),
        ("POST", "/api/status", "GET"),
        ("POST", "/", "GET"),
        ("PUT", "/app.js", "GET"),
    ] {
        let a = request(addr, m, p, Some("{}"));
        assert_eq!(a.status, 405, "{m} {p}");
        assert!(a.head.contains(&format!("Allow: {allow}")), "{}", a.head);
    }
    assert_eq!(request(addr, "GET", "/api/nothing", None).status, 404);
    // the page has an icon; no request of it fails
    assert_eq!(request(addr, "GET", "/favicon.svg", None).status, 200);
}

#[test]
fn messages_stay_bounded_and_the_page_never_misses_a_new_one() {
    let (_ex, addr) = start(zoo(), ExplorerConfig::new());
    let path = format!("/{}", "p".repeat(10_000));
    for _ in 0..250 {
        assert_eq!(request(addr, "GET", &path, None).status, 404);
    }
    let s = request(addr, "GET", "/api/status", None);
    assert!(s.body.len() < 100_000, "{} bytes of status", s.body.len());
    let cursor = s.json()["cursor"].as_u64().unwrap();
    assert_eq!(cursor, 250);
    // after the cap, a new message still reaches a page that asks from its cursor
    assert_eq!(request(addr, "GET", "/api/other", None).status, 404);
    let s = request(addr, "GET", &format!("/api/status?since={cursor}"), None).json();
    let messages = s["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{s}");
    assert!(messages[0].as_str().unwrap().contains("/api/other"));
    assert_eq!(s["cursor"], cursor + 1);
}

#[test]
fn load_errors_name_no_server_path() {
    let data = tempfile::tempdir().unwrap();
    let catalog = ZooCatalog {
        data_dir: Some(data.path().to_path_buf()),
        ..zoo()
    };
    let (_ex, addr) = start(catalog, ExplorerConfig::new());
    let a = request(addr, "POST", "/api/load", Some(LOAD));
    assert_eq!(a.status, 400);
    let e = a.error();
    assert!(e.contains("train-images-idx3-ubyte"), "{e}");
    let dir = data.path().to_string_lossy().to_string();
    let status =
        String::from_utf8_lossy(&request(addr, "GET", "/api/status", None).body).to_string();
    for text in [&e, &status] {
        assert!(!text.contains(&dir), "{text}");
        assert!(!text.contains("/tmp"), "{text}");
    }
}

#[test]
fn activations_stay_within_the_memory_budget() {
    // a budget smaller than one layer: only the layers of the query at hand stay
    let (_ex, addr) = start(zoo(), ExplorerConfig::new().with_memory_budget(Some(1)));
    assert_eq!(request(addr, "POST", "/api/load", Some(LOAD)).status, 200);
    let status = || request(addr, "GET", "/api/status", None).json();
    for _ in 0..600 {
        if status()["extraction"]["running"] == false {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let explain = |body: &str| {
        let a = request(addr, "POST", "/api/explain", Some(body));
        assert_eq!(a.status, 200, "{}", a.error());
        a.json()
    };
    // explanations at several layers, each of an empty-looking conjunction
    let mut last = explain(r#"{"image": 0}"#);
    for layer in [8, 9, 10, 11, 12] {
        let body = format!(
            r#"{{"image": 0, "predicate": {{"layer": {layer}, "predicate": {{"and": []}}}}}}"#
        );
        let a = request(addr, "POST", "/api/explain", Some(&body));
        // a conjunction holds for the image; its explanation needs a
        // selected layer below (6)
        assert_eq!(a.status, 200, "{}", a.error());
        last = a.json();
    }
    let memory = &status()["memory"];
    assert_eq!(memory["budget"], 1);
    assert!(memory["dropped"].as_u64().unwrap() > 0, "{memory}");
    assert!(memory["layers"].as_u64().unwrap() <= 2, "{memory}");
    assert!(last["depth"].as_u64().unwrap() >= 5);
}

#[test]
fn the_view_stack_is_bounded() {
    let (_ex, addr) = start(zoo(), ExplorerConfig::new());
    assert_eq!(request(addr, "POST", "/api/load", Some(LOAD)).status, 200);
    let mut depth = serde_json::Value::Null;
    for _ in 0..60 {
        let a = request(addr, "POST", "/api/explain", Some(r#"{"image": 0}"#));
        assert_eq!(a.status, 200, "{}", a.error());
        depth = a.json()["depth"].clone();
    }
    // the back button reaches at most 49 views back
    assert_eq!(depth, 49);
}
