//! The documentation keeps up with the code: every variable a built-in template reads
//! is listed in docs/theme.md, and every `site.yaml` field, command and flag in
//! docs/manual.md. A new variable, field or flag fails here until it is documented.

use std::collections::BTreeSet;
use std::path::Path;

use clap::CommandFactory;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// Words of Tera's syntax and its built-in values, which are not context variables.
const KEYWORDS: &[&str] = &[
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "in",
    "endfor",
    "set",
    "set_global",
    "include",
    "extends",
    "block",
    "endblock",
    "import",
    "macro",
    "endmacro",
    "filter",
    "endfilter",
    "raw",
    "endraw",
    "not",
    "and",
    "or",
    "is",
    "defined",
    "undefined",
    "loop",
    "true",
    "false",
    "True",
    "False",
    "none",
    "break",
    "continue",
    "as",
    "with",
    "ignore",
    "missing",
];

/// The variables a template reads from its context, as `name` or `name.field` (the
/// first field only), leaving out names it binds itself (`for x in`, `set x =`).
fn variables(template: &str) -> BTreeSet<String> {
    let mut bound = BTreeSet::new();
    let mut found = BTreeSet::new();
    for tag in tags(template) {
        let tokens = tokenize(&tag);
        bind(&tokens, &mut bound);
        let mut previous = "";
        for (index, token) in tokens.iter().enumerate() {
            let name = token.split('.').next().unwrap_or("");
            let is_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            let named_by_statement = matches!(previous, "block" | "endblock" | "|" | "is")
                || tokens
                    .get(index + 1)
                    .is_some_and(|next| next == "=" || next == "(");
            if is_name && !named_by_statement && !KEYWORDS.contains(&name) && !bound.contains(name)
            {
                let path: Vec<&str> = token.split('.').take(2).collect();
                found.insert(path.join("."));
            }
            previous = token;
        }
    }
    found
}

/// The insides of `{{ }}` and `{% %}` tags; comments `{# #}` are skipped.
fn tags(template: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                rest = after;
                continue;
            }
        };
        let end = after.find(close).expect("closed tag");
        if close != "#}" {
            tags.push(
                after[1..end]
                    .trim_matches(|c: char| c == '-' || c.is_whitespace())
                    .to_string(),
            );
        }
        rest = &after[end + 2..];
    }
    tags
}

/// Names with their dotted fields, operators and punctuation; string literals dropped.
fn tokenize(tag: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = tag.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += 1;
            }
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            tokens.push(
                chars[start..i]
                    .iter()
                    .collect::<String>()
                    .trim_end_matches('.')
                    .to_string(),
            );
        } else if c.is_whitespace() {
            i += 1;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["==", "!=", ">=", "<="].contains(&two.as_str()) {
                tokens.push(two);
                i += 2;
            } else {
                tokens.push(c.to_string());
                i += 1;
            }
        }
    }
    tokens
}

/// Adds the names a `for` or `set` tag binds.
fn bind(tokens: &[String], bound: &mut BTreeSet<String>) {
    match tokens.first().map(String::as_str) {
        Some("for") => {
            for token in tokens[1..].iter().take_while(|t| *t != "in") {
                if token != "," {
                    bound.insert(token.clone());
                }
            }
        }
        Some("set" | "set_global") => {
            if let Some(name) = tokens.get(1) {
                bound.insert(name.clone());
            }
        }
        _ => {}
    }
}

/// Is `path` (`name` or `name.field`) listed in the theme documentation?
fn documented(docs: &str, path: &str) -> bool {
    let Some((name, field)) = path.split_once('.') else {
        return docs.contains(&format!("`{path}`")) || docs.contains(&format!("`{path}."));
    };
    if docs.contains(&format!("`{path}`")) || docs.contains(&format!("`{path}.")) {
        return true;
    }
    // A field may instead be described in the row of its variable: `{field: type, ...}`.
    docs.lines()
        .filter(|line| line.contains(&format!("`{name}`")))
        .any(|line| has_word(line, field))
}

fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        boundary(before) && boundary(after)
    })
}

fn builtin_templates() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut templates: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    templates.sort();
    templates
}

#[test]
fn every_template_variable_is_documented() {
    let docs = read("docs/theme.md");
    let mut missing = Vec::new();
    let templates = builtin_templates();
    assert!(
        templates.len() >= 10,
        "the built-in templates were not found"
    );
    for (name, text) in &templates {
        assert!(
            docs.contains(&format!("`{name}`")),
            "docs/theme.md does not describe {name}"
        );
        for path in variables(text) {
            if !documented(&docs, &path) {
                missing.push(format!("{name}: {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "variables missing from docs/theme.md:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_template_parser_finds_context_variables_only() {
    let found = variables(
        "{% extends \"base.html\" %}{% block title %}{{ page.title | lower }}{% endblock title %}\
         {% for a in paper.author_links %}{{ a.url }}{% if not loop.last %},{% endif %}{% endfor %}\
         {% set papers = listing.papers %}{{ papers | length }}{# {{ hidden }} #}\
         {% if web is defined %}{{ \"text\" ~ count }}{% endif %}",
    );
    let expected = [
        "count",
        "listing.papers",
        "page.title",
        "paper.author_links",
        "web",
    ];
    assert_eq!(found, expected.iter().map(|s| s.to_string()).collect());
    // An undocumented field is caught.
    assert!(!documented("| `page.title` | string |", "page.subtitle"));
    assert!(documented(
        "| `charts` | map | `{years: list}` |",
        "charts.years"
    ));
}

#[test]
fn every_site_yaml_field_is_documented() {
    let manual = read("docs/manual.md");
    let config = survey::parse::frontmatter::field_names::<survey::parse::config::Config>();
    assert!(config.contains(&"base_url"), "{config:?}");
    for field in config {
        assert!(
            manual.contains(&format!("| `{field}` |")),
            "site.yaml field `{field}` is not in the site.yaml table of docs/manual.md"
        );
    }
    for field in survey::parse::frontmatter::field_names::<survey::model::PaperFields>() {
        assert!(
            manual.contains(&format!("| `{field}` |")),
            "paper field `{field}` is not in the paper table of docs/manual.md"
        );
    }
    for field in survey::parse::frontmatter::field_names::<survey::model::PageFields>() {
        assert!(
            manual.contains(&format!("| `{field}` |")),
            "page field `{field}` is undocumented"
        );
    }
}

#[test]
fn every_command_and_flag_is_documented() {
    let manual = read("docs/manual.md");
    let mut missing = Vec::new();
    let mut commands = vec![(
        String::from("survey"),
        survey::commands::cli::Cli::command(),
    )];
    while let Some((path, command)) = commands.pop() {
        for sub in command.get_subcommands() {
            let name = format!("{path} {}", sub.get_name());
            if !manual.contains(&format!("`{name}")) {
                missing.push(name.clone());
            }
            commands.push((name, sub.clone()));
        }
        for arg in command.get_arguments() {
            if let Some(long) = arg.get_long()
                && !["help", "version"].contains(&long)
                && !manual.contains(&format!("`--{long}"))
            {
                missing.push(format!("{path} --{long}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented in docs/manual.md:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_readme_links_the_manual() {
    let readme = read("README.md");
    assert!(
        readme.contains("(docs/manual.md)"),
        "README.md does not link docs/manual.md"
    );
    assert!(
        readme.contains("(docs/theme.md)"),
        "README.md does not link docs/theme.md"
    );
}
