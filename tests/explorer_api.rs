//! The explorer's JSON API over real HTTP, on the shipped Fashion-MNIST model:
//! the workflow, bad requests (each a 4xx with a message, the server going on),
//! and a request made while another computes.

mod common;

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use burn::tensor::Device;
use common::request;
use nnitp::catalog::ZooCatalog;
use nnitp::core::ExplainerConfig;
use nnitp::viz::explorer::{Catalog, Explorer, ModelInfo, Opened};

/// The zoo catalog, with an optional gate that holds `open` until released.
struct Gated {
    zoo: ZooCatalog,
    gate: Mutex<Option<Receiver<()>>>,
}

impl Catalog for Gated {
    fn models(&self) -> Vec<ModelInfo> {
        self.zoo.models()
    }

    fn open(&self, name: &str, config: ExplainerConfig) -> nnitp::viz::Result<Opened> {
        if let Some(rx) = self.gate.lock().unwrap().take() {
            rx.recv().map_err(|e| nnitp::viz::Error::Load {
                model: name.into(),
                source: Box::new(e),
            })?;
        }
        self.zoo.open(name, config)
    }
}

fn start(gate: Option<Receiver<()>>) -> (Explorer, std::net::SocketAddr) {
    let catalog = Gated {
        zoo: ZooCatalog::new(Device::flex()),
        gate: Mutex::new(gate),
    };
    let ex = Explorer::bind("127.0.0.1:0", Arc::new(catalog)).unwrap();
    ex.spawn();
    let addr = ex.local_addr();
    (ex, addr)
}

const LOAD: &str = r#"{"model": "fashion-mnist", "size": 600}"#;

#[test]
fn workflow_and_bad_requests() {
    let (_ex, addr) = start(None);
    let get = |p: &str| request(addr, "GET", p, None);
    let post = |p: &str, b: &str| request(addr, "POST", p, Some(b));

    // the page and its files; nothing else from the file system
    let page = get("/");
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("nnitp explorer"));
    assert_eq!(get("/app.js").status, 200);
    for p in [
        "/../../etc/passwd",
        "/%2e%2e/Cargo.toml",
        "/Cargo.toml",
        "/api/../README.md",
    ] {
        assert_eq!(get(p).status, 404, "{p}");
    }
    assert_eq!(get("/api/nothing").status, 404);

    let models = get("/api/models").json();
    let fm = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "fashion-mnist")
        .expect("fashion-mnist is offered");
    assert_eq!(fm["default_layers"], serde_json::json!([6, 14]));
    // the residual network is offered too, with its layers
    let resnet = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "fashion-mnist-resnet")
        .expect("fashion-mnist-resnet is offered");
    assert_eq!(resnet["default_layers"], serde_json::json!([32, 48]));
    assert_eq!(resnet["layers"][8]["name"], "add_1");
    assert_eq!(fm["layers"][14]["name"], "max_pooling2d_2");

    // before a model is loaded
    let a = get("/api/images?category=0");
    assert_eq!(a.status, 400);
    assert!(a.error().contains("no model is loaded"));

    // bad loads
    let a = post("/api/load", r#"{"model": "resnet"}"#);
    assert_eq!(a.status, 404);
    assert!(a.error().contains("unknown model"));
    let a = post("/api/load", "{\"model\": ");
    assert_eq!(a.status, 400);
    assert!(a.error().contains("malformed"));
    let a = post("/api/load", r#"{"model": "fashion-mnist", "alpha": 1.5}"#);
    assert_eq!(a.status, 400);
    assert!(a.error().contains("alpha"), "{}", a.error());
    let a = post(
        "/api/load",
        r#"{"model": "fashion-mnist", "layers": [6, 40]}"#,
    );
    assert_eq!(a.status, 400);
    let a = post("/api/load", r#"{"model": "fashion-mnist", "size": 0}"#);
    assert_eq!(a.status, 400);
    let a = post(
        "/api/load",
        r#"{"model": "fashion-mnist", "colour": "red"}"#,
    );
    assert_eq!(a.status, 400);

    let a = post("/api/load", r#"{"model": "fashion-mnist", "layers": []}"#);
    assert_eq!(a.status, 400);
    assert!(a.error().contains("select at least one layer"));

    let a = post("/api/load", LOAD);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json()["images"], 600);
    let load = a.json()["load"].as_u64().unwrap();

    // images of a category
    let a = get("/api/images?category=0");
    assert_eq!(a.status, 200);
    let images = a.json()["images"].as_array().unwrap().clone();
    assert!(!images.is_empty() && images.len() <= 50);
    assert!(images.iter().all(|i| i["predicted"] == 0));
    assert_eq!(get("/api/images?category=10").status, 400);
    assert_eq!(get("/api/images?category=x").status, 400);
    // image URLs name the load (the model) and the data set
    let png = get(&format!(
        "/api/image/{load}/train/{}.png?scale=3",
        images[0]["index"]
    ));
    assert_eq!(png.status, 200);
    assert_eq!(&png.body[..4], b"\x89PNG");
    let test_png = get(&format!(
        "/api/image/{load}/test/{}.png?scale=3",
        images[0]["index"]
    ));
    assert_eq!(test_png.status, 200);
    assert_ne!(png.body, test_png.body, "the two data sets' images differ");
    assert_eq!(get(&format!("/api/image/{load}/train/600.png")).status, 400);
    assert_eq!(get(&format!("/api/image/{load}/train/abc.png")).status, 404);
    assert_eq!(get(&format!("/api/image/{load}/valid/0.png")).status, 404);
    assert_eq!(
        get(&format!("/api/image/{}/train/0.png", load + 1)).status,
        404
    );
    assert_eq!(get("/api/image/0.png").status, 404);

    // nothing to show or go back to yet
    assert_eq!(post("/api/examples", r#"{"cell": 0}"#).status, 400);
    assert_eq!(post("/api/back", "").status, 400);
    assert_eq!(post("/api/explain", r#"{"image": 600}"#).status, 400);
    assert_eq!(post("/api/explain", r#"{"image": -1}"#).status, 400);

    // explain the first image, drill into a region, examples, back
    let image = images[0]["index"].as_u64().unwrap();
    let a = post("/api/explain", &format!(r#"{{"image": {image}}}"#));
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let v = a.json();
    assert!(v["text"]
        .as_str()
        .unwrap()
        .starts_with("Interpolant: layer 14: ("));
    assert_eq!(v["cells"][0]["image"], image);
    let grid = get("/api/grid.png");
    assert_eq!(grid.status, 200);
    assert_eq!(&grid.body[..4], b"\x89PNG");
    let region = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["row"] == 1)
        .expect("a region cell");
    // a conjunct at layer 14 reads a window of the image, not all of it
    assert_eq!(v["cells"][region]["whole_input"], false);
    let conjunct = v["cells"][region]["predicate"].clone();
    let a = post(
        "/api/explain",
        &serde_json::json!({ "image": image, "predicate": conjunct }).to_string(),
    );
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert!(a.json()["text"]
        .as_str()
        .unwrap()
        .starts_with("Interpolant: layer 6: ("));
    // layer 6 has no selected layer below it
    let deep = a.json()["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["row"] == 1)
        .map(|c| c["predicate"].clone())
        .unwrap();
    let a = post(
        "/api/explain",
        &serde_json::json!({ "image": image, "predicate": deep }).to_string(),
    );
    assert_eq!(a.status, 400);
    assert!(a.error().contains("no selected layer below layer 6"));
    // a predicate that does not fit its layer
    let a = post(
        "/api/explain",
        r#"{"image": 0, "predicate": {"layer": 14, "predicate": {"bound": {"unit": [9, 9, 9], "op": ">=", "value": 0.5}}}}"#,
    );
    assert_eq!(a.status, 400, "{}", String::from_utf8_lossy(&a.body));

    let back = post("/api/back", "");
    assert_eq!(back.status, 200);
    assert_eq!(back.json()["text"], v["text"]);
    // nnitp's three lines, then the 95% intervals
    let text = v["text"].as_str().unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text
        .lines()
        .nth(3)
        .unwrap()
        .starts_with("95% intervals: training set precision ["));
    assert!(v["explanation"]["train"]["precision_interval"]["low"].is_number());
    // how stable is this explanation?
    let a = post("/api/stability", r#"{"resamples": 4}"#);
    assert_eq!(a.status, 200, "{}", a.error());
    let st = a.json();
    assert_eq!(st["resamples"], 4);
    assert_eq!(
        st["conjuncts"].as_array().unwrap().len(),
        v["explanation"]["interpolant"].as_array().unwrap().len()
    );
    assert_eq!(post("/api/stability", r#"{"resamples": 0}"#).status, 400);
    assert_eq!(post("/api/stability", r#"{"resamples": 1000}"#).status, 400);
    // does the network use it?
    let a = post("/api/faithfulness", r#"{"samples": 10}"#);
    assert_eq!(a.status, 200, "{}", a.error());
    let f = a.json();
    assert_eq!(
        f["figures"]["conjuncts"].as_array().unwrap().len(),
        v["explanation"]["interpolant"].as_array().unwrap().len()
    );
    assert!(f["figures"]["sufficiency"]["trials"].as_u64().unwrap() <= 10);
    assert!(f["text"]
        .as_str()
        .unwrap()
        .starts_with("Faithfulness (seed 0; "));
    assert_eq!(post("/api/faithfulness", r#"{"samples": 0}"#).status, 400);
    assert_eq!(post("/api/faithfulness", r#"{"samples": 501}"#).status, 400);
    assert_eq!(post("/api/faithfulness", r#"{"seed": 1}"#).status, 400);
    // the rules of a class, each with a grid of the images it covers
    let a = post("/api/rules", r#"{"category": 0}"#);
    assert_eq!(a.status, 200, "{}", a.error());
    let r = a.json();
    assert!(r["summary"]
        .as_str()
        .unwrap()
        .starts_with("class 0 (T-shirt/top): "));
    let rules = r["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    assert!(rules[0]["text"].as_str().unwrap().starts_with("rule 0: ("));
    assert!(rules[0]["grid"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    assert_eq!(post("/api/rules", r#"{"category": 10}"#).status, 400);
    assert_eq!(post("/api/examples", r#"{"cell": 999}"#).status, 400);
    assert_eq!(
        post(
            "/api/examples",
            &format!(r#"{{"cell": {region}, "percentile": 150}}"#)
        )
        .status,
        400
    );
    // a percentile needs a single-unit predicate (cell 0 holds the interpolant)
    if v["explanation"]["interpolant"].as_array().unwrap().len() > 1 {
        assert_eq!(
            post("/api/examples", r#"{"cell": 0, "percentile": 10}"#).status,
            400
        );
    }
    let a = post(
        "/api/examples",
        &format!(r#"{{"cell": {region}, "percentile": 20, "restrict": 0}}"#),
    );
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let ex = a.json();
    assert_eq!(ex["kind"], "examples");
    // the title names the percentile and the restriction applied
    let title = ex["title"].as_str().unwrap();
    assert!(
        title.contains("threshold at the 20th percentile"),
        "{title}"
    );
    assert!(
        title.contains("restricted to images classified 0 (T-shirt/top)"),
        "{title}"
    );
    assert!(ex["cells"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["predicted"] == 0));
    // counterexamples of the examples grid's region cell: its negation
    let a = post(
        "/api/examples",
        &format!(r#"{{"cell": {region}, "negate": true}}"#),
    );
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json()["kind"], "counterexamples");
    assert!(a.json()["predicate"]["predicate"]["not"].is_object());
    // the server is still there, and says what happened
    let status = get("/api/status").json();
    assert_eq!(status["busy"], false);
    assert_eq!(status["model"], "fashion-mnist");
    assert!(status["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m.as_str().unwrap().starts_with("Interpolant")));
}

#[test]
fn a_request_while_another_computes_is_told_busy() {
    let (tx, rx): (Sender<()>, Receiver<()>) = channel();
    let (_ex, addr) = start(Some(rx));
    let loading = std::thread::spawn(move || request(addr, "POST", "/api/load", Some(LOAD)));
    let start = Instant::now();
    loop {
        let s = request(addr, "GET", "/api/status", None).json();
        if s["busy"] == true {
            assert!(s["task"]
                .as_str()
                .unwrap()
                .contains("loading fashion-mnist"));
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the load never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    for (m, p, b) in [
        ("GET", "/api/images?category=0", None),
        ("POST", "/api/explain", Some(r#"{"image": 0}"#)),
        ("POST", "/api/load", Some(LOAD)),
    ] {
        let a = request(addr, m, p, b);
        assert_eq!(a.status, 409, "{m} {p}");
        assert!(
            a.error().starts_with("busy: loading fashion-mnist"),
            "{}",
            a.error()
        );
    }
    // the page itself is still served
    assert_eq!(request(addr, "GET", "/", None).status, 200);
    tx.send(()).unwrap();
    assert_eq!(loading.join().unwrap().status, 200);
    assert_eq!(
        request(addr, "GET", "/api/images?category=1", None).status,
        200
    );
    assert_eq!(
        request(addr, "GET", "/api/status", None).json()["busy"],
        false
    );
}

#[test]
fn loading_extracts_in_the_background_and_a_newer_load_owns_the_progress() {
    let (_ex, addr) = start(None);
    let post = |b: &str| request(addr, "POST", "/api/load", Some(b));
    let status = || request(addr, "GET", "/api/status", None).json();
    let first = post(r#"{"model": "fashion-mnist", "size": 600}"#);
    assert_eq!(first.status, 200, "{}", first.error());
    // a second model (another size) loaded while the first may still extract
    let second = post(r#"{"model": "fashion-mnist", "size": 300}"#);
    assert_eq!(second.status, 200, "{}", second.error());
    let mut s = status();
    for _ in 0..600 {
        if !s["extraction"]["running"].as_bool().unwrap() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        s = status();
    }
    let x = &s["extraction"];
    assert_eq!(x["running"], false, "{s}");
    // the progress shown is the second model's: 300 images per data set
    assert_eq!(x["total"], 300, "{s}");
    assert_eq!(x["done"], 300, "{s}");
    let messages = s["messages"].as_array().unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.as_str().unwrap().contains("ready in")),
        "{s}"
    );
}
