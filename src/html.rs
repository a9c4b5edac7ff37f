//! Escaping text for HTML: the one function every module that writes HTML by hand
//! uses, so that nothing from a contributor's file reaches a page unescaped.

/// `text` with `&`, `<`, `>`, `"` and `'` escaped: safe in element content and in
/// quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `text` as the HTML serializer writes element content: what the sanitizer would
/// make of [`escape_html`]'s output, so that HTML written after sanitizing reads the
/// same as if it had been sanitized ([`crate::parse::markdown::render_slotted`]).
pub fn serialized_text(text: &str) -> String {
    serialized(text, false)
}

/// `value` as the HTML serializer writes a (double-quoted) attribute value.
pub fn serialized_attribute(value: &str) -> String {
    serialized(value, true)
}

/// The escaping of the HTML standard's fragment serialization (as of 2025, `<` and
/// `>` in attribute values too), which the sanitizer's serializer follows.
fn serialized(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            '"' if attribute => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_character_that_can_end_text_or_an_attribute() {
        assert_eq!(
            escape_html(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape_html("plain é"), "plain é");
    }
}
