//! `survey`: a static-site generator for living literature surveys.
//!
//! The pipeline flows one way: [`source::load`] (files) -> [`assemble::assemble`]
//! (typed, validated, cross-linked site) -> [`render::render`] (HTML per page, in
//! parallel) -> [`output::emit`] (atomic write). Problems are collected as
//! [`diagnostics::Diagnostic`] values on the way, never panics. After render,
//! [`search::index`] turns the rendered pages into the search index's files.

pub mod assemble;
pub mod bibtex;
pub mod bibtex_export;
pub mod charts;
pub mod cite;
pub mod cli;
pub mod config;
pub mod contribute;
pub mod csl;
pub mod csljson;
pub mod diagnostics;
pub mod duplicates;
pub mod exports;
pub mod frontmatter;
pub mod highlight;
pub mod incremental;
pub mod link;
pub mod listings;
pub mod markdown;
pub mod math;
pub mod meta;
pub mod model;
pub mod names;
pub mod output;
pub mod paper_pages;
pub mod readme;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod source;
pub mod templates;
pub mod validate;
pub mod venue;
pub mod watch;
pub mod work;

use std::path::Path;

use diagnostics::Diagnostics;
use render::Output;
use site::Site;
use source::Sources;

/// The result of running the pipeline in memory (no writes).
pub struct Build {
    pub sources: Sources,
    pub diagnostics: Diagnostics,
    /// Present when there were no errors.
    pub site: Option<Site>,
    pub outputs: Vec<Output>,
}

impl Build {
    pub fn succeeded(&self) -> bool {
        self.site.is_some() && !self.diagnostics.has_errors()
    }
}

/// Everything `build` validates, plus what only matters in the repository (the README
/// paper list); renders in memory, builds no search index and writes nothing.
pub fn check(root: &Path) -> Build {
    let options = BuildOptions {
        base_url: None,
        search: false,
    };
    let mut result = build_with(root, options);
    if let (Some(site), Some(readme)) = (&result.site, &result.sources.readme)
        && let Some(stale) = readme::check(readme, site)
    {
        result.diagnostics.push(stale);
    }
    result
}

/// How to build: what `survey build` and `survey check` ask for.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions<'a> {
    /// Overrides site.yaml's `base_url`.
    pub base_url: Option<&'a str>,
    /// Build the search index (`--no-search` turns it off; `check` never needs it).
    pub search: bool,
}

/// Loads, assembles, renders and indexes the site under `root`; `base_url` overrides
/// site.yaml's.
pub fn build(root: &Path, base_url: Option<&str>) -> Build {
    build_with(
        root,
        BuildOptions {
            base_url,
            search: true,
        },
    )
}

/// [`build`] with every option.
pub fn build_with(root: &Path, options: BuildOptions) -> Build {
    let base_url = options.base_url;
    let mut diagnostics = Diagnostics::default();
    let sources = source::load(root, &mut diagnostics);
    let config = sources
        .config
        .as_ref()
        .and_then(|file| config::parse(file, base_url, &mut diagnostics));
    let config_ok = config.is_some();
    // With a broken site.yaml the content is still checked, so all problems show at once.
    let config = config.unwrap_or_else(config::fallback);
    let site = assemble::assemble(&sources, config, &mut diagnostics).filter(|_| config_ok);
    let mut outputs = site
        .as_ref()
        .filter(|_| !diagnostics.has_errors())
        .and_then(|site| {
            render::render(site, &sources.templates, &sources.statics, &mut diagnostics)
        })
        .unwrap_or_default();
    if options.search && !outputs.is_empty() {
        add_search_index(&mut outputs, site.as_ref(), &mut diagnostics);
    }
    let site = site.filter(|_| !diagnostics.has_errors());
    Build {
        sources,
        diagnostics,
        site,
        outputs,
    }
}

/// Indexes the rendered pages and adds the index's files to `outputs`.
fn add_search_index(outputs: &mut Vec<Output>, site: Option<&Site>, diagnostics: &mut Diagnostics) {
    let language = site.map_or("en", |site| site.config.language.as_str());
    match search::index(outputs, language) {
        Ok(index) => {
            outputs.extend(index.outputs);
            outputs.sort_by(|a, b| a.path.cmp(&b.path));
        }
        Err(diagnostic) => diagnostics.push(diagnostic),
    }
}
