//! Markdown as a stream of pulldown-cmark events, transformed by one small state
//! machine ([`Transformer`]) that both *analyses* a body (headings, citations, links,
//! each with its byte offset) and *renders* it to HTML once citations and links can
//! be resolved. Running the same code for both guarantees that what the build
//! validated is exactly what it renders.
//!
//! Citation syntax follows Pandoc: `[@a]`, `[@a; @b]`, `[see @a, p. 3]`, `[-@a]`
//! (year only) and in-text `@a`. An e-mail address, `\@a`, and anything inside code,
//! maths or link text is not a citation.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::html::escape_html;
use crate::parse::highlight;
use crate::parse::math;

mod citations;
mod cleaning;
mod sentences;

use citations::{Found, TextRun, citation_html, find_citations};
use cleaning::needs_cleaning;
use sentences::sentence_around;

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
}

/// A heading with its stable anchor.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
    pub offset: usize,
}

/// One cited key inside a citation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CitedKey {
    pub key: String,
    /// Byte range of `@key` in the body.
    pub range: Range<usize>,
}

/// A citation: `[@a; @b]` (parenthetical) or `@a` (in-text).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Citation {
    pub keys: Vec<CitedKey>,
    pub in_text: bool,
    /// Anchor of the nearest heading above the citation, if any.
    pub anchor: Option<String>,
    /// Index of the paragraph (block) in the body, for co-citation counts.
    pub block: usize,
    /// The sentence around the citation.
    pub sentence: Vec<Segment>,
}

/// A piece of a sentence: plain text, or a citation (by its index in the analysis).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Segment {
    Text(String),
    Cite(usize),
}

/// A link written in the Markdown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Link {
    pub destination: String,
    pub offset: usize,
}

/// A formula whose TeX could not be converted to MathML.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MathProblem {
    /// Byte offset of the formula (its opening `$`) in the body.
    pub offset: usize,
    /// Length of the formula in bytes, delimiters included.
    pub length: usize,
    pub message: String,
}

/// What a body contains, with byte offsets into the body.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    pub headings: Vec<Heading>,
    pub citations: Vec<Citation>,
    pub links: Vec<Link>,
    pub math_problems: Vec<MathProblem>,
}

/// Where a citation key points, and how it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiteTarget {
    pub url: String,
    /// "Rafailov et al." (or a short title for a work without authors).
    pub names: String,
    /// "2023" or "2023a".
    pub year: String,
    /// The full title, for the link's tooltip.
    pub title: String,
}

/// Resolves citations and internal links while rendering.
pub trait Resolve {
    fn citation(&self, key: &str) -> Option<CiteTarget>;
    fn link(&self, destination: &str) -> Option<String>;
}

/// A resolver that knows nothing: used for analysis.
struct Unresolved;

impl Resolve for Unresolved {
    fn citation(&self, _: &str) -> Option<CiteTarget> {
        None
    }
    fn link(&self, _: &str) -> Option<String> {
        None
    }
}

/// Collects headings, citations and links of `body`.
pub fn analyze(body: &str) -> Analysis {
    let mut transformer = Transformer::new(body, &Unresolved);
    transformer.highlights = false;
    transformer.run();
    transformer.analysis
}

/// A body rendered to HTML, not yet sanitized.
pub struct Rendered {
    pub html: String,
    pub analysis: Analysis,
    /// Whether the body has anything a sanitizer could change ([`needs_cleaning`]).
    /// When it has not, the HTML is only markup this module writes around text that
    /// pulldown-cmark or this module escaped, and sanitizing it would only write the
    /// same text with other entities.
    pub needs_cleaning: bool,
}

/// Renders `body` to HTML (not yet sanitized), resolving citations and links.
pub fn render(body: &str, resolver: &dyn Resolve) -> Rendered {
    let mut transformer = Transformer::new(body, resolver);
    let events = transformer.run();
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Rendered {
        html,
        analysis: transformer.analysis,
        needs_cleaning: transformer.needs_cleaning,
    }
}

/// Stands in [`render_slotted`]'s HTML for a citation: a private-use character, which
/// sanitizing leaves as it is.
pub const SLOT: char = '\u{E000}';

/// A citation left out of [`render_slotted`]'s HTML.
pub struct Slot {
    found: Found,
    written: String,
}

impl Slot {
    /// The citation's HTML, exactly as [`render`] writes it with the same `resolver`.
    pub fn html(&self, resolver: &dyn Resolve) -> String {
        citation_html(&self.found, &self.written, resolver)
    }
}

/// [`render`] with every citation left out as a [`SLOT`], and those citations in
/// order: this HTML reads only the body and its links, so it can be kept while the
/// labels of the papers it cites change. `None` when the body has raw HTML (which
/// could make the sanitizer treat a citation's markup otherwise than alone) or a
/// [`SLOT`] of its own.
pub fn render_slotted(body: &str, resolver: &dyn Resolve) -> Option<Slotted> {
    if body.contains(SLOT) {
        return None;
    }
    let mut transformer = Transformer::new(body, resolver);
    transformer.slots = Some(Vec::new());
    let events = transformer.run();
    if transformer.raw_html {
        return None;
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Some(Slotted {
        html,
        slots: transformer.slots.unwrap_or_default(),
        needs_cleaning: transformer.needs_cleaning,
    })
}

/// What [`render_slotted`] makes.
pub struct Slotted {
    pub html: String,
    pub slots: Vec<Slot>,
    /// As [`Rendered::needs_cleaning`].
    pub needs_cleaning: bool,
}

/// Lower-case, dash-separated anchor text, as most documentation tools make it.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            slug.push(c);
        } else if (c.is_whitespace() || c == '-') && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug
    }
}

/// A heading being read: its events are held back until its id is known.
struct PendingHeading<'a> {
    level: u8,
    explicit_id: Option<String>,
    offset: usize,
    events: Vec<Event<'a>>,
    text: String,
}

struct Transformer<'a> {
    body: &'a str,
    resolver: &'a dyn Resolve,
    analysis: Analysis,
    out: Vec<Event<'a>>,
    run: TextRun,
    /// Depth of constructs whose text is never scanned for citations (links, images).
    opaque: usize,
    in_code_block: Option<(String, String)>,
    heading: Option<PendingHeading<'a>>,
    used_ids: HashMap<String, usize>,
    block: usize,
    /// The current block's text, for sentences: segments and the pending citation indexes.
    sentence_text: Vec<Segment>,
    block_citations: Vec<usize>,
    /// Whether code blocks are highlighted: analysis discards the HTML, and
    /// highlighting is the costliest step of rendering a body.
    highlights: bool,
    /// Where citations go instead of the HTML, if they are left out of it.
    slots: Option<Vec<Slot>>,
    /// Whether the body has HTML of its own.
    raw_html: bool,
    /// Whether the body has anything a sanitizer could change ([`needs_cleaning`]).
    needs_cleaning: bool,
}

impl<'a> Transformer<'a> {
    fn new(body: &'a str, resolver: &'a dyn Resolve) -> Self {
        Transformer {
            body,
            resolver,
            analysis: Analysis::default(),
            out: Vec::new(),
            run: TextRun::default(),
            opaque: 0,
            in_code_block: None,
            heading: None,
            used_ids: HashMap::new(),
            block: 0,
            sentence_text: Vec::new(),
            block_citations: Vec::new(),
            highlights: true,
            slots: None,
            raw_html: false,
            needs_cleaning: false,
        }
    }

    fn run(&mut self) -> Vec<Event<'a>> {
        let parser = Parser::new_ext(self.body, options()).into_offset_iter();
        for (event, range) in parser {
            self.event(event, range);
        }
        self.flush_text();
        self.end_block();
        std::mem::take(&mut self.out)
    }

    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        self.raw_html |= matches!(event, Event::Html(_) | Event::InlineHtml(_));
        self.needs_cleaning |= needs_cleaning(&event);
        if let Some((_, code)) = &mut self.in_code_block {
            match event {
                Event::Text(text) => return code.push_str(&text),
                Event::End(TagEnd::CodeBlock) => return self.end_code_block(),
                _ => return,
            }
        }
        match event {
            Event::Text(text) if self.opaque == 0 => self.run.push(&text, range.start),
            Event::SoftBreak if self.opaque == 0 => self.run.push(" ", range.start),
            other => {
                self.flush_text();
                self.structural(other, range);
            }
        }
    }

    fn structural(&mut self, event: Event<'a>, range: Range<usize>) {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                self.end_block();
                self.heading = Some(PendingHeading {
                    level: heading_level(level),
                    explicit_id: id.map(|id| id.to_string()),
                    offset: range.start,
                    events: Vec::new(),
                    text: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => self.end_heading(),
            Event::Start(Tag::CodeBlock(kind)) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.in_code_block = Some((language, String::new()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                self.opaque += 1;
                let dest_url = self.link_destination(dest_url, range.start);
                self.emit(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image { .. }) => {
                self.opaque += 1;
                self.emit(event);
            }
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
                self.opaque = self.opaque.saturating_sub(1);
                self.emit(event);
            }
            Event::Text(ref text) | Event::Code(ref text) => {
                self.sentence_push(text);
                self.emit(event);
            }
            Event::InlineMath(tex) => self.math(&tex, false, range),
            Event::DisplayMath(tex) => self.math(&tex, true, range),
            Event::Start(Tag::Paragraph)
            | Event::Start(Tag::Item)
            | Event::Start(Tag::TableCell) => {
                self.end_block();
                self.emit(event);
            }
            Event::End(TagEnd::Paragraph)
            | Event::End(TagEnd::Item)
            | Event::End(TagEnd::TableCell) => {
                self.end_block();
                self.emit(event);
            }
            other => self.emit(other),
        }
    }

    /// A formula as MathML; TeX that does not convert is shown as written (escaped)
    /// and recorded as a problem at its offset.
    fn math(&mut self, tex: &str, display: bool, range: Range<usize>) {
        let html = match math::to_mathml(tex, display) {
            // A wide formula scrolls inside its own box; keyboard users reach it by Tab.
            Ok(mathml) if display => {
                format!("<span class=\"math-block\" tabindex=\"0\">{mathml}</span>")
            }
            Ok(mathml) => mathml,
            Err(message) => {
                self.analysis.math_problems.push(MathProblem {
                    offset: range.start,
                    length: range.len(),
                    message,
                });
                math_source_html(tex, display)
            }
        };
        self.emit(Event::InlineHtml(html.into()));
    }

    fn emit(&mut self, event: Event<'a>) {
        match &mut self.heading {
            Some(heading) => heading.events.push(event),
            None => self.out.push(event),
        }
    }

    fn sentence_push(&mut self, text: &str) {
        if let Some(heading) = &mut self.heading {
            heading.text.push_str(text);
            return;
        }
        match self.sentence_text.last_mut() {
            Some(Segment::Text(last)) => last.push_str(text),
            _ => self.sentence_text.push(Segment::Text(text.to_string())),
        }
    }

    fn link_destination(&mut self, dest: CowStr<'a>, offset: usize) -> CowStr<'a> {
        if is_external(&dest) {
            return dest;
        }
        self.analysis.links.push(Link {
            destination: dest.to_string(),
            offset,
        });
        match self.resolver.link(&dest) {
            Some(url) => CowStr::from(url),
            None => dest,
        }
    }

    fn end_heading(&mut self) {
        let Some(PendingHeading {
            level,
            explicit_id,
            offset,
            events,
            text,
        }) = self.heading.take()
        else {
            return;
        };
        let id = self.unique_id(explicit_id.unwrap_or_else(|| slugify(&text)));
        self.analysis.headings.push(Heading {
            level,
            text: text.trim().to_string(),
            id: id.clone(),
            offset,
        });
        self.out
            .push(Event::Html(format!("<h{level} id=\"{id}\">").into()));
        self.out.extend(events);
        self.out.push(Event::Html(
            format!("<a class=\"anchor\" href=\"#{id}\" aria-label=\"Link to this section\">#</a></h{level}>\n").into(),
        ));
    }

    fn unique_id(&mut self, id: String) -> String {
        let count = self.used_ids.entry(id.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            id
        } else {
            format!("{id}-{}", *count - 1)
        }
    }

    fn end_code_block(&mut self) {
        let Some((language, code)) = self.in_code_block.take() else {
            return;
        };
        if !self.highlights {
            return;
        }
        self.out
            .push(Event::Html(highlight::code_block(&code, &language).into()));
    }

    fn current_anchor(&self) -> Option<String> {
        self.analysis
            .headings
            .last()
            .map(|heading| heading.id.clone())
    }

    /// Scans the gathered text for citations; emits text and citation HTML.
    fn flush_text(&mut self) {
        if self.run.text.is_empty() {
            return;
        }
        let run = std::mem::take(&mut self.run);
        if self.heading.is_some() {
            return self.plain(&run.text);
        }
        let mut cursor = 0;
        for found in find_citations(&run, self.body) {
            self.plain(&run.text[cursor..found.range.start]);
            cursor = found.range.end;
            self.citation(&run, found);
        }
        self.plain(&run.text[cursor..]);
    }

    fn plain(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.sentence_push(text);
        self.emit(Event::Text(CowStr::from(text.to_string())));
    }

    fn citation(&mut self, run: &TextRun, found: Found) {
        let index = self.analysis.citations.len();
        let keys = found
            .parts
            .iter()
            .map(|part| CitedKey {
                key: part.key.clone(),
                range: run.body_offset(part.key_range.start)..run.body_offset(part.key_range.end),
            })
            .collect();
        self.analysis.citations.push(Citation {
            keys,
            in_text: found.in_text,
            anchor: self.current_anchor(),
            block: self.block,
            sentence: Vec::new(),
        });
        self.block_citations.push(index);
        self.sentence_text.push(Segment::Cite(index));
        let written = &run.text[found.range.clone()];
        let html = match &mut self.slots {
            Some(slots) => {
                let written = written.to_string();
                slots.push(Slot { found, written });
                SLOT.to_string()
            }
            None => citation_html(&found, written, self.resolver),
        };
        self.emit(Event::InlineHtml(html.into()));
    }

    /// Closes a block (paragraph, list item, table cell): cuts the sentence around each
    /// of its citations.
    fn end_block(&mut self) {
        if self.sentence_text.is_empty() && self.block_citations.is_empty() {
            return;
        }
        let segments = std::mem::take(&mut self.sentence_text);
        for index in std::mem::take(&mut self.block_citations) {
            if let Some(position) = segments.iter().position(|s| *s == Segment::Cite(index)) {
                self.analysis.citations[index].sentence = sentence_around(&segments, position);
            }
        }
        self.block += 1;
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

/// Links with a scheme (`https:`, `mailto:`, …), protocol-relative or site-absolute
/// links are not checked; the sanitizer removes dangerous schemes.
fn is_external(destination: &str) -> bool {
    destination.starts_with('/') || has_scheme(destination)
}

fn has_scheme(destination: &str) -> bool {
    let Some((scheme, _)) = destination.split_once(':') else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A formula that could not be converted, shown as the TeX that was written.
fn math_source_html(tex: &str, display: bool) -> String {
    let escaped = escape_html(tex);
    if display {
        format!("<code class=\"math-error math-display\">$${escaped}$$</code>")
    } else {
        format!("<code class=\"math-error\">${escaped}$</code>")
    }
}

#[cfg(test)]
mod tests;
