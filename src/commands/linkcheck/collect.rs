//! Finding the external URLs of the content, each with where it is written.
//!
//! Papers' `url` and `code` fields are found at their front-matter line; Markdown links
//! and images (inline, reference-style and `<https://...>` autolinks) through the same
//! pulldown-cmark options as the renderer, so exactly the links a reader can click are
//! checked. A file that does not parse is skipped here: `check` reports it anyway.

use std::path::PathBuf;

use pulldown_cmark::{Event, Parser, Tag};

use crate::diagnostics::Position;
use crate::load::{SourceFile, Sources};
use crate::model::PaperFields;
use crate::parse::frontmatter::{self, Split};

/// One external URL where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    pub url: String,
    pub path: PathBuf,
    pub position: Position,
}

/// Every `http(s)` URL of the site's content files, in file order.
pub fn collect(sources: &Sources) -> Vec<ExternalLink> {
    let mut links = Vec::new();
    for file in &sources.content {
        let Ok(split) = frontmatter::split(file) else {
            continue;
        };
        if file.path.starts_with(crate::paths::PAPERS_DIR) {
            paper_fields(file, &split, &mut links);
        }
        body_links(file, &split, &mut links);
    }
    links
}

fn paper_fields(file: &SourceFile, split: &Split, links: &mut Vec<ExternalLink>) {
    let Ok(fields) = frontmatter::parse::<PaperFields>(file, split) else {
        return;
    };
    for (name, value) in [("url", &fields.url), ("code", &fields.code)] {
        if let Some(url) = value.as_deref().filter(|u| is_web(u)) {
            links.push(ExternalLink {
                url: url.to_string(),
                path: file.path.clone(),
                position: frontmatter::field_position(file, split, name),
            });
        }
    }
}

fn body_links(file: &SourceFile, split: &Split, links: &mut Vec<ExternalLink>) {
    let parser = Parser::new_ext(split.body, crate::parse::markdown::options()).into_offset_iter();
    for (event, range) in parser {
        let destination = match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => dest_url,
            _ => continue,
        };
        if !is_web(&destination) {
            continue;
        }
        // Point at the URL itself when it is written inside the link's text range.
        let start = split.body[range.clone()]
            .find(&*destination)
            .map_or(range.start, |i| range.start + i);
        links.push(ExternalLink {
            url: destination.to_string(),
            path: file.path.clone(),
            position: Position::of_offset(&file.text, split.body_offset + start),
        });
    }
}

fn is_web(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    #[test]
    fn finds_fields_and_body_links_with_positions() {
        let paper = file(
            "content/papers/a.md",
            "---\ntitle: T\nyear: 2023\nurl: https://a.org/p\ncode: https://github.com/x/y\n---\nSee [site](https://b.org/x) and <https://c.org/>.\n",
        );
        let page = file(
            "content/ch/_index.md",
            "---\ntitle: C\n---\nIntro.\n\n![fig](http://d.org/f.png \"t\") [local](x.md) [mail](mailto:a@b.c)\n\n[ref]: https://e.org/r\n\nA [reference link][ref].\n",
        );
        let sources = Sources {
            content: vec![paper, page],
            ..Sources::default()
        };
        let found: Vec<(String, usize, usize)> = collect(&sources)
            .into_iter()
            .map(|l| (l.url, l.position.line, l.position.column))
            .collect();
        assert_eq!(
            found,
            [
                ("https://a.org/p".to_string(), 4, 6),
                ("https://github.com/x/y".to_string(), 5, 7),
                ("https://b.org/x".to_string(), 7, 12),
                ("https://c.org/".to_string(), 7, 34),
                ("http://d.org/f.png".to_string(), 6, 8),
                ("https://e.org/r".to_string(), 10, 3),
            ]
        );
    }
}
