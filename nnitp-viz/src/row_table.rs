//! A table explanation as a table: the premise's row and comparison rows in
//! the data's units, the features the conjuncts bound highlighted and first;
//! drawn as HTML for the report, sent as data to the explorer, and one row
//! alone as an SVG card.

use std::fmt::Write;

use nnitp_core::features::Features;
use serde::Serialize;

use crate::report::escape;

/// One row of a [`RowTable`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableRow {
    /// What the row is, e.g. `test row 12`.
    pub label: String,
    /// Its value of each column, in the data's units (`None` where the row
    /// lacks the feature or the value is not finite).
    pub values: Vec<Option<f64>>,
}

/// Rows over every feature, in the data's units, the bounded features' columns
/// first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowTable {
    /// The column names, bounded features first.
    pub columns: Vec<String>,
    /// Whether each column's feature is bounded by a conjunct.
    pub bounded: Vec<bool>,
    /// The rows, the premise first.
    pub rows: Vec<TableRow>,
}

impl RowTable {
    /// The table of `rows` (`(label, the values the network sees)`, the
    /// premise first) over every feature of `features`; the columns of
    /// `bounded` features come first.
    pub fn new(features: &Features, rows: &[(String, Vec<f32>)], bounded: &[usize]) -> Self {
        let mut order: Vec<usize> = Vec::new();
        for &f in bounded {
            if f < features.len() && !order.contains(&f) {
                order.push(f);
            }
        }
        let first = order.len();
        order.extend((0..features.len()).filter(|f| !bounded.contains(f)));
        RowTable {
            columns: order.iter().map(|&f| features.names()[f].clone()).collect(),
            bounded: (0..order.len()).map(|k| k < first).collect(),
            rows: rows
                .iter()
                .map(|(label, values)| TableRow {
                    label: label.clone(),
                    values: order
                        .iter()
                        .map(|&f| {
                            values
                                .get(f)
                                .and_then(|&v| features.original(f, v))
                                .filter(|v| v.is_finite())
                                .map(f64::from)
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The table as HTML, the premise's row and the bounded columns marked
    /// with the classes `premise` and `bounded`.
    pub fn html(&self) -> String {
        let cell = |k: usize| {
            if self.bounded[k] {
                " class=\"bounded\""
            } else {
                ""
            }
        };
        let mut html = String::from("<div class=\"rows\"><table>\n<tr><th></th>");
        for (k, name) in self.columns.iter().enumerate() {
            let _ = write!(html, "<th{}>{}</th>", cell(k), escape(name));
        }
        html.push_str("</tr>\n");
        for (r, row) in self.rows.iter().enumerate() {
            let class = if r == 0 { " class=\"premise\"" } else { "" };
            let _ = write!(html, "<tr{class}><th>{}</th>", escape(&row.label));
            for (k, v) in row.values.iter().enumerate() {
                let _ = write!(html, "<td{}>{}</td>", cell(k), value_text(*v));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table></div>\n");
        html
    }
}

/// A value as the tables print it.
fn value_text(v: Option<f64>) -> String {
    // a value that rounds to zero prints as 0, never as -0
    v.map_or("?".to_string(), |v| {
        format!("{:.4}", (v * 1e4).round() / 1e4 + 0.0)
    })
}

/// One row (the values the network sees) as an SVG card: each feature's name
/// and its value in the data's units, one per line.
pub fn row_svg(features: &Features, values: &[f32]) -> String {
    const LINE: usize = 16;
    let height = LINE * features.len() + 8;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 360 {height}\" width=\"360\" height=\"{height}\" role=\"img\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for (f, name) in features.names().iter().enumerate() {
        let v = values
            .get(f)
            .and_then(|&v| features.original(f, v))
            .filter(|v| v.is_finite())
            .map(f64::from);
        let y = LINE * (f + 1);
        let _ = writeln!(
            svg,
            "<text x=\"6\" y=\"{y}\" font-size=\"12\">{}</text><text x=\"354\" y=\"{y}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            escape(name),
            value_text(v)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features() -> Features {
        Features::new(vec!["a".into(), "b<c".into()])
            .with_scaling(vec![10.0, 0.0], vec![2.0, 1.0])
            .unwrap()
    }

    #[test]
    fn bounded_features_come_first_in_the_data_units() {
        let t = RowTable::new(&features(), &[("row 3".into(), vec![1.0, 5.0])], &[1, 1]);
        assert_eq!(t.columns, ["b<c", "a"]);
        assert_eq!(t.bounded, [true, false]);
        // 1.0 seen by the network is 12 in the data
        assert_eq!(t.rows[0].values, [Some(5.0), Some(12.0)]);
        let html = t.html();
        assert!(html.find("b&lt;c").unwrap() < html.find(">a<").unwrap());
        assert!(html.contains("<td>12.0000</td>"), "{html}");
        assert!(html.contains("<td class=\"bounded\">5.0000</td>"), "{html}");
    }

    #[test]
    fn missing_and_out_of_range_values_are_unknown() {
        // a short row, a non-finite value, a bounded index past the features
        let t = RowTable::new(&features(), &[("r".into(), vec![f32::NAN])], &[7]);
        assert_eq!(t.columns, ["a", "b<c"]);
        assert_eq!(t.rows[0].values, [None, None]);
        assert!(t.html().contains("<td>?</td>"));
        assert_eq!(value_text(Some(-1e-9)), "0.0000");
    }

    #[test]
    fn a_row_card_names_each_feature() {
        let svg = row_svg(&features(), &[1.0, 5.0]);
        assert_eq!(svg.matches("<text").count(), 4);
        assert!(svg.contains(">b&lt;c</text>") && svg.contains(">12.0000</text>"));
    }
}
