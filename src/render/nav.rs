//! The chapter navigation of every page (`nav.html`), rendered once per value of
//! `current` instead of once per page: it reads only the `site` template data and
//! `current`, and thousands of pages share a few dozen values of `current` (every
//! paper page has `papers`). Templates place it with `{{ nav | safe }}`.
//!
//! Invariant: a memo is valid for one Tera instance with one global context. It lives
//! in [`super::PreparedParts`] beside them, and a change to the templates or to the
//! `site` data prepares new parts with an empty memo.

use std::sync::{Arc, Mutex, PoisonError};

use crate::hash::FastMap;

/// The template every page's navigation comes from.
pub(super) const TEMPLATE: &str = "nav.html";

/// `nav.html` rendered, by the page's `current` (`None` where a page has none).
#[derive(Default)]
pub(super) struct NavHtml(Mutex<FastMap<Option<String>, Arc<str>>>);

impl NavHtml {
    /// The navigation for `current`, rendered on first use. Two threads may both
    /// render a variant first; they render the same bytes.
    pub(super) fn get(
        &self,
        tera: &tera::Tera,
        current: Option<&str>,
    ) -> tera::TeraResult<Arc<str>> {
        let key = current.map(str::to_string);
        if let Some(html) = self.lock().get(&key) {
            return Ok(html.clone());
        }
        let mut context = tera::Context::new();
        if let Some(current) = current {
            context.insert("current", current);
        }
        let html: Arc<str> = tera.render(TEMPLATE, &context)?.into();
        self.lock().insert(key, html.clone());
        Ok(html)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FastMap<Option<String>, Arc<str>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
