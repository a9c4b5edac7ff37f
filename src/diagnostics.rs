//! Problems found in user input, as values.
//!
//! Every stage pushes [`Diagnostic`]s into a [`Diagnostics`] collector instead of
//! failing on the first problem, so a contributor sees all of them at once.
//! Positions are 1-based lines and columns (in characters) in the file named by `path`,
//! which is relative to the site root so messages are short and stable.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Length of the offending span in characters (at least 1 when a marker is drawn).
    pub span: usize,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            line: 0,
            column: 0,
            span: 0,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    pub fn at(mut self, position: Position) -> Self {
        self.line = position.line;
        self.column = position.column;
        self
    }

    pub fn span(mut self, chars: usize) -> Self {
        self.span = chars;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn sort_key(&self) -> (&Path, usize, usize, Severity, &str) {
        (
            &self.path,
            self.line,
            self.column,
            self.severity,
            &self.message,
        )
    }
}

/// A 1-based position in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text).
    pub fn of_offset(text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position { line, column }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Collects diagnostics across stages; sorted by file and line when read.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn extend_from(&mut self, items: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(items);
    }

    /// Keeps the diagnostics for which `keep` is true (`serve` drops one file's).
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.items.retain(keep);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Errors as shown: the same diagnostic pushed twice (a template error met by
    /// every page it renders) counts once, as [`Diagnostics::sorted`] shows it once.
    pub fn error_count(&self) -> usize {
        self.sorted().iter().filter(|d| d.is_error()).count()
    }

    /// Warnings as shown (see [`Diagnostics::error_count`]).
    pub fn warning_count(&self) -> usize {
        self.sorted().iter().filter(|d| !d.is_error()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// All diagnostics, sorted by file, line, column; exact duplicates removed.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut items = self.items.clone();
        items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        items.dedup();
        items
    }
}

/// Output formats for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Github,
}

/// Renders diagnostics for a terminal (rustc-like) or as GitHub workflow commands.
/// `source` returns a file's text so the offending line can be quoted.
pub fn render(
    diagnostics: &Diagnostics,
    format: Format,
    color: bool,
    source: &dyn Fn(&Path) -> Option<String>,
) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics.sorted() {
        match format {
            Format::Human => render_human(&mut out, &diagnostic, color, source),
            Format::Github => render_github(&mut out, &diagnostic),
        }
    }
    out
}

/// rustc-style output through `annotate-snippets` (the renderer rustc and cargo use):
/// the location, the offending line, a marker under the exact span, and `help:`.
fn render_human(
    out: &mut String,
    d: &Diagnostic,
    color: bool,
    source: &dyn Fn(&Path) -> Option<String>,
) {
    use annotate_snippets::{AnnotationKind, Level, Origin, Renderer, Snippet};
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let path = d.path.display().to_string();
    let quoted = (d.line > 0)
        .then(|| source(&d.path))
        .flatten()
        .and_then(|text| text.lines().nth(d.line - 1).map(str::to_string));
    let title = level.primary_title(d.message.as_str());
    let group = match &quoted {
        Some(line) => title.element(
            Snippet::source(line.as_str())
                .line_start(d.line)
                .path(path.as_str())
                .annotation(AnnotationKind::Primary.span(span_bytes(line, d.column, d.span))),
        ),
        None if d.line > 0 => title.element(
            Origin::path(path.as_str())
                .line(d.line)
                .char_column(d.column.max(1)),
        ),
        None => title.element(Origin::path(path.as_str())),
    };
    let group = match &d.help {
        Some(help) => group.element(Level::HELP.message(help.as_str())),
        None => group,
    };
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    out.push_str(&renderer.render(&[group]));
    out.push_str("\n\n");
}

/// Byte range in `line` of `span` characters from 1-based character `column`,
/// clamped to the line (a span at the end of the line marks the position after it).
fn span_bytes(line: &str, column: usize, span: usize) -> std::ops::Range<usize> {
    let byte_at = |chars: usize| {
        line.char_indices()
            .nth(chars)
            .map_or(line.len(), |(i, _)| i)
    };
    let start = byte_at(column.saturating_sub(1));
    let end = byte_at(column.saturating_sub(1) + span.max(1));
    start..end.max(start)
}

/// GitHub workflow commands: `::error file=…,line=…,col=…,title=…::message`.
fn render_github(out: &mut String, d: &Diagnostic) {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = format!("file={}", escape_property(&d.path.to_string_lossy()));
    if d.line > 0 {
        let _ = write!(properties, ",line={},col={}", d.line, d.column.max(1));
        if d.span > 1 {
            let _ = write!(properties, ",endColumn={}", d.column + d.span);
        }
    }
    let _ = write!(
        properties,
        ",title={}",
        escape_property(&format!("survey {kind}"))
    );
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    let _ = writeln!(out, "::{kind} {properties}::{}", escape_data(&message));
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The closest candidates to `word` by edit distance, for "did you mean" help.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(word, candidate),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, candidate)| candidate)
}

/// Up to `count` candidates closest to `word`, best first: those sharing its leading
/// name-and-year part (`rafailov2023` in `rafailov2023dpo`) or containing it
/// (`offline-training` for `offline`) first, then by edit distance.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    count: usize,
) -> Vec<&'a str> {
    let stem = leading_stem(word);
    let mut scored: Vec<(bool, f64, &str)> = candidates
        .into_iter()
        .map(|candidate| {
            let same_stem = (stem.len() >= 4 && leading_stem(candidate) == stem)
                || (word.len() >= 3 && candidate.contains(word));
            let score = strsim::normalized_damerau_levenshtein(word, candidate);
            (same_stem, score, candidate)
        })
        .filter(|(same_stem, score, _)| *same_stem || *score >= 0.5)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(b.2)));
    scored.into_iter().take(count).map(|(_, _, c)| c).collect()
}

/// Letters then digits at the start of a key: `rafailov2023` of `rafailov2023direct`.
fn leading_stem(key: &str) -> &str {
    let letters = key
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(key.len());
    let digits = key[letters..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(key.len(), |i| letters + i);
    if digits > letters { &key[..digits] } else { "" }
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`", each wrapped as `prefix` + name.
pub fn one_of(names: &[&str], prefix: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{prefix}{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mistake_met_many_times_counts_once() {
        let mut diagnostics = Diagnostics::default();
        for _ in 0..3 {
            diagnostics.push(Diagnostic::error("templates/paper.html", "template error"));
        }
        diagnostics.push(Diagnostic::warning("a.md", "w"));
        assert_eq!(
            (diagnostics.error_count(), diagnostics.warning_count()),
            (1, 1)
        );
    }

    #[test]
    fn position_counts_lines_and_characters() {
        let text = "ab\ncé@d";
        assert_eq!(
            Position::of_offset(text, 0),
            Position { line: 1, column: 1 }
        );
        assert_eq!(
            Position::of_offset(text, 6),
            Position { line: 2, column: 3 }
        );
    }

    #[test]
    fn human_output_quotes_the_line_with_a_marker() {
        let mut all = Diagnostics::default();
        all.push(
            Diagnostic::error("a.md", "unknown key")
                .at(Position { line: 2, column: 3 })
                .span(4)
                .help("did you mean `b`?"),
        );
        let text = render(&all, Format::Human, false, &|_| {
            Some("one\nx [@ab]\n".into())
        });
        assert!(text.contains("--> a.md:2:3"), "{text}");
        assert!(text.contains("2 | x [@ab]"), "{text}");
        assert!(text.contains("  |   ^^^^"), "{text}");
        assert!(text.contains("help: did you mean `b`?"), "{text}");
    }

    #[test]
    fn github_output_escapes_properties() {
        let mut all = Diagnostics::default();
        all.push(Diagnostic::warning("a,b.md", "two\nlines").at(Position { line: 1, column: 2 }));
        let text = render(&all, Format::Github, false, &|_| None);
        assert_eq!(
            text,
            "::warning file=a%2Cb.md,line=1,col=2,title=survey warning::two%0Alines\n"
        );
    }

    #[test]
    fn suggests_the_closest_candidate() {
        assert_eq!(
            suggest("rafailov2023dirct", ["rafailov2023direct", "hu2021lora"]),
            Some("rafailov2023direct")
        );
        assert_eq!(suggest("zzz", ["rafailov2023direct"]), None);
    }

    #[test]
    fn closest_prefers_keys_of_the_same_author_and_year() {
        let keys = [
            "rafailov2023direct",
            "rafailov2022other",
            "hu2021lora",
            "rafailov2023b",
        ];
        assert_eq!(
            closest("rafailov2023dpo", keys, 3),
            ["rafailov2023b", "rafailov2023direct", "rafailov2022other"]
        );
        assert_eq!(one_of(&["a", "b", "c"], "@"), "`@a`, `@b` or `@c`");
    }
}
