//! `site.yaml` -> a validated [`Config`].

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics, Position};
use crate::load::SourceFile;
use crate::model::PaperFields;
use crate::parse::frontmatter;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Where the site is served, e.g. `https://user.github.io/repo/`.
    pub base_url: String,
    pub repo_url: Option<String>,
    #[serde(default = "default_language")]
    pub language: String,
    /// The survey this site presents ("cite this survey" on the home page).
    pub survey: Option<PaperFields>,
    /// The CSL style of references, by a name hayagriva bundles it under (`apa`,
    /// `ieee`, `chicago-author-date`, ...). Checked by [`check_citation_style`].
    #[serde(default = "default_citation_style")]
    pub citation_style: String,
}

fn default_citation_style() -> String {
    crate::formats::csl::DEFAULT_STYLE.to_string()
}

fn default_language() -> String {
    "en".to_string()
}

impl Config {
    /// The path part of `base_url`, always starting and ending with `/` (`/repo/`).
    pub fn base_path(&self) -> String {
        let after_scheme = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
        let trimmed = path.trim_matches('/');
        if trimmed.is_empty() {
            "/".to_string()
        } else {
            format!("/{trimmed}/")
        }
    }

    /// `base_url` with exactly one trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}/", self.base_url.trim_end_matches('/'))
    }
}

/// Stands in for a broken or missing `site.yaml` so that the content can still be
/// checked and every problem reported in one run; never used to build.
pub fn fallback() -> Config {
    Config {
        title: String::new(),
        description: String::new(),
        base_url: "http://localhost/".into(),
        repo_url: None,
        language: default_language(),
        survey: None,
        citation_style: default_citation_style(),
    }
}

/// Parses and validates `site.yaml`; `base_url_override` comes from `--base-url`.
pub fn parse(
    file: &SourceFile,
    base_url_override: Option<&str>,
    diagnostics: &mut Diagnostics,
) -> Option<Config> {
    let mut config: Config = match frontmatter::parse_document(&file.text) {
        Ok(config) => config,
        Err((position, message)) => {
            diagnostics.push(Diagnostic::error(&file.path, message).at(position).help(
                "site.yaml needs `title:` and `base_url:`; optional: description, repo_url, language, citation_style, survey",
            ));
            return None;
        }
    };
    if let Some(url) = base_url_override {
        config.base_url = url.to_string();
    }
    if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
        let line = file
            .text
            .lines()
            .position(|l| l.starts_with("base_url:"))
            .map_or(1, |i| i + 1);
        diagnostics.push(
            Diagnostic::error(
                &file.path,
                format!(
                    "base_url `{}` is not an absolute http(s) URL",
                    config.base_url
                ),
            )
            .at(Position { line, column: 1 })
            .help("write it like `https://user.github.io/repo/`"),
        );
        return None;
    }
    check_citation_style(file, &config, diagnostics).then_some(config)
}

/// Is `citation_style` a bundled CSL style with a bibliography? Reports it at its line,
/// with the closest known name as a suggestion.
fn check_citation_style(file: &SourceFile, config: &Config, diagnostics: &mut Diagnostics) -> bool {
    let name = config.citation_style.as_str();
    if crate::formats::csl::style(name).is_some() {
        return true;
    }
    let names = crate::formats::csl::style_names();
    let help = match crate::diagnostics::suggest(name, names.iter().copied()) {
        Some(close) => format!("did you mean `{close}`? Styles bundled with hayagriva include apa, ieee, chicago-author-date, mla, vancouver"),
        None => "use a style bundled with hayagriva, e.g. apa, ieee, chicago-author-date, mla or vancouver".to_string(),
    };
    let offset = file.text.find("citation_style:").unwrap_or(0);
    diagnostics.push(
        Diagnostic::error(
            &file.path,
            format!(
                "`{name}` is not a citation style this engine knows (or it has no reference list)"
            ),
        )
        .at(Position::of_offset(&file.text, offset))
        .span("citation_style".len())
        .help(help),
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: &str) -> Config {
        Config {
            title: "T".into(),
            description: String::new(),
            base_url: base_url.into(),
            repo_url: None,
            language: "en".into(),
            survey: None,
            citation_style: "apa".into(),
        }
    }

    #[test]
    fn base_path_of_a_sub_path_and_a_root() {
        assert_eq!(config("https://u.github.io/repo").base_path(), "/repo/");
        assert_eq!(config("https://u.github.io/a/b/").base_path(), "/a/b/");
        assert_eq!(config("https://example.org").base_path(), "/");
        assert_eq!(config("http://127.0.0.1:1111/").base_path(), "/");
    }

    #[test]
    fn unknown_citation_style_is_reported_at_its_line_with_a_suggestion() {
        let file = SourceFile {
            path: "site.yaml".into(),
            text: "title: T\nbase_url: https://x.org/\ncitation_style: iee\n".into(),
        };
        let mut diagnostics = Diagnostics::default();
        assert!(parse(&file, None, &mut diagnostics).is_none());
        let diagnostic = &diagnostics.sorted()[0];
        assert_eq!((diagnostic.line, diagnostic.column), (3, 1));
        assert!(
            diagnostic.message.contains("`iee`"),
            "{}",
            diagnostic.message
        );
        assert!(
            diagnostic
                .help
                .as_deref()
                .unwrap()
                .starts_with("did you mean `ieee`?"),
            "{:?}",
            diagnostic.help
        );
    }

    #[test]
    fn citation_style_defaults_to_apa_and_accepts_bundled_names() {
        for (text, expected) in [
            ("", "apa"),
            (
                "citation_style: chicago-author-date\n",
                "chicago-author-date",
            ),
        ] {
            let file = SourceFile {
                path: "site.yaml".into(),
                text: format!("title: T\nbase_url: https://x.org/\n{text}"),
            };
            let mut diagnostics = Diagnostics::default();
            let config = parse(&file, None, &mut diagnostics).unwrap();
            assert_eq!(config.citation_style, expected);
        }
    }

    #[test]
    fn rejects_a_relative_base_url() {
        let file = SourceFile {
            path: "site.yaml".into(),
            text: "title: T\nbase_url: /x/\n".into(),
        };
        let mut diagnostics = Diagnostics::default();
        assert!(parse(&file, None, &mut diagnostics).is_none());
        assert!(diagnostics.has_errors());
    }
}
