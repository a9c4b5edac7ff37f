//! Page bodies in HTML, kept from one render to the next without their citations.
//!
//! A section cites hundreds of papers, and a change to one paper's label (a year
//! letter) changes the HTML of each citation of it. The rest of the body's HTML reads
//! only the body and where its links lead ([`markdown::render_slotted`]): it is kept
//! with exactly those, and every render writes the citations in again, reading each
//! cited paper through the view as a whole render does. So a page logs the same reads
//! and gets the same bytes whether its kept HTML was used or not.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::hash::FastMap;
use crate::model::Page;
use crate::parse::markdown::{self, CiteTarget, Resolve, SLOT, Slot};

use super::renderer::{PageResolver, Renderer};
use super::sanitize::cleaned;

/// Page id -> its body's HTML without citations.
#[derive(Default)]
pub(super) struct KeptBodies(Mutex<FastMap<String, Arc<KeptBody>>>);

pub(super) struct KeptBody {
    body: String,
    source: PathBuf,
    /// Each link the HTML resolved, in order, with the URL it got.
    links: Vec<(String, Option<String>)>,
    /// The sanitized HTML around the citations: one piece more than `slots`.
    pieces: Vec<String>,
    slots: Vec<Slot>,
}

impl KeptBodies {
    fn get(&self, id: &str) -> Option<Arc<KeptBody>> {
        self.lock().get(id).cloned()
    }

    fn keep(&self, id: &str, body: Arc<KeptBody>) {
        self.lock().insert(id.to_string(), body);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FastMap<String, Arc<KeptBody>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Renderer<'_> {
    /// A page's body in HTML, as [`Renderer::markdown`] writes it.
    pub(super) fn page_body(&self, page: &Page) -> String {
        let Some(kept) = self.kept_body(page).or_else(|| self.keep_body(page)) else {
            return self.markdown(&page.body, &page.source);
        };
        let html = self.with_citations(&kept);
        // Debug builds (the tests) check that writing citations in gives the same bytes.
        debug_assert_eq!(html, self.markdown(&page.body, &page.source), "{}", page.id);
        html
    }

    /// The kept HTML of `page`, if made from the same text and its links lead where
    /// they did.
    fn kept_body(&self, page: &Page) -> Option<Arc<KeptBody>> {
        let kept = self.kept.bodies.get(&page.id)?;
        let resolver = self.resolver(&page.source);
        let same = kept.body == page.body
            && kept.source == page.source
            && (kept.links.iter()).all(|(destination, url)| resolver.link(destination) == *url);
        same.then_some(kept)
    }

    /// Renders and keeps the HTML of `page` without citations; `None` when the body
    /// cannot be rendered so ([`markdown::render_slotted`]) or sanitizing dropped a
    /// citation's place (raw HTML can hide text).
    fn keep_body(&self, page: &Page) -> Option<Arc<KeptBody>> {
        let resolver = LinkLog {
            resolver: self.resolver(&page.source),
            links: RefCell::default(),
        };
        let markdown::Slotted {
            html,
            slots,
            needs_cleaning,
        } = markdown::render_slotted(&page.body, &resolver)?;
        let html = cleaned(html, needs_cleaning);
        let pieces: Vec<String> = html.split(SLOT).map(str::to_string).collect();
        if pieces.len() != slots.len() + 1 {
            return None;
        }
        let kept = Arc::new(KeptBody {
            body: page.body.clone(),
            source: page.source.clone(),
            links: resolver.links.into_inner(),
            pieces,
            slots,
        });
        self.kept.bodies.keep(&page.id, Arc::clone(&kept));
        Some(kept)
    }

    /// The kept HTML with its citations written in, each resolved now.
    fn with_citations(&self, kept: &KeptBody) -> String {
        let resolver = self.resolver(&kept.source);
        let size: usize = kept.pieces.iter().map(String::len).sum();
        let mut html = String::with_capacity(size + kept.slots.len() * 160);
        for (piece, slot) in kept.pieces.iter().zip(&kept.slots) {
            html.push_str(piece);
            html.push_str(&slot.html(&resolver));
        }
        html.push_str(kept.pieces.last().map_or("", String::as_str));
        html
    }

    fn resolver<'r>(&'r self, source: &'r Path) -> PageResolver<'r> {
        PageResolver {
            renderer: self,
            source,
        }
    }
}

/// A page's resolver that notes every link it resolves and the URL it gave.
struct LinkLog<'a> {
    resolver: PageResolver<'a>,
    links: RefCell<Vec<(String, Option<String>)>>,
}

impl Resolve for LinkLog<'_> {
    fn citation(&self, key: &str) -> Option<CiteTarget> {
        self.resolver.citation(key)
    }

    fn link(&self, destination: &str) -> Option<String> {
        let url = self.resolver.link(destination);
        (self.links.borrow_mut()).push((destination.to_string(), url.clone()));
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sanitize::sanitize;

    /// Cites every key as a paper with awkward text, links every destination.
    struct Awkward;

    impl Resolve for Awkward {
        fn citation(&self, key: &str) -> Option<CiteTarget> {
            (key != "unknown").then(|| CiteTarget {
                url: format!("/papers/{key}/"),
                names: "O'Neil & Chen <lab>".into(),
                year: "2023\u{a0}b".into(),
                title: "Say \"hi\" & <b>bye</b>".into(),
            })
        }
        fn link(&self, destination: &str) -> Option<String> {
            Some(format!("/to/{destination}"))
        }
    }

    /// The body as a whole render and sanitizing make it, and as its kept pieces
    /// with the citations written in; `None` when it cannot be kept.
    fn both_ways(body: &str) -> Option<(String, String)> {
        let whole = markdown::render(body, &Awkward);
        let markdown::Slotted {
            html,
            slots,
            needs_cleaning,
        } = markdown::render_slotted(body, &Awkward)?;
        assert_eq!(needs_cleaning, whole.needs_cleaning, "{body}");
        let sanitized = cleaned(html, needs_cleaning);
        let pieces: Vec<&str> = sanitized.split(SLOT).collect();
        assert_eq!(pieces.len(), slots.len() + 1, "{body}");
        let mut filled = String::new();
        for (piece, slot) in pieces.iter().zip(&slots) {
            filled.push_str(piece);
            filled.push_str(&slot.html(&Awkward));
        }
        filled.push_str(pieces.last().unwrap());
        Some((cleaned(whole.html, whole.needs_cleaning), filled))
    }

    /// Bodies with a bit of everything a page may hold but raw HTML, formulas, own
    /// heading ids, unusual link schemes, aligned tables and task lists.
    const NEED_NO_CLEANING: &[&str] = &[
        "## A *heading* citing [@a]\n\nText with \"quotes\", a < b > c & 'apostrophes' [@b].\n",
        "| col | cites |\n| --- | --- |\n| `x<y` | [@a; @b] |\n",
        "- item [see @a, p. 3]\n  - nested @b\n\n> quoted [-@c]\n\n1. one\n2. two\n",
        "[rel](other.md#x \"a \\\"title\\\"\") [web](https://e.org/?a=1&b=\"2\") <mailto:a@b.org> ![img](i.png \"t\")\n",
        "Footnote[^1] ~~struck~~ and `code & <tags>`.\n\n[^1]: A note [@a].\n\n---\n",
        "```python\ndef f(x):\n    return \"<b>\" if x < 1 else '&'\n```\n\n```unknown-lang\n<script>alert(1)</script>\n```\n",
        "> [!NOTE]\n> An alert with **strong** text.\n\nAutolink https://example.org/path.\n",
    ];

    #[test]
    fn the_sanitizer_changes_nothing_but_entities_in_bodies_that_need_no_cleaning() {
        for body in NEED_NO_CLEANING {
            let rendered = markdown::render(body, &Awkward);
            assert!(!rendered.needs_cleaning, "{body}");
            // Where the two write the same HTML apart: ammonia writes `"` and `'` in
            // text as they are and void elements as `<img ...>`; pulldown-cmark and
            // syntect write `&quot;`, `&#39;` and `<img ... />`.
            let written = |html: &str| {
                (html.replace("&quot;", "\"").replace("&#39;", "'")).replace(" />", ">")
            };
            let sanitized = sanitize(&rendered.html);
            assert_eq!(written(&sanitized), written(&rendered.html), "{body}");
        }
    }

    #[test]
    fn bodies_the_sanitizer_could_change_are_sanitized() {
        for body in [
            "<span onclick=\"x()\">raw</span>\n",
            "Inline $x^2$ maths.\n",
            "## Own id {#my-id}\n",
            "[click](javascript:alert(1))\n",
            "![pixel](data:image/png;base64,AAAA)\n",
            "[upper case](JavaScript:alert(1))\n",
            "| a | b |\n| :-- | --: |\n| 1 | 2 |\n",
        ] {
            let rendered = markdown::render(body, &Awkward);
            assert!(rendered.needs_cleaning, "{body}");
            let shown = cleaned(rendered.html, true);
            assert!(
                !shown.contains("javascript:") && !shown.contains("onclick"),
                "{shown}"
            );
        }
    }

    #[test]
    fn citations_written_into_kept_html_read_as_a_whole_render() {
        for body in [
            "Plain [@a] and @b, with [see @c, p. 3; -@d].\n",
            "## A heading citing [@a]\n\nText.\n",
            "| col | cites |\n| --- | --- |\n| x | [@a; @b] |\n",
            "- item [@a]\n  - nested @b\n\n> quoted [@c]\n",
            "*Emphasis [@a]* and **strong @b** and [a link](other.md) then [@unknown].\n",
            "Footnote[^1].\n\n[^1]: Cited in a note [@a].\n",
            "A [link with @a inside](x.md) and ![an image @b](i.png) are opaque.\n",
        ] {
            let (whole, filled) = both_ways(body).expect(body);
            assert_eq!(filled, whole, "{body}");
        }
    }

    #[test]
    fn bodies_with_html_of_their_own_or_the_slot_character_are_not_kept() {
        assert!(both_ways("<span>raw</span> [@a]\n").is_none());
        assert!(both_ways(&format!("odd {SLOT} [@a]\n")).is_none());
    }
}
