//! Charts drawn at build time as inline SVG: no charting JavaScript in the browser.
//!
//! Invariants: output depends only on the bars given (deterministic, integer
//! coordinates); every label is HTML-escaped; each chart carries a `<title>` and a
//! `<desc>` that states every value, so it reads the same to a screen reader; colours
//! come from CSS classes, so the light and dark themes both apply.

use crate::html::escape_html;

/// One bar: a label (a year, a chapter title) and how many papers it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: usize,
}

/// Width of every chart's coordinate system; the SVG scales to its container.
const WIDTH: usize = 320;
const FONT: usize = 12;

/// Vertical columns, one per bar, labelled below and valued above: for short labels.
pub fn columns(id: &str, title: &str, bars: &[Bar]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let plot_height = 120;
    let (top, bottom) = (FONT + 6, FONT + 8);
    let height = top + plot_height + bottom;
    let max = max_value(bars);
    let slot = WIDTH / bars.len();
    let bar_width = (slot * 2 / 3).max(1);
    let mut svg = open(id, title, bars, height);
    for (index, bar) in bars.iter().enumerate() {
        let bar_height = scaled(bar.value, max, plot_height);
        let x = index * slot + (slot - bar_width) / 2;
        let y = top + plot_height - bar_height;
        let center = index * slot + slot / 2;
        svg.push_str(&format!(
            "<rect class=\"chart-bar\" x=\"{x}\" y=\"{y}\" width=\"{bar_width}\" height=\"{bar_height}\"/>\
<text class=\"chart-value\" x=\"{center}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
<text class=\"chart-label\" x=\"{center}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            y - 4,
            bar.value,
            top + plot_height + FONT + 4,
            escape_html(&bar.label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars, each under its label: for long labels, readable on a phone.
pub fn rows(id: &str, title: &str, bars: &[Bar]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let (row_height, bar_height) = (FONT * 3, FONT);
    let height = bars.len() * row_height;
    let max = max_value(bars);
    let plot_width = WIDTH - 40;
    let mut svg = open(id, title, bars, height);
    for (index, bar) in bars.iter().enumerate() {
        let top = index * row_height;
        let length = scaled(bar.value, max, plot_width);
        svg.push_str(&format!(
            "<text class=\"chart-label\" x=\"0\" y=\"{}\">{}</text>\
<rect class=\"chart-bar\" x=\"0\" y=\"{}\" width=\"{length}\" height=\"{bar_height}\"/>\
<text class=\"chart-value\" x=\"{}\" y=\"{}\">{}</text>",
            top + FONT,
            escape_html(&bar.label),
            top + FONT + 4,
            length + 4,
            top + FONT * 2 + 3,
            bar.value
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The `<svg>` start tag with its accessible name and a description of every value.
fn open(id: &str, title: &str, bars: &[Bar], height: usize) -> String {
    let id = escape_html(id);
    let description: Vec<String> = bars
        .iter()
        .map(|bar| format!("{}: {}", bar.label, bar.value))
        .collect();
    format!(
        "<svg class=\"chart\" id=\"{id}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
aria-labelledby=\"{id}-title {id}-desc\" font-size=\"{FONT}\" xmlns=\"http://www.w3.org/2000/svg\">\
<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}.</desc>",
        escape_html(title),
        escape_html(&description.join("; "))
    )
}

fn max_value(bars: &[Bar]) -> usize {
    bars.iter().map(|bar| bar.value).max().unwrap_or(0).max(1)
}

/// `value` as a share of `room`, rounded, with at least one unit for a non-zero value
/// so that every counted bar stays visible.
fn scaled(value: usize, max: usize, room: usize) -> usize {
    let length = (value * room + max / 2) / max;
    if value > 0 { length.max(1) } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars() -> Vec<Bar> {
        vec![
            Bar {
                label: "2022".into(),
                value: 10,
            },
            Bar {
                label: "2023".into(),
                value: 40,
            },
            Bar {
                label: "2024".into(),
                value: 1,
            },
        ]
    }

    #[test]
    fn columns_draw_one_bar_per_value_scaled_to_the_largest() {
        let svg = columns("years", "Papers per year", &bars());
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(
            svg.contains("height=\"120\""),
            "largest bar fills the plot: {svg}"
        );
        assert!(
            svg.contains("height=\"30\""),
            "10 of 40 is a quarter: {svg}"
        );
        assert!(svg.contains("height=\"3\""), "1 of 40 stays visible: {svg}");
    }

    #[test]
    fn charts_state_every_value_in_their_description() {
        let svg = rows("chapters", "Papers per chapter", &bars());
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"chapters-title\">Papers per chapter</title>"));
        assert!(svg.contains("<desc id=\"chapters-desc\">2022: 10; 2023: 40; 2024: 1.</desc>"));
    }

    #[test]
    fn labels_are_escaped() {
        let svg = rows(
            "c",
            "T",
            &[Bar {
                label: "<script>".into(),
                value: 1,
            }],
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }

    #[test]
    fn no_bars_no_chart() {
        assert_eq!(columns("x", "T", &[]), "");
        assert_eq!(rows("x", "T", &[]), "");
    }
}
