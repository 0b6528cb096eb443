//! A table explanation drawn as an HTML table: the premise's row and
//! comparison rows in the data's units, the features the conjuncts bound
//! highlighted.

use nnitp_core::features::Features;

use crate::report::escape;

/// An HTML table of `rows` (`(label, the values the network sees)`, the
/// premise first) over every feature of `features`, values in the data's
/// units; the columns of `bounded` features are highlighted and come first.
pub fn rows_html(features: &Features, rows: &[(String, Vec<f32>)], bounded: &[usize]) -> String {
    let mut order: Vec<usize> = bounded.to_vec();
    order.dedup();
    order.extend((0..features.len()).filter(|f| !bounded.contains(f)));
    let cell = |f: usize| {
        if bounded.contains(&f) {
            " class=\"bounded\""
        } else {
            ""
        }
    };
    let mut html = String::from("<div class=\"rows\"><table>\n<tr><th></th>");
    for &f in &order {
        html.push_str(&format!(
            "<th{}>{}</th>",
            cell(f),
            escape(&features.names()[f])
        ));
    }
    html.push_str("</tr>\n");
    for (k, (label, values)) in rows.iter().enumerate() {
        let class = if k == 0 { " class=\"premise\"" } else { "" };
        html.push_str(&format!("<tr{class}><th>{}</th>", escape(label)));
        for &f in &order {
            let v = values
                .get(f)
                .and_then(|&v| features.original(f, v))
                .map_or("?".to_string(), |v| format!("{v:.4}"));
            html.push_str(&format!("<td{}>{v}</td>", cell(f)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table></div>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_features_come_first_in_the_data_units() {
        let f = Features::new(vec!["a".into(), "b<c".into()])
            .with_scaling(vec![10.0, 0.0], vec![2.0, 1.0])
            .unwrap();
        let html = rows_html(&f, &[("row 3".into(), vec![1.0, 5.0])], &[1]);
        let b = html.find("b&lt;c").unwrap();
        assert!(b < html.find(">a<").unwrap());
        // 1.0 seen by the network is 12 in the data
        assert!(html.contains("<td>12.0000</td>"), "{html}");
        assert!(html.contains("<td class=\"bounded\">5.0000</td>"), "{html}");
    }
}
