//! Splitting a Markdown file into YAML front-matter and body, and parsing the
//! front-matter into typed structs.
//!
//! This is the only module that names the YAML crate, so a maintained fork can be
//! swapped in at one place. Every position it reports is a position in the whole
//! file (not inside the front-matter block), because that is what an editor shows.

use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, Position};
use crate::source::SourceFile;

/// A file split at its `---` fences.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    /// The YAML text between the fences.
    pub yaml: &'a str,
    /// Byte offset of `yaml` in the file.
    pub yaml_offset: usize,
    /// The Markdown after the closing fence.
    pub body: &'a str,
    /// Byte offset of `body` in the file.
    pub body_offset: usize,
}

/// Splits `text` at its front-matter fences. The opening fence must be the first line.
pub fn split<'a>(file: &'a SourceFile) -> Result<Split<'a>, Diagnostic> {
    let text = file.text.as_str();
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_line_end].trim_end() != "---" {
        return Err(
            Diagnostic::error(&file.path, "the file does not start with front-matter")
                .at(Position { line: 1, column: 1 })
                .span(3)
                .help("start the file with a line `---`, the YAML fields, and another line `---`"),
        );
    }
    let mut offset = first_line_end;
    for line in text[first_line_end..].split_inclusive('\n') {
        if line.trim_end() == "---" {
            let body_offset = offset + line.len();
            return Ok(Split {
                yaml: &text[first_line_end..offset],
                yaml_offset: first_line_end,
                body: &text[body_offset..],
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(
        Diagnostic::error(&file.path, "the front-matter is never closed")
            .at(Position { line: 1, column: 1 })
            .span(3)
            .help("add a line `---` after the last front-matter field"),
    )
}

/// Parses YAML into `T`, mapping any error to a diagnostic at its place in the file.
pub fn parse<T: DeserializeOwned>(file: &SourceFile, split: &Split) -> Result<T, Diagnostic> {
    let yaml = if split.yaml.trim().is_empty() {
        "{}"
    } else {
        split.yaml
    };
    serde_yaml::from_str(yaml).map_err(|error| yaml_error(file, split, &error))
}

fn yaml_error(file: &SourceFile, split: &Split, error: &serde_yaml::Error) -> Diagnostic {
    let message = clean_message(&error.to_string());
    let position = match error.location() {
        Some(location) => Position::of_offset(&file.text, split.yaml_offset + location.index()),
        None => Position::of_offset(&file.text, split.yaml_offset),
    };
    let help = yaml_help(&message);
    let span = word_length_at(&file.text, position);
    let diagnostic = Diagnostic::error(&file.path, message)
        .at(position)
        .span(span);
    match help {
        Some(help) => diagnostic.help(help),
        None => diagnostic,
    }
}

/// serde's messages end with " at line L column C"; our position replaces that.
fn clean_message(message: &str) -> String {
    let message = match message.find(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    message.to_string()
}

fn yaml_help(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or_default();
        let expected = expected_fields(message);
        let suggestion = crate::diagnostics::suggest(field, expected.iter().map(String::as_str));
        return Some(match suggestion {
            Some(name) => format!(
                "did you mean `{name}`? (known fields: {})",
                expected.join(", ")
            ),
            None => format!("remove it; the known fields are: {}", expected.join(", ")),
        });
    }
    if message.starts_with("missing field") {
        return Some("add the field to the front-matter".to_string());
    }
    if message.starts_with("invalid type") {
        return Some("check the value's type: text in quotes, numbers bare, lists in [ ]".into());
    }
    None
}

/// The field names listed after "expected one of" in serde's unknown-field message.
fn expected_fields(message: &str) -> Vec<String> {
    let Some((_, list)) = message.split_once("expected ") else {
        return Vec::new();
    };
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Length of the word (a YAML key or scalar) that starts at `position`, for the marker.
fn word_length_at(text: &str, position: Position) -> usize {
    let Some(line) = text.lines().nth(position.line.saturating_sub(1)) else {
        return 1;
    };
    let rest: String = line
        .chars()
        .skip(position.column.saturating_sub(1))
        .collect();
    rest.chars()
        .take_while(|c| !c.is_whitespace() && *c != ':')
        .count()
        .max(1)
}

/// The position of `field:` at the top level of the front-matter, for semantic errors
/// found after parsing (the YAML parser no longer knows positions then).
pub fn field_position(file: &SourceFile, split: &Split, field: &str) -> Position {
    let mut offset = split.yaml_offset;
    for line in split.yaml.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix(field)
            && rest.trim_start().starts_with(':')
        {
            let value_start = line.find(':').map_or(0, |i| i + 1);
            let skipped = line[value_start..].len() - line[value_start..].trim_start().len();
            let value_offset = offset + value_start + skipped;
            let at_value = line[value_start..].trim().is_empty();
            return Position::of_offset(&file.text, if at_value { offset } else { value_offset });
        }
        offset += line.len();
    }
    Position::of_offset(&file.text, split.yaml_offset)
}

/// The position of the `index`-th list item (`- value`) under `field:`, or of the field.
pub fn list_item_position(file: &SourceFile, split: &Split, field: &str, index: usize) -> Position {
    let field_line = field_position(file, split, field).line;
    let mut seen = 0;
    let mut offset = split.yaml_offset;
    let first_line = Position::of_offset(&file.text, offset).line;
    for (line_number, line) in (first_line..).zip(split.yaml.split_inclusive('\n')) {
        if line_number > field_line {
            let trimmed = line.trim_start();
            if !line.starts_with([' ', '-']) && !trimmed.is_empty() {
                break;
            }
            if let Some(item) = trimmed.strip_prefix('-') {
                if seen == index {
                    let start = line.len() - item.trim_start().len();
                    return Position::of_offset(&file.text, offset + start);
                }
                seen += 1;
            }
        }
        offset += line.len();
    }
    inline_list_item_position(file, split, field, index)
}

/// Items of a flow list `field: [a, b]`: position of item `index`.
fn inline_list_item_position(
    file: &SourceFile,
    split: &Split,
    field: &str,
    index: usize,
) -> Position {
    let at = field_position(file, split, field);
    let Some(line) = file.text.lines().nth(at.line - 1) else {
        return at;
    };
    let Some(open) = line.find('[') else {
        return at;
    };
    let mut column_offset = open + 1;
    for (i, item) in line[open + 1..].split(',').enumerate() {
        if i == index {
            let lead = item.len() - item.trim_start().len();
            let prefix = &line[..column_offset + lead];
            return Position {
                line: at.line,
                column: prefix.chars().count() + 1,
            };
        }
        column_offset += item.len() + 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Example {
        title: String,
        authors: Option<Vec<String>>,
    }

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: "content/papers/x.md".into(),
            text: text.to_string(),
        }
    }

    #[test]
    fn splits_front_matter_from_body() {
        let f = file("---\ntitle: A\n---\nBody\n");
        let split = split(&f).unwrap();
        assert_eq!(split.yaml, "title: A\n");
        assert_eq!(split.body, "Body\n");
        assert_eq!(split.body_offset, 17);
    }

    #[test]
    fn rejects_unclosed_front_matter() {
        let error = split(&file("---\ntitle: A\n")).unwrap_err();
        assert!(error.message.contains("never closed"));
    }

    #[test]
    fn rejects_unknown_field_with_suggestion_at_file_position() {
        let f = file("---\ntitle: A\nauthor: [B]\n---\n");
        let s = split(&f).unwrap();
        let error = parse::<Example>(&f, &s).unwrap_err();
        assert_eq!((error.line, error.column), (3, 1));
        assert!(
            error.message.starts_with("unknown field `author`"),
            "{}",
            error.message
        );
        assert!(error.help.unwrap().starts_with("did you mean `authors`?"));
    }

    #[test]
    fn finds_list_item_positions() {
        let f = file("---\ntitle: A\nauthors:\n  - B\n  - C\n---\n");
        let s = split(&f).unwrap();
        assert_eq!(
            list_item_position(&f, &s, "authors", 1),
            Position { line: 5, column: 5 }
        );
        let g = file("---\nauthors: [B, C]\n---\n");
        let s = split(&g).unwrap();
        assert_eq!(
            list_item_position(&g, &s, "authors", 1),
            Position {
                line: 2,
                column: 14
            }
        );
    }
}
