//! The explorer's JSON API over real HTTP on the zoo's table, number and
//! series models: rows come back as a table in the data's units, series as a
//! plot with each conjunct's window, a number's explanations take a conclusion.

mod common;

use std::sync::Arc;

use burn::tensor::Device;
use common::{request, Answer};
use nnitp::catalog::ZooCatalog;
use nnitp::viz::explorer::Explorer;
use serde_json::Value;

fn start() -> (Explorer, std::net::SocketAddr) {
    let ex = Explorer::bind("127.0.0.1:0", Arc::new(ZooCatalog::new(Device::flex()))).unwrap();
    ex.spawn();
    let addr = ex.local_addr();
    (ex, addr)
}

fn ok(a: Answer) -> Value {
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    a.json()
}

/// The interpolant line of a view's text.
fn interpolant(view: &Value) -> String {
    view["text"]
        .as_str()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn table_rows_in_the_data_units() {
    let (_ex, addr) = start();
    let get = |p: &str| request(addr, "GET", p, None);
    let post = |p: &str, b: &str| request(addr, "POST", p, Some(b));
    let models = ok(get("/api/models"));
    let bc = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "breast-cancer-mlp")
        .expect("the table model is offered");
    assert_eq!(bc["output"], "classes");
    assert_eq!(bc["layers"][0]["shape"], serde_json::json!([30]));

    let loaded = ok(post("/api/load", r#"{"model": "breast-cancer-mlp"}"#));
    assert_eq!(loaded["samples"], "row");
    let load = loaded["load"].as_u64().unwrap();
    let listed = ok(get("/api/images?category=1"));
    let first = listed["images"][0]["index"].as_u64().unwrap();

    // a row's card names every feature with its value in the data's units
    let card = get(&format!("/api/image/{load}/train/{first}.svg"));
    assert_eq!(card.status, 200);
    assert!(card.head.contains("image/svg+xml") && card.head.contains("sandbox"));
    let card = String::from_utf8(card.body).unwrap();
    assert_eq!(card.matches("<text").count(), 60);
    assert!(card.contains(">mean radius</text>"), "{card}");
    assert_eq!(
        get(&format!("/api/image/{load}/train/100000.svg")).status,
        400
    );

    let v = ok(post("/api/explain", &format!(r#"{{"image": {first}}}"#)));
    assert_eq!(v["samples"], "row");
    let itp = interpolant(&v);
    assert!(
        itp.starts_with("Interpolant: layer 0: ") && !itp.contains("v("),
        "{itp}"
    );
    // the table: the premise's row first, bounded features first and marked,
    // one row per column of cells
    let table = &v["table"];
    let bounded: Vec<&str> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .zip(table["bounded"].as_array().unwrap())
        .filter(|(_, b)| b.as_bool().unwrap())
        .map(|(c, _)| c.as_str().unwrap())
        .collect();
    assert!(!bounded.is_empty());
    for name in &bounded {
        assert!(itp.contains(name), "{name} not in {itp}");
    }
    assert_eq!(table["columns"].as_array().unwrap().len(), 30);
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows[0]["label"], format!("training row {first}"));
    let columns = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["row"] == 0)
        .count();
    assert_eq!(rows.len(), columns);
    // each conjunct's cell in the data's own words too
    for c in v["cells"].as_array().unwrap() {
        let text = c["text"].as_str().unwrap();
        assert!(
            text.starts_with("layer 0: ") && !text.contains("v("),
            "{text}"
        );
    }
    // tables are drawn by the page: there is no grid or plot to fetch
    assert_eq!(get("/api/grid.png").status, 404);
    assert_eq!(get("/api/figure.svg").status, 404);

    // examples of a conjunct: rows satisfying it
    let e = ok(post("/api/examples", r#"{"cell": 1}"#));
    assert_eq!(e["kind"], "examples");
    let title = e["title"].as_str().unwrap();
    assert!(
        title.starts_with("examples of layer 0: ") && !title.contains("v("),
        "{title}"
    );
    let c = ok(post("/api/examples", r#"{"cell": 1, "negate": true}"#));
    let text = c["text"].as_str().unwrap();
    assert!(
        text.starts_with("layer 0: ~(") && !text.contains("v("),
        "{text}"
    );
    assert!(e["table"]["rows"].as_array().unwrap().len() > 1);
    // the rule set: each rule with the rows it covers
    let r = ok(post("/api/rules", r#"{"category": 1}"#));
    let rule = &r["rules"][0];
    assert!(!rule["table"]["rows"].as_array().unwrap().is_empty());
    assert!(rule["grid"].is_null());
}

#[test]
fn series_windows_and_a_number_conclusion() {
    let (_ex, addr) = start();
    let get = |p: &str| request(addr, "GET", p, None);
    let post = |p: &str, b: &str| request(addr, "POST", p, Some(b));

    let loaded = ok(post("/api/load", r#"{"model": "gunpoint-cnn"}"#));
    assert_eq!(loaded["samples"], "series");
    let load = loaded["load"].as_u64().unwrap();
    let plot = get(&format!("/api/image/{load}/train/0.svg"));
    assert_eq!(plot.status, 200);
    assert!(String::from_utf8_lossy(&plot.body).contains("class=\"premise\""));
    let v = ok(post("/api/explain", r#"{"image": 0}"#));
    assert_eq!(v["samples"], "series");
    assert!(v["table"].is_null());
    let conjuncts = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["column"] == 0 && c["row"] != 0)
        .count();
    assert!(conjuncts >= 1);
    // the plot: every series shown, one window per conjunct
    let svg = get("/api/figure.svg");
    assert_eq!(svg.status, 200);
    assert!(svg.head.contains("image/svg+xml"));
    let svg = String::from_utf8(svg.body).unwrap();
    assert_eq!(svg.matches("class=\"window\"").count(), conjuncts);
    let shown = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["row"] == 0)
        .count();
    assert_eq!(svg.matches("<path").count(), shown);
    assert_eq!(get("/api/grid.png").status, 404);
    // a series rule set draws the series each rule covers
    let r = ok(post("/api/rules", r#"{"category": 0}"#));
    assert!(r["rules"][0]["grid"]
        .as_str()
        .unwrap()
        .starts_with("data:image/svg+xml;base64,"));

    // a model of a number: listed with its predictions, explained with a
    // conclusion about it, and without categories
    let loaded = ok(post("/api/load", r#"{"model": "diabetes-mlp"}"#));
    assert_eq!(loaded["model"]["output"], "number");
    let listed = ok(get("/api/images"));
    let rows = listed["images"].as_array().unwrap();
    assert_eq!(rows.len(), 50);
    let high = rows
        .iter()
        .find(|r| r["value"].as_f64().unwrap() >= 150.0)
        .expect("a row predicted at least 150");
    let index = high["index"].as_u64().unwrap();
    let a = post("/api/explain", &format!(r#"{{"image": {index}}}"#));
    assert_eq!(a.status, 400);
    assert!(a.error().contains("give a conclusion"), "{}", a.error());
    let v = ok(post(
        "/api/explain",
        &format!(r#"{{"image": {index}, "conclusion": "v(0)>=150"}}"#),
    ));
    let itp = interpolant(&v);
    assert!(
        itp.starts_with("Interpolant: layer 0: ") && !itp.contains("v("),
        "{itp}"
    );
    assert!(
        v["title"].as_str().unwrap().contains("v(0)>=150"),
        "{}",
        v["title"]
    );
    assert!(v["cells"][0]["value"].as_f64().unwrap() >= 150.0);
    // what cannot be asked of a number
    for (body, says) in [
        (
            format!(r#"{{"image": {index}, "conclusion": "v(0)=>150"}}"#),
            "conclusion",
        ),
        (
            format!(
                r#"{{"image": {index}, "conclusion": "v(0)>=150", "predicate": {}}}"#,
                v["predicate"]
            ),
            "not both",
        ),
        (
            r#"{"image": 0, "restrict": 0}"#.to_string(),
            "no categories",
        ),
    ] {
        let a = post("/api/explain", &body);
        assert_eq!(a.status, 400, "{body}");
        assert!(a.error().contains(says), "{body}: {}", a.error());
    }
    let a = post("/api/rules", r#"{"category": 0}"#);
    assert_eq!(a.status, 400);
    assert!(a.error().contains("no categories"), "{}", a.error());
}
