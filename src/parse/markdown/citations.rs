//! Citation syntax in Markdown text: `[@key]`, `[@a; @b, p. 3]` and in-text `@key`,
//! found in runs of text with their offsets in the body, and written as links to the
//! reference list.

use std::ops::Range;

use crate::html::{serialized_attribute, serialized_text};

use super::{CiteTarget, Resolve};

/// Text gathered from consecutive text events, with the body offset of each piece.
#[derive(Default)]
pub(super) struct TextRun {
    pub(super) text: String,
    /// (offset in `text`, offset in body) at the start of each piece.
    pub(super) map: Vec<(usize, usize)>,
}

impl TextRun {
    pub(super) fn push(&mut self, piece: &str, body_offset: usize) {
        self.map.push((self.text.len(), body_offset));
        self.text.push_str(piece);
    }

    pub(super) fn body_offset(&self, at: usize) -> usize {
        let index = self
            .map
            .partition_point(|(start, _)| *start <= at)
            .saturating_sub(1);
        let (start, body) = self.map.get(index).copied().unwrap_or((0, 0));
        body + (at - start)
    }
}

/// A citation found in a run of text, before it is resolved.
pub(super) struct Found {
    pub(super) range: Range<usize>,
    pub(super) in_text: bool,
    pub(super) parts: Vec<Part>,
}

pub(super) struct Part {
    pub(super) prefix: String,
    pub(super) key: String,
    pub(super) key_range: Range<usize>,
    pub(super) suppress_author: bool,
    pub(super) suffix: String,
}

/// Finds every citation in a run of text.
pub(super) fn find_citations(run: &TextRun, body: &str) -> Vec<Found> {
    let text = run.text.as_str();
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap_or(' ');
        let next = if c == '[' {
            bracketed_citation(text, i, run, body)
        } else if c == '@' {
            in_text_citation(text, i, run, body)
        } else {
            None
        };
        match next {
            Some(citation) => {
                i = citation.range.end;
                found.push(citation);
            }
            None => i += c.len_utf8(),
        }
    }
    found
}

/// `[prefix @key, suffix; -@other]` starting at `start`.
fn bracketed_citation(text: &str, start: usize, run: &TextRun, body: &str) -> Option<Found> {
    let close = start + text[start..].find(']')?;
    let inner = &text[start + 1..close];
    if inner.contains('[') || !inner.contains('@') {
        return None;
    }
    let mut parts = Vec::new();
    let mut offset = start + 1;
    for piece in inner.split(';') {
        parts.push(citation_part(piece, offset, run, body)?);
        offset += piece.len() + 1;
    }
    Some(Found {
        range: start..close + 1,
        in_text: false,
        parts,
    })
}

fn citation_part(piece: &str, offset: usize, run: &TextRun, body: &str) -> Option<Part> {
    let at = piece.find('@')?;
    let before = &piece[..at];
    let suppress_author = before.ends_with('-');
    let prefix = before.strip_suffix('-').unwrap_or(before).trim();
    if before[..before.len() - usize::from(suppress_author)]
        .ends_with(|c: char| c.is_alphanumeric())
    {
        return None;
    }
    let key_len = key_length(&piece[at + 1..])?;
    let key_start = offset + at;
    if is_escaped(run, body, key_start) {
        return None;
    }
    let suffix = piece[at + 1 + key_len..].trim();
    Some(Part {
        prefix: prefix.to_string(),
        key: piece[at + 1..at + 1 + key_len].to_string(),
        key_range: key_start..key_start + 1 + key_len,
        suppress_author,
        suffix: suffix.to_string(),
    })
}

/// `@key` in running text; not after a word character (e-mail addresses).
fn in_text_citation(text: &str, start: usize, run: &TextRun, body: &str) -> Option<Found> {
    let before = text[..start].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '@' | '/' | '\\')) {
        return None;
    }
    if is_escaped(run, body, start) {
        return None;
    }
    let key_len = key_length(&text[start + 1..])?;
    let end = start + 1 + key_len;
    let part = Part {
        prefix: String::new(),
        key: text[start + 1..end].to_string(),
        key_range: start..end,
        suppress_author: false,
        suffix: String::new(),
    };
    Some(Found {
        range: start..end,
        in_text: true,
        parts: vec![part],
    })
}

/// Length of a citation key at the start of `text`: Pandoc's rule, letters, digits and
/// `_` with internal punctuation `:.-/`, never ending in punctuation.
fn key_length(text: &str) -> Option<usize> {
    let first = text.chars().next()?;
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return None;
    }
    let mut length = 0;
    let mut last_word_end = 0;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            length += c.len_utf8();
            last_word_end = length;
        } else if matches!(c, ':' | '.' | '-' | '/') {
            length += 1;
        } else {
            break;
        }
    }
    Some(last_word_end)
}

/// True when the `@` at `at` in the run was written as `\@` in the source.
fn is_escaped(run: &TextRun, body: &str, at: usize) -> bool {
    let offset = run.body_offset(at);
    body.as_bytes().get(offset) == Some(&b'@') && offset > 0 && body.as_bytes()[offset - 1] == b'\\'
}

/// The HTML of one citation; unresolved keys stay as the text that was written. It
/// is escaped as the sanitizer writes HTML, so that it reads the same whether it was
/// sanitized with its page or written in after ([`super::render_slotted`]).
pub(super) fn citation_html(found: &Found, written: &str, resolver: &dyn Resolve) -> String {
    let targets: Option<Vec<CiteTarget>> = found
        .parts
        .iter()
        .map(|p| resolver.citation(&p.key))
        .collect();
    let Some(targets) = targets else {
        return serialized_text(written);
    };
    if found.in_text {
        let target = &targets[0];
        return format!(
            "<a class=\"citation\" href=\"{}\" title=\"{}\">{} ({})</a>",
            serialized_attribute(&target.url),
            serialized_attribute(&target.title),
            serialized_text(&target.names),
            serialized_text(&target.year)
        );
    }
    let items: Vec<String> = found
        .parts
        .iter()
        .zip(&targets)
        .map(|(part, target)| parenthetical_item(part, target))
        .collect();
    format!(
        "<span class=\"citation-group\">({})</span>",
        items.join("; ")
    )
}

fn parenthetical_item(part: &Part, target: &CiteTarget) -> String {
    let label = if part.suppress_author {
        serialized_text(&target.year)
    } else {
        format!(
            "{}, {}",
            serialized_text(&target.names),
            serialized_text(&target.year)
        )
    };
    let mut item = String::new();
    if !part.prefix.is_empty() {
        item.push_str(&serialized_text(&part.prefix));
        item.push(' ');
    }
    item.push_str(&format!(
        "<a class=\"citation\" href=\"{}\" title=\"{}\">{label}</a>",
        serialized_attribute(&target.url),
        serialized_attribute(&target.title)
    ));
    if !part.suffix.is_empty() {
        let suffix = part.suffix.trim_start_matches(',').trim();
        item.push_str(", ");
        item.push_str(&serialized_text(suffix));
    }
    item
}
