//! Sanitizing rendered Markdown: raw HTML from content can neither run script nor
//! break out of its page. MathML passes exactly as far as [`crate::parse::math`]
//! emits it, so formulas survive and nothing else rides along.

use std::sync::OnceLock;

use crate::parse::math;

/// Sanitizes rendered Markdown: raw HTML from content cannot run script or break out.
/// MathML is allowed exactly as far as `crate::parse::math` emits it.
pub fn sanitize(html: &str) -> String {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut builder = ammonia::Builder::default();
            builder
                .add_generic_attributes(["class", "id", "aria-label", "aria-hidden"])
                .add_tags(["mark", "figure", "figcaption", "section"])
                .add_tag_attributes("span", ["tabindex"])
                .link_rel(None);
            allow_mathml(&mut builder);
            builder
        })
        .clean(html)
        .to_string()
}

/// Rendered Markdown as a page may show it: sanitized when the body `needs_cleaning`
/// ([`crate::parse::markdown::Rendered::needs_cleaning`]), else as it is: ammonia
/// parsed and wrote again every body, a twentieth of a cold build, to change no more
/// than the entities of its text.
pub fn cleaned(html: String, needs_cleaning: bool) -> String {
    if needs_cleaning {
        sanitize(&html)
    } else {
        html
    }
}

fn allow_mathml(builder: &mut ammonia::Builder<'static>) {
    builder.add_tags(math::MATHML_ELEMENTS.iter().copied());
    for tag in math::MATHML_ELEMENTS {
        builder.add_tag_attributes(*tag, math::MATHML_ATTRIBUTES.iter().copied());
    }
    builder.filter_style_properties(math::MATHML_STYLE_PROPERTIES.iter().copied().collect());
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn sanitize_removes_scripts_and_handlers_but_keeps_our_markup() {
        let html = sanitize(
            "<h2 id=\"x\">T<a class=\"anchor\" href=\"#x\">#</a></h2><script>alert(1)</script><img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<h2 id=\"x\">"), "{html}");
        assert!(html.contains("class=\"anchor\""), "{html}");
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    /// Element and attribute names in `html`, with counts (a test-only scanner).
    fn markup_names(html: &str) -> BTreeMap<String, usize> {
        let mut names = BTreeMap::new();
        for tag in html.split('<').skip(1).filter(|t| !t.starts_with('/')) {
            let inside = tag.split('>').next().unwrap_or("");
            let element = inside.split_whitespace().next().unwrap_or("");
            let element = element.trim_end_matches('/');
            *names.entry(format!("<{element}")).or_default() += 1;
            // Attribute names run back from each `=` (pulldown-latex sometimes omits
            // the space between attributes; browsers and ammonia accept that).
            for (at, _) in inside.match_indices("=\"") {
                let before = &inside[..at];
                let start = before
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .map_or(0, |i| i + 1);
                *names
                    .entry(format!("{element}@{}", &before[start..]))
                    .or_default() += 1;
            }
        }
        names
    }

    #[test]
    fn sanitize_keeps_every_element_and_attribute_our_mathml_uses() {
        let formulas = [
            r"\mathcal{L}_{\mathrm{DPO}} = -\,\mathbb{E}\left[\log \sigma\!\left(\beta \frac{a}{b}\right)\right]",
            r"\sqrt{x} + \sqrt[3]{y} + \sum_{t=1}^{|h|} w_t + \binom{n}{k} + \overline{x} + \underbrace{a}_{b}",
            r"\begin{pmatrix} a & b \\ c & d \end{pmatrix} \begin{cases} 1 & x \\ 0 & y \end{cases} \color{red}{x} \text{pass@}k",
            r"\max_{\pi_\theta} \big[ r \big] \Big\| \displaystyle\int_0^1 \not= \lim_{x\to 0}",
        ];
        for tex in formulas {
            for display in [false, true] {
                let formula = math::to_mathml(tex, display).unwrap();
                assert_eq!(
                    markup_names(&sanitize(&formula)),
                    markup_names(&formula),
                    "{tex}"
                );
            }
        }
    }

    #[test]
    fn sanitize_drops_script_inside_maths() {
        let html = sanitize(
            "<math><mi onclick=\"x()\" href=\"javascript:x\">a</mi><script>alert(1)</script><mtext><img src=x onerror=y></mtext><maction>b</maction><mi style=\"position: fixed; color: red\">c</mi></math>",
        );
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("alert"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("maction"), "{html}");
        assert!(!html.contains("position"), "{html}");
        assert!(html.contains("<mi>a</mi>"), "{html}");
    }

    #[test]
    fn serialized_escapes_match_what_the_sanitizer_writes() {
        let text = "a & b < c > d \"e\" 'f'\u{a0}g";
        let link = format!(
            "<a title=\"{}\">{}</a>",
            crate::html::escape_html(text),
            crate::html::escape_html(text)
        );
        let written = format!(
            "<a title=\"{}\">{}</a>",
            crate::html::serialized_attribute(text),
            crate::html::serialized_text(text)
        );
        assert_eq!(sanitize(&link), written);
    }
}
