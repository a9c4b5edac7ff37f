//! TeX maths (`$...$`, `$$...$$` in Markdown) -> MathML at build time, with the
//! `pulldown-latex` crate, so formulas display without JavaScript.
//!
//! Invariants:
//! - a formula either converts completely or not at all: TeX the parser rejects is an
//!   `Err` with the parser's message (never partial output, never a panic), and the
//!   caller shows the source instead, escaped;
//! - the TeX source rides along as an `<annotation encoding="application/x-tex">`,
//!   escaped here because the library writes it verbatim;
//! - the elements and attributes the library can emit are listed in
//!   [`MATHML_ELEMENTS`] and [`MATHML_ATTRIBUTES`], which the sanitizer allows and
//!   nothing more.

use pulldown_latex::config::DisplayMode;
use pulldown_latex::{Parser, RenderConfig, Storage, push_mathml};

use crate::html::escape_html;

/// Every MathML element `pulldown-latex` 0.8 writes (checked against its source),
/// except `merror`, which it writes only for TeX we reject before rendering.
pub const MATHML_ELEMENTS: &[&str] = &[
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "mtext",
    "mspace",
    "mfrac",
    "msqrt",
    "mroot",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
];

/// Every attribute it writes on them. `style` carries only the CSS properties in
/// [`MATHML_STYLE_PROPERTIES`] (colours from `\color`, negative space, row spacing).
pub const MATHML_ATTRIBUTES: &[&str] = &[
    "display",
    "encoding",
    "class",
    "mathvariant",
    "stretchy",
    "symmetric",
    "largeop",
    "movablelimits",
    "minsize",
    "maxsize",
    "displaystyle",
    "scriptlevel",
    "linethickness",
    "width",
    "height",
    "depth",
    "style",
];

/// CSS properties the library writes into `style` attributes.
pub const MATHML_STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "border-color",
    "margin-left",
    "height",
];

/// `tex` as a `<math>` element, or the parser's complaint about it.
pub fn to_mathml(tex: &str, display: bool) -> Result<String, String> {
    let tex = tex.to_string();
    std::panic::catch_unwind(move || convert(&tex, display))
        .unwrap_or_else(|_| Err("the TeX could not be converted".to_string()))
}

fn convert(tex: &str, display: bool) -> Result<String, String> {
    let storage = Storage::new();
    let events: Vec<_> = Parser::new(tex, &storage).collect();
    if let Some(error) = events.iter().find_map(|event| event.as_ref().err()) {
        return Err(first_line(&error.to_string()));
    }
    let annotation = escape_html(tex.trim());
    let config = RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        annotation: Some(&annotation),
        ..RenderConfig::default()
    };
    let mut mathml = String::with_capacity(tex.len() * 8);
    push_mathml(&mut mathml, events.into_iter(), config)
        .map_err(|error| format!("the TeX could not be converted: {error}"))?;
    Ok(mathml)
}

/// "parsing error: unbalanced group ...\n╭─► context: ..." -> "unbalanced group ...".
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message);
    line.trim_start_matches("parsing error: ")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_inline_and_display_formulas() {
        let inline = to_mathml(r"\beta \log \frac{a}{b}", false).unwrap();
        assert!(inline.starts_with("<math display=\"inline\">"), "{inline}");
        assert!(inline.contains("<mfrac>"), "{inline}");
        let display = to_mathml(r"h_{<t}", true).unwrap();
        assert!(display.starts_with("<math display=\"block\">"), "{display}");
        assert!(
            display.contains("<annotation encoding=\"application/x-tex\">h_{&lt;t}</annotation>"),
            "{display}"
        );
    }

    #[test]
    fn invalid_tex_is_an_error_not_output() {
        let error = to_mathml(r"\frac{a}{b", false).unwrap_err();
        assert!(error.contains("unbalanced group"), "{error}");
        assert!(to_mathml(r"\nosuchcommand", false).is_err());
    }

    #[test]
    fn odd_inputs_never_panic() {
        for tex in [
            "",
            "{",
            "}",
            "^",
            "_",
            "&",
            "\\",
            "\\\\",
            "\\begin{matrix}",
            "$",
            "#",
            "a^^b",
            "\\left(",
            "\\right)",
        ] {
            let _ = to_mathml(tex, false);
            let _ = to_mathml(tex, true);
        }
    }
}
