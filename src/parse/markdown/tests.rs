//! Tests of Markdown analysis and rendering.

use super::*;

fn keys(body: &str) -> Vec<(String, bool)> {
    analyze(body)
        .citations
        .iter()
        .flat_map(|c| c.keys.iter().map(move |k| (k.key.clone(), c.in_text)))
        .collect()
}

fn owned(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|(k, t)| (k.to_string(), *t)).collect()
}

#[test]
fn finds_parenthetical_and_in_text_citations() {
    let found = keys("As shown [@a; @b-c], @d2023x argues.\n");
    assert_eq!(
        found,
        owned(&[("a", false), ("b-c", false), ("d2023x", true)])
    );
}

#[test]
fn ignores_emails_code_escapes_and_link_text() {
    let body = "Mail me@x.org, `@code`, \\@escaped, [@inlink](http://x) and\n\n```\n@block\n```\n";
    assert!(keys(body).is_empty(), "{:?}", keys(body));
}

#[test]
fn records_key_byte_ranges_in_the_body() {
    let body = "Intro\nline two [@key] end\n";
    let analysis = analyze(body);
    let key = &analysis.citations[0].keys[0];
    assert_eq!(&body[key.range.clone()], "@key");
}

#[test]
fn key_does_not_swallow_trailing_punctuation() {
    assert_eq!(keys("See @abc2023x."), owned(&[("abc2023x", true)]));
}

#[test]
fn citation_spanning_a_line_break_is_found() {
    assert_eq!(
        keys("Both [@a;\n@b] work."),
        owned(&[("a", false), ("b", false)])
    );
}

#[test]
fn headings_get_unique_stable_ids() {
    let analysis = analyze("# Intro\n\n## Intro\n\n## Custom {#mine}\n");
    let ids: Vec<_> = analysis.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["intro", "intro-1", "mine"]);
}

#[test]
fn citation_knows_its_heading_and_sentence() {
    let analysis = analyze("## Methods\n\nFirst one. Then DPO [@r] is used. Last.\n");
    let citation = &analysis.citations[0];
    assert_eq!(citation.anchor.as_deref(), Some("methods"));
    assert_eq!(
        citation.sentence,
        vec![
            Segment::Text("Then DPO ".into()),
            Segment::Cite(0),
            Segment::Text(" is used.".into())
        ]
    );
}

#[test]
fn sentence_does_not_break_after_et_al() {
    let analysis = analyze("Smith et al. Found [@r] here. Next.");
    assert_eq!(
        analysis.citations[0].sentence[0],
        Segment::Text("Smith et al. Found ".into())
    );
}

struct Fixed;
impl Resolve for Fixed {
    fn citation(&self, key: &str) -> Option<CiteTarget> {
        Some(CiteTarget {
            url: format!("/p/{key}/"),
            names: "Rafailov et al.".into(),
            year: "2023".into(),
            title: "T".into(),
        })
    }
    fn link(&self, destination: &str) -> Option<String> {
        Some(format!("/resolved/{destination}"))
    }
}

#[test]
fn renders_author_year_links() {
    let html = render("See [@a] and @b. [see @c, p. 3; -@d]\n", &Fixed).html;
    assert!(
        html.contains(
            "(<a class=\"citation\" href=\"/p/a/\" title=\"T\">Rafailov et al., 2023</a>)"
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "<a class=\"citation\" href=\"/p/b/\" title=\"T\">Rafailov et al. (2023)</a>"
        ),
        "{html}"
    );
    assert!(html.contains("(see <a class=\"citation\" href=\"/p/c/\" title=\"T\">Rafailov et al., 2023</a>, p. 3; <a class=\"citation\" href=\"/p/d/\" title=\"T\">2023</a>)"), "{html}");
}

#[test]
fn rewrites_internal_links_and_keeps_external_ones() {
    let Rendered { html, analysis, .. } = render("[a](x.md#y) [b](https://e.org)\n", &Fixed);
    assert!(html.contains("href=\"/resolved/x.md#y\""), "{html}");
    assert!(html.contains("href=\"https://e.org\""), "{html}");
    assert_eq!(analysis.links.len(), 1);
}

#[test]
fn slugify_makes_readable_anchors() {
    assert_eq!(
        slugify("Rank-based Training (2023)!"),
        "rank-based-training-2023"
    );
    assert_eq!(slugify("  "), "section");
}

#[test]
fn only_relative_web_and_mail_destinations_are_kept_as_written() {
    use super::cleaning::kept_as_written;
    for kept in [
        "x.md",
        "/a/b?c#d",
        "#top",
        "https://e.org",
        "HTTP://E.ORG",
        "mailto:a@b.org",
        "a/b:c",
    ] {
        assert!(kept_as_written(kept), "{kept}");
    }
    for dropped in [
        "javascript:alert(1)",
        "JavaScript:x",
        "data:text/html,x",
        "vbscript:x",
        "\u{1}javascript:x",
        "ftp://e.org",
    ] {
        assert!(!kept_as_written(dropped), "{dropped}");
    }
}
