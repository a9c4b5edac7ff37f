//! Splitting a Markdown file into YAML front-matter and body, and parsing the
//! front-matter into typed structs.
//!
//! This is the only module that names the YAML crate, so a maintained fork can be
//! swapped in at one place. Every position it reports is a position in the whole
//! file (not inside the front-matter block), because that is what an editor shows.

use serde::de::DeserializeOwned;
pub use serde_yaml;

use crate::diagnostics::{Diagnostic, Position};
use crate::load::SourceFile;
use crate::model::{PageFields, PaperFields};

/// A whole YAML document (`site.yaml`) as `T`, or where it fails and why (the
/// message without serde_yaml's own "at line" suffix: the position says it).
pub fn parse_document<T: DeserializeOwned>(text: &str) -> Result<T, (Position, String)> {
    serde_yaml::from_str(text).map_err(|error| {
        let position = error
            .location()
            .map_or(Position { line: 1, column: 1 }, |l| {
                Position::of_offset(text, l.index())
            });
        let message = error.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message);
        (position, message.to_string())
    })
}

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
    let fields_end = last_field_line(&text[first_line_end..]);
    Err(
        Diagnostic::error(&file.path, "the front-matter is never closed")
            .at(Position { line: 1, column: 1 })
            .span(3)
            .help(format!(
                "add a line `---` after the last front-matter field (line {fields_end}), before the Markdown"
            )),
    )
}

/// 1-based line (counting the opening fence as line 1) of the last line that still
/// looks like YAML (`key: value`, an indented or `- ` item) before the first one that does not.
fn last_field_line(after_fence: &str) -> usize {
    let looks_like_yaml = |line: &str| {
        let key = line.split_once(':').map(|(k, _)| k);
        line.starts_with([' ', '-', '#'])
            || key.is_some_and(|k| !k.is_empty() && !k.contains(' ') && !k.starts_with('['))
    };
    let count = after_fence
        .lines()
        .take_while(|line| !line.trim().is_empty() && looks_like_yaml(line))
        .count();
    count + 1
}

/// A front-matter struct whose required fields are known, so that every missing one
/// is reported at once (serde stops at the first).
pub trait Schema: DeserializeOwned {
    /// Required fields, each with an example line for the help.
    const REQUIRED: &'static [(&'static str, &'static str)];
}

impl Schema for PaperFields {
    const REQUIRED: &'static [(&'static str, &'static str)] = &[
        ("title", "title: \"Full title of the paper\""),
        ("year", "year: 2023"),
    ];
}

impl Schema for PageFields {
    const REQUIRED: &'static [(&'static str, &'static str)] =
        &[("title", "title: \"Title of the page\"")];
}

/// Parses the front-matter into `T`. Syntax errors stop at the first (YAML cannot
/// recover); otherwise every unknown, repeated and missing field is reported together,
/// and only then are the values' types checked.
pub fn parse<T: Schema>(file: &SourceFile, split: &Split) -> Result<T, Vec<Diagnostic>> {
    let yaml = if split.yaml.trim().is_empty() {
        "{}"
    } else {
        split.yaml
    };
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).map_err(|error| {
        let repeated = repeated_key(split);
        vec![
            match repeated.filter(|_| error.to_string().contains("duplicate entry")) {
                Some((key, offset)) => repeated_field(file, &key, offset),
                None => yaml_error(file, split, &error),
            },
        ]
    })?;
    let problems = check_fields::<T>(file, split, &value);
    if !problems.is_empty() {
        return Err(problems);
    }
    // The typed fields come from the tree parsed above. Only where that fails is the
    // text read again, as the authority: its errors carry a line and column, and a
    // plain scalar the tree holds as a number (`title: 1.10`) is text to a text field.
    serde_yaml::from_value(value)
        .or_else(|_| serde_yaml::from_str(yaml))
        .map_err(|error| vec![yaml_error(file, split, &error)])
}

/// The value of one top-level `field` of a front-matter that failed to parse as a
/// whole, if the YAML itself parses and that field has the right type; an absent field
/// gives `T::default()`. Used to keep what a broken file still declares (see
/// [`crate::assemble::salvage`]).
pub fn salvage_field<T: DeserializeOwned + Default>(split: &Split, field: &str) -> Option<T> {
    let value: serde_yaml::Value = serde_yaml::from_str(split.yaml).ok()?;
    match value.get(field) {
        None if value.is_mapping() || value.is_null() => Some(T::default()),
        None => None,
        Some(found) => serde_yaml::from_value(found.clone()).ok(),
    }
}

/// Unknown, repeated and missing top-level fields, each at its line.
fn check_fields<T: Schema>(
    file: &SourceFile,
    split: &Split,
    value: &serde_yaml::Value,
) -> Vec<Diagnostic> {
    let Some(mapping) = value.as_mapping() else {
        return vec![
            Diagnostic::error(&file.path, "the front-matter is not a list of `field: value` lines")
                .at(Position::of_offset(&file.text, split.yaml_offset))
                .help("write one `field: value` per line, e.g. `title: \"Direct Preference Optimization\"`"),
        ];
    };
    let known = field_names::<T>();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for (key, offset) in top_level_keys(split) {
        let at = Position::of_offset(&file.text, offset);
        if seen.contains(&key) {
            problems.push(repeated_field(file, &key, offset));
        } else if !known.contains(&key.as_str()) {
            problems.push(unknown_field(file, at, &key, known));
        }
        seen.push(key);
    }
    for (field, example) in T::REQUIRED {
        if !mapping.contains_key(*field) {
            problems.push(
                Diagnostic::error(&file.path, format!("missing field `{field}`"))
                    .at(Position::of_offset(
                        &file.text,
                        split.yaml_offset + split.yaml.len(),
                    ))
                    .span(3)
                    .help(format!("add a line `{example}` above the closing `---`")),
            );
        }
    }
    problems
}

/// The first top-level key that appears a second time, at its second line.
fn repeated_key(split: &Split) -> Option<(String, usize)> {
    let keys = top_level_keys(split);
    keys.iter()
        .enumerate()
        .find(|(i, (key, _))| keys[..*i].iter().any(|(earlier, _)| earlier == key))
        .map(|(_, found)| found.clone())
}

fn repeated_field(file: &SourceFile, key: &str, offset: usize) -> Diagnostic {
    Diagnostic::error(&file.path, format!("the field `{key}` appears twice"))
        .at(Position::of_offset(&file.text, offset))
        .span(key.chars().count())
        .help("keep one of the two lines")
}

fn unknown_field(file: &SourceFile, at: Position, key: &str, known: &[&str]) -> Diagnostic {
    let help = match crate::diagnostics::suggest(key, known.iter().copied()) {
        Some(name) => format!(
            "did you mean `{name}`? (known fields: {})",
            known.join(", ")
        ),
        None => format!("remove it; the known fields are: {}", known.join(", ")),
    };
    Diagnostic::error(&file.path, format!("unknown field `{key}`"))
        .at(at)
        .span(key.chars().count())
        .help(help)
}

/// Top-level keys of the front-matter with their byte offsets in the file, in order.
/// A key line starts in column 1 and is not a comment, a list item or a continuation.
fn top_level_keys(split: &Split) -> Vec<(String, usize)> {
    let mut keys = Vec::new();
    let mut offset = split.yaml_offset;
    for line in split.yaml.split_inclusive('\n') {
        let starts_key = !line.starts_with([' ', '\t', '-', '#', '\n', '"', '\'']);
        if let Some((key, _)) = line.split_once(':').filter(|_| starts_key) {
            keys.push((key.trim().to_string(), offset));
        }
        offset += line.len();
    }
    keys
}

/// The field names serde knows for `T`, captured from its `deserialize_struct` call.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut capture = FieldCapture(&[]);
    let _ = T::deserialize(&mut capture);
    capture.0
}

/// A deserializer that only records the field list a derived struct asks for.
struct FieldCapture(&'static [&'static str]);

impl<'de> serde::Deserializer<'de> for &mut FieldCapture {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom(
            "only struct field names are captured",
        ))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = fields;
        Err(serde::de::Error::custom("field names captured"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

fn yaml_error(file: &SourceFile, split: &Split, error: &serde_yaml::Error) -> Diagnostic {
    let raw = clean_message(&error.to_string());
    let mut position = match error.location() {
        Some(location) => Position::of_offset(&file.text, split.yaml_offset + location.index()),
        None => Position::of_offset(&file.text, split.yaml_offset),
    };
    let line_text = file
        .text
        .lines()
        .nth(position.line.saturating_sub(1))
        .unwrap_or("");
    let (message, help) = match explain_type_error(&raw) {
        Some((message, help)) => (message, Some(help)),
        None if raw.contains("end of stream") => match unclosed_quote(file, split) {
            // The parser only notices at the end; the mistake is where the quote opened.
            Some(opened) => {
                position = opened;
                (
                    "this quoted value is never closed".to_string(),
                    Some("add the closing `\"` at the end of the value".to_string()),
                )
            }
            None => (raw.clone(), yaml_help(&raw, line_text)),
        },
        None => (raw.clone(), yaml_help(&raw, line_text)),
    };
    let span = word_length_at(&file.text, position);
    let diagnostic = Diagnostic::error(&file.path, message)
        .at(position)
        .span(span);
    match help {
        Some(help) => diagnostic.help(help),
        None => diagnostic,
    }
}

/// The opening `"` of the first double-quoted value that does not close on its line.
fn unclosed_quote(file: &SourceFile, split: &Split) -> Option<Position> {
    let mut offset = split.yaml_offset;
    for line in split.yaml.split_inclusive('\n') {
        let value_start = line
            .find(": \"")
            .map(|i| i + 2)
            .or_else(|| line.find("- \"").map(|i| i + 2));
        if let Some(start) = value_start {
            let rest = &line[start + 1..];
            let closed = rest.replace("\\\"", "").contains('"');
            if !closed {
                return Some(Position::of_offset(&file.text, offset + start));
            }
        }
        offset += line.len();
    }
    None
}

/// serde's messages end with " at line L column C"; our position replaces that.
fn clean_message(message: &str) -> String {
    let message = match message.find(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    message.to_string()
}

/// Rewrites serde's `field: invalid type: string "x", expected i32` in plain words.
fn explain_type_error(message: &str) -> Option<(String, String)> {
    let (field, rest) = match message.split_once(": invalid type: ") {
        Some((field, rest)) => (format!("`{field}`"), rest),
        None => (
            "the value".to_string(),
            message.strip_prefix("invalid type: ")?,
        ),
    };
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let expected_words = match expected {
        "i32" | "i64" | "u32" | "u64" | "u8" => "a whole number",
        "a string" => "text",
        "a sequence" => "a list",
        other if other.starts_with("struct ") || other == "a map" => "`field: value` lines",
        other => other,
    };
    let found_words = found
        .replace("string ", "the text ")
        .replace("floating point ", "the number ")
        .replace("integer ", "the number ")
        .replace("unit value", "nothing")
        .replace("sequence", "a list")
        .replace("map", "`field: value` lines");
    let help = match expected_words {
        "a list" => "write a list as `[a, b]` or as lines starting with `- `",
        "a whole number" => {
            "write the number without quotes or decimals, e.g. `year: 2023`, `month: 5`"
        }
        "text" => {
            "write the text after the colon; put it in double quotes if it contains `: ` or starts with `[`, `{` or `@`"
        }
        _ => "check the value's type: text in quotes, numbers bare, lists in [ ]",
    };
    Some((
        format!("{field} should be {expected_words}, not {found_words}"),
        help.to_string(),
    ))
}

fn yaml_help(message: &str, line: &str) -> Option<String> {
    const QUOTE: &str = "a value that contains `: ` or ` #`, or starts with `[`, `{`, `@`, `*`, `&`, `!`, `|` or `>`, must be in double quotes, e.g. title: \"DPO: Your Language Model is Secretly a Reward Model\"";
    let indented = line.starts_with([' ', '\t']) && !line.trim_start().starts_with('-');
    if message.contains("mapping values are not allowed") && indented {
        return Some(
            "fields start at the beginning of the line: remove the indentation".to_string(),
        );
    }
    if message.contains("mapping values are not allowed")
        || message.contains("did not find expected")
        || message.contains("found character that cannot start")
    {
        return Some(QUOTE.to_string());
    }
    if message.contains("end of stream") {
        return Some("a quote or bracket opened above is never closed".to_string());
    }
    None
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
mod tests;
