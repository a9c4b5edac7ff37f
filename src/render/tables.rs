//! The all-papers table: its pages' contexts, and the paper rows and items that
//! every table and list shares, rendered once per paper and kept across jobs.

use super::paper_pages::IndexPage;
use super::reads::Read;

use crate::diagnostics::Diagnostic;
use crate::model::PaperFields;

use super::renderer::{ListedPaper, Renderer};
use super::{ROWS_MARKER, paper_pages};

impl Renderer<'_> {
    /// A page of the all-papers table's data; its `rows` are a marker that
    /// [`ROWS_MARKER`] replaces after rendering.
    pub(super) fn paper_index_context(&self, index: &IndexPage) -> tera::Context {
        let count = self.view.paper_count();
        let mut context = tera::Context::new();
        context.insert("current", "papers");
        context.insert("count", &count);
        context.insert("rows", ROWS_MARKER);
        context.insert(
            "table",
            &paper_pages::page_data(index, count, |p| self.url(p)),
        );
        let title = match (index.order, index.number) {
            (paper_pages::Order::Newest, 1) => "All papers".to_string(),
            (paper_pages::Order::Newest, n) => format!("All papers, page {n}"),
            (paper_pages::Order::Title, n) => format!("All papers by title, page {n}"),
        };
        context.insert("web", &self.plain_meta(&title, &index.path()));
        context.insert("page_title", &title);
        context
    }

    /// `before`, the rows of the table page `index` in its order, then `after`.
    pub(super) fn with_paper_rows(
        &self,
        index: &IndexPage,
        before: &str,
        after: &str,
    ) -> Result<String, Diagnostic> {
        let keys: Vec<&str> = self
            .view
            .table_rows(index)
            .iter()
            .map(String::as_str)
            .collect();
        let fields_hash = |key: &str| self.fields_hash(key);
        let write =
            |key: &str| self.recorded(|renderer| renderer.paper_row(key, renderer.fields(key)?));
        let join = |rows: Vec<&Recorded<String>>| {
            let rows: Vec<&String> = rows.into_iter().map(|row| self.replayed(row)).collect();
            let size: usize = rows.iter().map(|row| row.len()).sum();
            let mut html = String::with_capacity(before.len() + size + after.len());
            html.push_str(before);
            rows.into_iter().for_each(|row| html.push_str(row));
            html.push_str(after);
            html
        };
        self.kept.rows.with(&keys, fields_hash, write, join)
    }

    /// The papers `keys` as a list shows them, their entries kept while unchanged.
    pub(super) fn listed(&self, keys: &[String]) -> Result<Vec<ListedPaper>, Diagnostic> {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let fields_hash = |key: &str| self.fields_hash(key);
        let write =
            |key: &str| self.recorded(|renderer| renderer.paper_item(key, renderer.fields(key)?));
        let read = |items: Vec<&Recorded<String>>| {
            let entry = |item: &Recorded<String>| ListedPaper {
                item: self.replayed(item).clone(),
            };
            items.into_iter().map(entry).collect()
        };
        self.kept.items.with(&keys, fields_hash, write, read)
    }

    /// Runs `write` on a renderer of the same job with a log of its own, so that a
    /// value kept for other jobs carries the reads it was written from.
    fn recorded<T, E>(
        &self,
        write: impl FnOnce(&Renderer) -> Result<T, E>,
    ) -> Result<Recorded<T>, E> {
        let renderer = Renderer {
            view: self.view.fresh(),
            tera: self.tera,
            base_path: self.base_path.clone(),
            kept: self.kept,
            navs: self.navs,
        };
        let value = write(&renderer)?;
        let reads = renderer.view.take_reads();
        Ok(Recorded { value, reads })
    }

    /// A kept value, its reads logged as this job's.
    fn replayed<'v, T>(&self, kept: &'v Recorded<T>) -> &'v T {
        self.view.replay(&kept.reads);
        &kept.value
    }

    /// A paper's fields; an error for an unknown key (assembly checked every key).
    pub(super) fn fields(&self, key: &str) -> Result<&PaperFields, Diagnostic> {
        (self.view.fields(key))
            .ok_or_else(|| Diagnostic::error("content", format!("no paper `{key}` to list")))
    }

    pub(super) fn paper_item(&self, key: &str, fields: &PaperFields) -> Result<String, Diagnostic> {
        let mut context = tera::Context::new();
        context.insert("p", &self.summary(key, fields));
        self.render_template("paper_item.html", &context)
    }

    /// A hash of what [`Renderer::summary`] reads from the paper itself: its fields.
    fn fields_hash(&self, key: &str) -> u64 {
        self.kept.fields.of(key, self.view.fields(key))
    }

    pub(super) fn paper_row(&self, key: &str, fields: &PaperFields) -> Result<String, Diagnostic> {
        let mut context = tera::Context::new();
        context.insert("p", &self.summary(key, fields));
        self.render_template("paper_row.html", &context)
    }
}

/// A value kept across jobs ([`super::kept::Kept`]) with the reads it was written from, which every
/// job that uses it logs as its own.
pub(super) struct Recorded<T> {
    pub(super) value: T,
    pub(super) reads: Box<[Read]>,
}
