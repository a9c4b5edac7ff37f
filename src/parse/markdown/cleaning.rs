//! What in a body a sanitizer could change: a body with none of it is rendered only
//! as markup this module writes around escaped text, and is shown without sanitizing
//! ([`super::Rendered::needs_cleaning`]).

use pulldown_cmark::{Alignment, Event, Tag};

use super::has_scheme;

/// Whether a sanitizer could change the HTML written for `event` (beyond the entities
/// it writes text with): raw HTML; formulas (their MathML is filtered); a heading's
/// own id or attributes; a link or image whose destination it may not keep as
/// written; an aligned table (its cells' `style`); a task list's checkbox.
pub(super) fn needs_cleaning(event: &Event) -> bool {
    match event {
        Event::Html(_)
        | Event::InlineHtml(_)
        | Event::InlineMath(_)
        | Event::DisplayMath(_)
        | Event::TaskListMarker(_) => true,
        Event::Start(Tag::Heading {
            id, classes, attrs, ..
        }) => id.is_some() || !classes.is_empty() || !attrs.is_empty(),
        Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
            !kept_as_written(dest_url)
        }
        Event::Start(Tag::Table(alignments)) => alignments.iter().any(|a| *a != Alignment::None),
        _ => false,
    }
}

/// Whether a link's destination is one every sanitizer keeps as it is: relative, or to
/// an `http`, `https` or `mailto` address, without control characters (which browsers
/// drop, so they can hide a scheme).
pub(super) fn kept_as_written(destination: &str) -> bool {
    if destination.chars().any(char::is_control) {
        return false;
    }
    match destination.split_once(':') {
        Some((scheme, _)) if has_scheme(destination) => ["http", "https", "mailto"]
            .iter()
            .any(|safe| scheme.eq_ignore_ascii_case(safe)),
        _ => true,
    }
}
