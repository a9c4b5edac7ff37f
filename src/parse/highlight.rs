//! Code highlighting with syntect, emitting CSS classes (not inline colours) so the
//! light and dark themes can both style code. The only module that imports syntect.

use std::sync::OnceLock;

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use crate::html::escape_html;

fn syntaxes() -> &'static SyntaxSet {
    static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// A `<pre><code>` block; highlighted when the language is known, escaped otherwise.
pub fn code_block(code: &str, language: &str) -> String {
    let language_class = if language.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", escape_html(language))
    };
    let body = highlighted(code, language).unwrap_or_else(|| escape_html(code));
    format!("<pre class=\"code\"><code{language_class}>{body}</code></pre>\n")
}

fn highlighted(code: &str, language: &str) -> Option<String> {
    if language.is_empty() {
        return None;
    }
    let set = syntaxes();
    let syntax = set.find_syntax_by_token(language)?;
    let mut generator = ClassedHTMLGenerator::new_with_class_style(
        syntax,
        set,
        ClassStyle::SpacedPrefixed { prefix: "hl-" },
    );
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_known_languages_with_classes() {
        let html = code_block("def f(x):\n    return x\n", "python");
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="), "{html}");
    }

    #[test]
    fn escapes_unknown_languages() {
        let html = code_block("<script>", "nope");
        assert!(html.contains("&lt;script&gt;"));
    }
}
