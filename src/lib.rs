//! `survey`: a static-site generator for living literature surveys.
//!
//! The pipeline flows one way: [`source::load`] (files) -> [`assemble::assemble`]
//! (typed, validated, cross-linked site) -> [`render::render`] (HTML per page, in
//! parallel) -> [`output::emit`] (atomic write). Problems are collected as
//! [`diagnostics::Diagnostic`] values on the way, never panics.

pub mod assemble;
pub mod bibtex;
pub mod cite;
pub mod cli;
pub mod config;
pub mod contribute;
pub mod diagnostics;
pub mod duplicates;
pub mod frontmatter;
pub mod highlight;
pub mod link;
pub mod markdown;
pub mod model;
pub mod output;
pub mod readme;
pub mod render;
pub mod scaffold;
pub mod site;
pub mod source;
pub mod templates;
pub mod validate;

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
/// paper list); renders in memory and writes nothing.
pub fn check(root: &Path) -> Build {
    let mut result = build(root, None);
    if let (Some(site), Some(readme)) = (&result.site, &result.sources.readme)
        && let Some(stale) = readme::check(readme, site)
    {
        result.diagnostics.push(stale);
    }
    result
}

/// Loads, assembles and renders the site under `root`; `base_url` overrides site.yaml's.
pub fn build(root: &Path, base_url: Option<&str>) -> Build {
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
    let outputs = site
        .as_ref()
        .filter(|_| !diagnostics.has_errors())
        .and_then(|site| {
            render::render(site, &sources.templates, &sources.statics, &mut diagnostics)
        })
        .unwrap_or_default();
    let site = site.filter(|_| !diagnostics.has_errors());
    Build {
        sources,
        diagnostics,
        site,
        outputs,
    }
}
