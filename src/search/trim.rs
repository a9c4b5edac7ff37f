//! What of a page Pagefind is given: the page without the parts that cannot change
//! its index, so that Pagefind parses about a third of each page.
//!
//! Pagefind indexes the text of the element marked `data-pagefind-body`, but it also
//! reads, anywhere in the page, the `lang` of `<html>`, the `<title>` (a fallback
//! title), filters, metadata and sort keys, the first `<h1>` (the default title) and
//! the first `<img>` after it (the default image). An element marked
//! `data-pagefind-ignore="all"` counts for nothing, its children included. So these
//! spans are cut:
//! - in `<head>`, what lies before and after `<title>` (metadata, styles, scripts);
//! - between `<body>` and the marked element (the site's header and navigation);
//! - after the marked element, up to `</body>` (the footer);
//! - every element marked `data-pagefind-ignore="all"` (BibTeX, reference lists,
//!   lists of related papers).
//!
//! The first three are cut only where they hold nothing Pagefind reads anywhere
//! ([`inert`]). An excluded element is cut only where its end is found by walking its
//! tags ([`element_end`]), which gives up on comments, scripts and styles.
//!
//! Invariant: Pagefind makes the same files, byte for byte, from the cut pages as from
//! the whole pages (tested on the real site's pages).

use std::borrow::Cow;
use std::ops::Range;

use memchr::memmem;

/// The attribute that, valued `all`, drops an element and its children from the index.
const IGNORE: &[u8] = b"data-pagefind-ignore";

/// The page as Pagefind needs it: `html` without the spans that change nothing in
/// its index (see the module doc); the page itself when nothing can be cut.
pub(super) fn for_indexing(html: &[u8]) -> Cow<'_, [u8]> {
    let cuts = merged(spans_to_cut(html));
    if cuts.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut kept = Vec::with_capacity(html.len());
    let mut at = 0;
    for cut in cuts {
        kept.extend_from_slice(&html[at..cut.start]);
        at = cut.end;
    }
    kept.extend_from_slice(&html[at..]);
    Cow::Owned(kept)
}

fn spans_to_cut(html: &[u8]) -> Vec<Range<usize>> {
    let head = head(html);
    let mut cuts = head
        .clone()
        .map_or_else(Vec::new, |head| head_around_title(html, head));
    cuts.extend(around_marked_element(html, head.map_or(0, |head| head.end)));
    cuts.extend(excluded_elements(html));
    cuts.retain(|cut| !cut.is_empty());
    cuts
}

/// Sorted, with overlapping spans (an excluded element in the navigation) joined.
fn merged(mut cuts: Vec<Range<usize>>) -> Vec<Range<usize>> {
    cuts.sort_by_key(|cut| (cut.start, cut.end));
    let mut joined: Vec<Range<usize>> = Vec::with_capacity(cuts.len());
    for cut in cuts {
        match joined.last_mut() {
            Some(last) if cut.start <= last.end => last.end = last.end.max(cut.end),
            _ => joined.push(cut),
        }
    }
    joined
}

/// What `<head>` (the span `head`) holds before and after its `<title>`, each where
/// inert.
fn head_around_title(html: &[u8], head: Range<usize>) -> Vec<Range<usize>> {
    let inside = &html[..head.end];
    let title = find_tag(inside, head.start, b"title")
        .and_then(|start| Some(start..find(inside, start, b"</title>")? + b"</title>".len()));
    let spans = match title {
        Some(title) => vec![head.start..title.start, title.end..head.end],
        None => vec![head],
    };
    spans
        .into_iter()
        .filter(|span| inert(&html[span.clone()]))
        .collect()
}

/// What lies between `<head ...>` and `</head>`.
fn head(html: &[u8]) -> Option<Range<usize>> {
    let inside = tag_end(html, find_tag(html, 0, b"head")?)?;
    Some(inside..find(html, inside, b"</head>")?)
}

/// The header and navigation before the element marked `data-pagefind-body`, and the
/// footer after it, each where inert. The footer starts after the last end tag of the
/// marked element's name before `</body>`: a search from the end, which what the
/// marked element holds cannot mislead. `<body>` is looked for from `after_head`.
fn around_marked_element(html: &[u8], after_head: usize) -> Vec<Range<usize>> {
    let Some(body_open) = find_tag(html, after_head, b"body") else {
        return Vec::new();
    };
    let Some(inside) = tag_end(html, body_open) else {
        return Vec::new();
    };
    let Some(marked) = tags_with(html, inside, super::BODY_MARKER, |_| true).next() else {
        return Vec::new();
    };
    let mut spans = Vec::with_capacity(2);
    spans.push(inside..marked);
    let end_tag = [b"</", tag_name(&html[marked..]), b">"].concat();
    if let Some(body_close) = memmem::rfind(html, b"</body>").filter(|close| *close > marked)
        && let Some(last_end) = memmem::rfind(&html[marked..body_close], &end_tag)
    {
        spans.push(marked + last_end + end_tag.len()..body_close);
    }
    spans.retain(|span| inert(&html[span.clone()]));
    spans
}

/// Every element marked `data-pagefind-ignore="all"` whose end is found.
fn excluded_elements(html: &[u8]) -> Vec<Range<usize>> {
    let all = |value: Option<&[u8]>| value.is_some_and(|value| value.eq_ignore_ascii_case(b"all"));
    let mut spans: Vec<Range<usize>> = Vec::new();
    for start in tags_with(html, 0, IGNORE, all) {
        if spans.last().is_some_and(|last| start < last.end) {
            continue; // inside an element already cut
        }
        spans.extend(element_end(html, start).map(|end| start..end));
    }
    spans
}

/// The start tags at or after `from` that carry the attribute `name` with a value
/// `value` accepts, by where they start. The attribute's name is searched for, then
/// the tag around it is read, so the name in text or in another attribute's value
/// does not count.
fn tags_with<'a>(
    html: &'a [u8],
    from: usize,
    name: &'a [u8],
    value: impl Fn(Option<&[u8]>) -> bool + 'a,
) -> impl Iterator<Item = usize> + 'a {
    let found = memmem::find_iter(&html[from..], name).map(move |at| at + from);
    found.filter_map(move |at| {
        let start = memchr::memrchr(b'<', &html[..at])?;
        let end = tag_end(html, start)?;
        let carries = (end > at && !html[start..].starts_with(b"</"))
            && attributes(&html[start..end]).any(|(key, found)| key == name && value(found));
        carries.then_some(start)
    })
}

/// A start tag's attributes, as (name, value), the value without its quotes.
fn attributes(tag: &[u8]) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
    let name = tag_name(tag);
    let mut rest = &tag[1 + name.len()..];
    std::iter::from_fn(move || {
        let is_space = |byte: &u8| byte.is_ascii_whitespace() || *byte == b'/';
        rest = &rest[rest.iter().position(|b| !is_space(b))?..];
        let length = (rest.iter())
            .position(|byte| is_space(byte) || matches!(byte, b'=' | b'>'))
            .unwrap_or(rest.len());
        if length == 0 {
            return None; // at the closing `>`
        }
        let (key, after) = rest.split_at(length);
        let Some(after_equals) = after.strip_prefix(b"=") else {
            rest = after;
            return Some((key, None));
        };
        let (value, after_value) = match after_equals.first() {
            Some(&quote @ (b'"' | b'\'')) => {
                let inner = &after_equals[1..];
                let close = memchr::memchr(quote, inner)?;
                (&inner[..close], &inner[close + 1..])
            }
            _ => {
                let length = (after_equals.iter())
                    .position(|byte| byte.is_ascii_whitespace() || *byte == b'>')
                    .unwrap_or(after_equals.len());
                after_equals.split_at(length)
            }
        };
        rest = after_value;
        Some((key, Some(value)))
    })
}

/// Whether a span holds nothing Pagefind reads outside the marked element: no
/// Pagefind attribute, and no `<html>`, `<title>`, `<h1>` or `<img>`.
fn inert(span: &[u8]) -> bool {
    const READ_TAGS: [&[u8]; 4] = [b"html", b"title", b"h1", b"img"];
    let mentions_pagefind = memchr::memchr2_iter(b'p', b'P', span)
        .any(|at| starts_with_ignore_case(&span[at..], b"pagefind"));
    let reads_a_tag = memchr::memchr_iter(b'<', span).any(|at| {
        let name = tag_name(&span[at..]);
        READ_TAGS.iter().any(|tag| name.eq_ignore_ascii_case(tag))
    });
    !mentions_pagefind && !reads_a_tag
}

/// Just after the end tag of the element whose start tag is at `start`, found by
/// walking the tags after it and counting those of its name; `None` where the walk
/// meets a comment, a script or a style (whose text may hold anything), or runs out.
fn element_end(html: &[u8], start: usize) -> Option<usize> {
    let name = tag_name(&html[start..]);
    if name.is_empty() {
        return None;
    }
    let mut depth = 0usize;
    let mut at = start;
    loop {
        let open = at + memchr::memchr(b'<', &html[at..])?;
        let end = tag_end(html, open)?;
        let tag = &html[open..end];
        let closing = tag.starts_with(b"</");
        let this_name = tag_name(tag);
        if tag.starts_with(b"<!")
            || this_name.eq_ignore_ascii_case(b"script")
            || this_name.eq_ignore_ascii_case(b"style")
        {
            return None;
        }
        if this_name.eq_ignore_ascii_case(name) {
            if closing {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(end);
                }
            } else if !tag.ends_with(b"/>") {
                depth += 1;
            }
        }
        at = end;
    }
}

/// The name of the tag `tag` starts with (`<a href>` and `</a>` -> `a`); empty if it
/// starts with no tag.
fn tag_name(tag: &[u8]) -> &[u8] {
    let name = tag.strip_prefix(b"</").or_else(|| tag.strip_prefix(b"<"));
    let Some(name) = name else {
        return &[];
    };
    let length = (name.iter())
        .position(|byte| !byte.is_ascii_alphanumeric())
        .unwrap_or(name.len());
    &name[..length]
}

/// Just after the `>` that ends the tag starting at `start`, skipping quoted
/// attribute values (which may hold `>`).
fn tag_end(html: &[u8], start: usize) -> Option<usize> {
    let mut quote = None;
    for (offset, &byte) in html[start..].iter().enumerate() {
        match (quote, byte) {
            (None, b'"' | b'\'') => quote = Some(byte),
            (Some(open), _) if byte == open => quote = None,
            (None, b'>') => return Some(start + offset + 1),
            _ => {}
        }
    }
    None
}

/// The first start tag named `name` at or after `from`.
fn find_tag(html: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    loop {
        let open = at + memchr::memchr(b'<', html.get(at..)?)?;
        if !html[open..].starts_with(b"</") && tag_name(&html[open..]).eq_ignore_ascii_case(name) {
            return Some(open);
        }
        at = open + 1;
    }
}

/// Where `needle` first occurs at or after `from`.
fn find(html: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memmem::find(html.get(from..)?, needle).map(|at| at + from)
}

fn starts_with_ignore_case(text: &[u8], prefix: &[u8]) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(html: &str) -> String {
        String::from_utf8(for_indexing(html.as_bytes()).into_owned()).unwrap()
    }

    const HEAD: &str =
        "<head><meta charset=\"utf-8\"><title>T</title><script>if (a < b) {}</script></head>";

    #[test]
    fn a_page_keeps_its_title_language_and_marked_element_and_loses_the_rest() {
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\">{HEAD}<body class=\"b\"><nav><a href=\"/\">Home</a></nav>\
             <article data-pagefind-body><h1>Paper</h1><p title=\"a > b\">Words</p>\
             <section data-pagefind-ignore=\"all\"><h2 id=\"bib\">BibTeX</h2><section>x</section><pre>@misc</pre></section>\
             <p>More</p></article><footer>Built by survey</footer></body></html>"
        );
        assert_eq!(
            given(&page),
            "<!DOCTYPE html><html lang=\"en\"><head><title>T</title></head><body class=\"b\">\
             <article data-pagefind-body><h1>Paper</h1><p title=\"a > b\">Words</p>\
             <p>More</p></article></body></html>"
        );
    }

    #[test]
    fn spans_holding_what_pagefind_reads_anywhere_stay() {
        let filtered = "<html><head><title>T</title></head><body><nav data-pagefind-filter=\"a\">Menu</nav>\
                        <main data-pagefind-body>Text</main><footer><img src=\"x.png\"></footer></body></html>";
        assert_eq!(given(filtered), filtered);
        let titled = "<html><head></head><body><h1>Site</h1><main data-pagefind-body>Text</main></body></html>";
        assert_eq!(given(titled), titled);
    }

    #[test]
    fn the_marker_counts_only_as_an_attribute_of_a_start_tag() {
        let page = "<html><head></head><body><nav title=\"data-pagefind-body\">data-pagefind-body</nav>\
                    <main>Text</main><p>End</p></body></html>";
        assert_eq!(given(page), page);
    }

    #[test]
    fn an_element_is_cut_only_when_excluded_whole_and_its_end_is_found() {
        let ignored = "<html><head></head><body><main data-pagefind-body>A\
                       <div data-pagefind-ignore>B</div><div data-pagefind-ignore=\"index\">C</div>\
                       <div data-pagefind-ignore=\"all\"><script>\"</div>\"</script></div>D</main></body></html>";
        assert_eq!(given(ignored), ignored);
        let unclosed = "<html><head></head><body><main data-pagefind-body>A<div data-pagefind-ignore='ALL'><div>B</div></main>";
        assert_eq!(given(unclosed), unclosed);
        let nested = "<main data-pagefind-body>A<div data-pagefind-ignore=\"all\"><div data-pagefind-ignore=\"all\">B</div>C</div>D</main>";
        assert_eq!(given(nested), "<main data-pagefind-body>AD</main>");
    }

    #[test]
    fn attributes_are_read_with_and_without_quotes_and_values() {
        let tag = b"<a href='x y' hidden data-x=1 title=\"a>b\">";
        let read: Vec<(&[u8], Option<&[u8]>)> = attributes(tag).collect();
        assert_eq!(
            read,
            [
                (&b"href"[..], Some(&b"x y"[..])),
                (b"hidden", None),
                (b"data-x", Some(b"1")),
                (b"title", Some(b"a>b")),
            ]
        );
        assert_eq!(tag_end(tag, 0), Some(tag.len()));
    }
}
