//! The paper list in `README.md`, generated from the same data as the site.
//!
//! Only the text between [`START`] and [`END`] belongs to the tool; everything else in
//! the README is the maintainers'. The list follows the topic tree (chapter, section,
//! finer topic), lists each paper once under every topic it is filed in, and is a pure
//! function of the assembled site, so `check` can tell whether the README is stale by
//! comparing texts.

use std::fmt::Write as _;

use crate::assemble::site::Site;
use crate::diagnostics::{Diagnostic, Position};
use crate::formats::cite;
use crate::load::SourceFile;
use crate::model::PaperFields;

pub const START: &str = "<!-- survey:papers:start -->";
pub const END: &str = "<!-- survey:papers:end -->";

/// The generated list: the lines between the markers, blocks separated by one blank
/// line, ending in a newline.
pub fn paper_list(site: &Site) -> String {
    let mut blocks = vec![
        "<!-- Generated from content/ by `survey readme`: edit the paper files, not this list. -->"
            .to_string(),
    ];
    for topic in &site.topics {
        if site.keys_under(&topic.id).is_empty() {
            continue;
        }
        let depth = topic.id.matches('/').count();
        let source = site
            .page(&topic.page)
            .map(|page| page.source.display().to_string())
            .unwrap_or_default();
        let anchor = topic
            .anchor
            .as_ref()
            .map(|a| format!("#{a}"))
            .unwrap_or_default();
        blocks.push(format!(
            "{} [{}]({source}{anchor})",
            "#".repeat(3 + depth),
            escape(&topic.title)
        ));
        let lines: Vec<String> = site
            .topic_papers
            .get(&topic.id)
            .into_iter()
            .flatten()
            .map(|key| paper_line(&site.papers[key].fields))
            .collect();
        if !lines.is_empty() {
            blocks.push(lines.join("\n"));
        }
    }
    blocks.join("\n\n") + "\n"
}

/// `- [Title](url) - Rafailov et al., NeurIPS 2023. [[code](url)]`
fn paper_line(fields: &PaperFields) -> String {
    let title = escape(&fields.title);
    let mut line = match paper_url(fields) {
        Some(url) => format!("- [{title}]({})", link_target(&url)),
        None => format!("- {title}"),
    };
    let _ = write!(line, " - {}", escape(&cite::label_names(fields)));
    match fields.venue.as_deref().filter(|v| !v.trim().is_empty()) {
        // "ICLR 2022" already dates the paper; "arXiv" and "TACL" need the year.
        Some(venue) if has_year(venue) => {
            let _ = write!(line, ", {}.", escape(venue));
        }
        Some(venue) => {
            let _ = write!(line, ", {} {}.", escape(venue), fields.year);
        }
        None => {
            let _ = write!(line, ", {}.", fields.year);
        }
    }
    if let Some(code) = fields.code.as_deref().filter(|c| !c.trim().is_empty()) {
        let _ = write!(line, " [[code]({})]", link_target(code));
    }
    line
}

fn has_year(venue: &str) -> bool {
    venue
        .split(|c: char| !c.is_ascii_digit())
        .any(|digits| digits.len() == 4)
}

/// The page to send a reader to: the paper's URL, else its arXiv or DOI page.
fn paper_url(fields: &PaperFields) -> Option<String> {
    let filled = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    filled(&fields.url)
        .or_else(|| filled(&fields.arxiv).map(|id| format!("https://arxiv.org/abs/{id}")))
        .or_else(|| filled(&fields.doi).map(|doi| format!("https://doi.org/{doi}")))
}

/// URLs with parentheses or spaces are wrapped in `<>` so Markdown keeps them whole.
fn link_target(url: &str) -> String {
    if url.contains(['(', ')', ' ', '<', '>']) {
        format!("<{}>", url.replace(['<', '>'], ""))
    } else {
        url.to_string()
    }
}

/// Backslash-escapes the characters that Markdown would read as markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '[' | ']' | '*' | '_' | '<' | '>' | '`' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Where the generated part sits in a README: byte ranges of the two marker lines.
struct Markers {
    start_line: std::ops::Range<usize>,
    end_line: std::ops::Range<usize>,
}

fn find_markers(text: &str, file: &SourceFile) -> Result<Option<Markers>, Diagnostic> {
    let line_of = |marker: &str| {
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            if line.trim() == marker {
                return Some(offset..offset + line.len());
            }
            offset += line.len();
        }
        None
    };
    match (line_of(START), line_of(END)) {
        (None, None) => Ok(None),
        (Some(start_line), Some(end_line)) if start_line.end <= end_line.start => {
            Ok(Some(Markers {
                start_line,
                end_line,
            }))
        }
        (start, _) => {
            let at = start.map_or(Position { line: 1, column: 1 }, |range| {
                Position::of_offset(text, range.start)
            });
            Err(
                Diagnostic::error(&file.path, "the paper list markers are incomplete")
                    .at(at)
                    .help(format!(
                        "put `{START}` on a line, then `{END}` on a later line"
                    )),
            )
        }
    }
}

/// The README with the generated part replaced; `Ok(None)` when it has no markers.
pub fn update(file: &SourceFile, site: &Site) -> Result<Option<String>, Diagnostic> {
    let Some(markers) = find_markers(&file.text, file)? else {
        return Ok(None);
    };
    let mut text = String::with_capacity(file.text.len());
    text.push_str(&file.text[..markers.start_line.end]);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&paper_list(site));
    text.push_str(&file.text[markers.end_line.start..]);
    Ok(Some(text))
}

/// An error at the start marker when the generated part differs from what
/// `survey readme` would write.
pub fn check(file: &SourceFile, site: &Site) -> Option<Diagnostic> {
    let updated = match update(file, site) {
        Ok(Some(updated)) => updated,
        Ok(None) => return None,
        Err(diagnostic) => return Some(diagnostic),
    };
    if updated == file.text {
        return None;
    }
    let start = file.text.find(START).unwrap_or(0);
    let differs_at = first_difference_line(&file.text, &updated);
    Some(
        Diagnostic::error(&file.path, "the paper list in README.md is out of date")
            .at(Position::of_offset(&file.text, start))
            .span(START.chars().count())
            .help(format!(
                "run `survey readme` (or `cargo run --release -- readme`) and commit README.md; the first difference is on line {differs_at}"
            )),
    )
}

fn first_difference_line(old: &str, new: &str) -> usize {
    let same = old
        .lines()
        .zip(new.lines())
        .take_while(|(a, b)| a == b)
        .count();
    same + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_in_titles() {
        assert_eq!(escape("A [b] *c*_d"), "A \\[b\\] \\*c\\*\\_d");
    }

    #[test]
    fn wraps_urls_with_parentheses() {
        assert_eq!(link_target("https://x.org/a_(b)"), "<https://x.org/a_(b)>");
        assert_eq!(link_target("https://x.org/a"), "https://x.org/a");
    }

    #[test]
    fn finds_markers_in_order_only() {
        let file = SourceFile {
            path: crate::paths::README_FILE.into(),
            text: format!("# T\n{END}\n{START}\n"),
        };
        let error = find_markers(&file.text, &file).err().unwrap();
        assert_eq!((error.line, error.column), (3, 1));
        let none = SourceFile {
            path: crate::paths::README_FILE.into(),
            text: "# T\n".into(),
        };
        assert!(find_markers(&none.text, &none).unwrap().is_none());
    }
}
