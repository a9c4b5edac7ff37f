//! hayagriva's formatted element tree -> a flat run of [`Leaf`]s -> escaped HTML.
//!
//! Invariants: every piece of text is HTML-escaped here (hayagriva's own HTML writer
//! does not escape); only `http(s)` addresses and site paths become `<a>` elements; the only tags written
//! are `a`, `i`, `b`, `u`, `sup`, `sub` and `span class="small-caps"`, all of which the
//! page templates already allow. CSL display blocks are flattened: a reference reads
//! as one inline run inside its list item.

use hayagriva::citationberg::{FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign};
use hayagriva::{ElemChild, ElemChildren, Formatting};

use crate::html::escape_html;

/// A run of text with one formatting and at most one link.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Leaf {
    pub text: String,
    #[serde(with = "formatting")]
    pub formatting: Formatting,
    pub link: Option<String>,
}

/// hayagriva's [`Formatting`] (not serializable itself) as the tuple of its fields.
mod formatting {
    use hayagriva::Formatting;
    use hayagriva::citationberg::{
        FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign,
    };
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    type Fields = (
        FontStyle,
        FontVariant,
        FontWeight,
        TextDecoration,
        VerticalAlign,
    );

    pub fn serialize<S: Serializer>(
        formatting: &Formatting,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let fields: Fields = (
            formatting.font_style,
            formatting.font_variant,
            formatting.font_weight,
            formatting.text_decoration,
            formatting.vertical_align,
        );
        fields.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Formatting, D::Error> {
        let (font_style, font_variant, font_weight, text_decoration, vertical_align) =
            Fields::deserialize(deserializer)?;
        Ok(Formatting {
            font_style,
            font_variant,
            font_weight,
            text_decoration,
            vertical_align,
        })
    }
}

/// The leaves of `children` in reading order.
pub fn flatten(children: &ElemChildren) -> Vec<Leaf> {
    let mut leaves = Vec::new();
    push_leaves(children, &mut leaves);
    leaves
}

fn push_leaves(children: &ElemChildren, leaves: &mut Vec<Leaf>) {
    for child in &children.0 {
        match child {
            ElemChild::Text(text) => leaves.push(Leaf {
                text: text.text.clone(),
                formatting: text.formatting,
                link: None,
            }),
            ElemChild::Elem(elem) => push_leaves(&elem.children, leaves),
            ElemChild::Markup(markup) => leaves.push(Leaf {
                text: markup.clone(),
                formatting: Formatting::default(),
                link: None,
            }),
            ElemChild::Link { text, url } => leaves.push(Leaf {
                text: text.text.clone(),
                formatting: text.formatting,
                link: Some(url.clone()),
            }),
            ElemChild::Transparent { .. } => {}
        }
    }
}

/// Plain text of the leaves (for labels and tests).
pub fn plain(leaves: &[Leaf]) -> String {
    leaves.iter().map(|leaf| leaf.text.as_str()).collect()
}

/// Makes the first occurrence of `title` (inside one unlinked leaf) a link to `url`.
/// Returns false when the title is not found whole, e.g. after a style changed it.
pub fn link_title(leaves: &mut Vec<Leaf>, title: &str, url: &str) -> bool {
    let found = leaves
        .iter()
        .enumerate()
        .find_map(|(i, leaf)| Some((i, leaf.text.find(title)?)).filter(|_| leaf.link.is_none()));
    let Some((index, start)) = found.filter(|_| !title.is_empty()) else {
        return false;
    };
    let leaf = leaves.remove(index);
    let end = start + title.len();
    let piece = |text: &str, link: Option<String>| Leaf {
        text: text.to_string(),
        formatting: leaf.formatting,
        link,
    };
    let pieces = [
        piece(&leaf.text[..start], None),
        piece(title, Some(url.to_string())),
        piece(&leaf.text[end..], None),
    ];
    let pieces = pieces.into_iter().filter(|p| !p.text.is_empty());
    leaves.splice(index..index, pieces);
    true
}

/// Escaped HTML: runs sharing a link share one `<a>`, runs sharing a format one tag set.
pub fn write(leaves: &[Leaf]) -> String {
    let mut html = String::new();
    for group in leaves.chunk_by(|a, b| a.link == b.link) {
        let link = group[0].link.as_deref().filter(|url| is_web_address(url));
        if let Some(url) = link {
            html.push_str(&format!("<a href=\"{}\">", escape_html(url)));
        }
        for run in group.chunk_by(|a, b| a.formatting == b.formatting) {
            let text: String = run.iter().map(|leaf| leaf.text.as_str()).collect();
            write_formatted(&mut html, &text, run[0].formatting);
        }
        if link.is_some() {
            html.push_str("</a>");
        }
    }
    html
}

/// An absolute web address, or a path on this site (the title's link).
fn is_web_address(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"))
}

fn write_formatted(html: &mut String, text: &str, formatting: Formatting) {
    let tags = tags(formatting);
    for (open, _) in &tags {
        html.push_str(open);
    }
    html.push_str(&escape_html(text));
    for (_, close) in tags.iter().rev() {
        html.push_str(close);
    }
}

/// Opening and closing tags for a formatting, outermost first.
fn tags(formatting: Formatting) -> Vec<(&'static str, &'static str)> {
    let mut tags = Vec::new();
    if formatting.font_style == FontStyle::Italic {
        tags.push(("<i>", "</i>"));
    }
    if formatting.font_weight == FontWeight::Bold {
        tags.push(("<b>", "</b>"));
    }
    if formatting.font_variant == FontVariant::SmallCaps {
        tags.push(("<span class=\"small-caps\">", "</span>"));
    }
    if formatting.text_decoration == TextDecoration::Underline {
        tags.push(("<u>", "</u>"));
    }
    match formatting.vertical_align {
        VerticalAlign::Sup => tags.push(("<sup>", "</sup>")),
        VerticalAlign::Sub => tags.push(("<sub>", "</sub>")),
        VerticalAlign::None | VerticalAlign::Baseline => {}
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(text: &str, italic: bool, link: Option<&str>) -> Leaf {
        let mut formatting = Formatting::default();
        if italic {
            formatting.font_style = FontStyle::Italic;
        }
        Leaf {
            text: text.into(),
            formatting,
            link: link.map(Into::into),
        }
    }

    #[test]
    fn escapes_text_and_addresses() {
        let html = write(&[
            leaf("A <b> & \"c\". ", false, None),
            leaf(
                "https://x.org/?a=1&b=<2>",
                false,
                Some("https://x.org/?a=1&b=<2>"),
            ),
        ]);
        assert_eq!(
            html,
            "A &lt;b&gt; &amp; &quot;c&quot;. <a href=\"https://x.org/?a=1&amp;b=&lt;2&gt;\">https://x.org/?a=1&amp;b=&lt;2&gt;</a>"
        );
    }

    #[test]
    fn merges_runs_and_refuses_script_links() {
        let html = write(&[
            leaf("Deep ", true, None),
            leaf("Learning", true, None),
            leaf("x", false, Some("javascript:alert(1)")),
        ]);
        assert_eq!(html, "<i>Deep Learning</i>x");
    }

    #[test]
    fn links_the_title_inside_its_quotes() {
        let mut leaves = vec![leaf("A. Lee, “Deep Nets,” 2020.", false, None)];
        assert!(link_title(&mut leaves, "Deep Nets", "/papers/lee/"));
        assert_eq!(
            write(&leaves),
            "A. Lee, “<a href=\"/papers/lee/\">Deep Nets</a>,” 2020."
        );
        assert!(!link_title(&mut leaves, "Absent", "/x/"));
    }
}
