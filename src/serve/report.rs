//! What `serve` prints: the URL, each rebuild's duration and what changed, and the
//! diagnostics as `survey check` prints them.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use super::watch::Batch;

use crate::diagnostics;
use crate::diagnostics::Format;
use crate::engine::{LiveBuild, Rebuild};

/// Terminal output: the URL, each rebuild's duration and what changed, and the same
/// diagnostics `survey check` prints.
pub(super) struct Reporter {
    pub(super) quiet: bool,
    pub(super) color: bool,
}

impl Reporter {
    pub(super) fn new(quiet: bool) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Reporter { quiet, color }
    }

    pub(super) fn first_build(&self, first: &Rebuild, live: &LiveBuild, elapsed: Duration) {
        if self.quiet {
            return;
        }
        self.print_diagnostics(first, live);
        let files = live.outputs().len();
        if first.succeeded {
            println!("built {files} files in {} ms", elapsed.as_millis());
        } else {
            println!("the site does not build yet: the browser shows the errors until it does");
        }
    }

    pub(super) fn rebuild(
        &self,
        batch: &Batch,
        rebuild: &Rebuild,
        live: &LiveBuild,
        elapsed: Duration,
    ) {
        if self.quiet {
            return;
        }
        self.print_diagnostics(rebuild, live);
        let what = describe_paths(batch, &rebuild.changed_sources);
        if rebuild.succeeded {
            println!(
                "{what} changed: rebuilt in {} ms, {} page{} rendered, {} file{} changed{}",
                elapsed.as_millis(),
                rebuild.rendered,
                plural(rebuild.rendered),
                rebuild.changed_outputs.len(),
                plural(rebuild.changed_outputs.len()),
                describe_outputs(&rebuild.changed_outputs)
            );
        } else {
            println!(
                "{what} changed: the site does not build ({} error{}, {} ms); still serving the last good build",
                rebuild.diagnostics.error_count(),
                plural(rebuild.diagnostics.error_count()),
                elapsed.as_millis()
            );
        }
    }

    fn print_diagnostics(&self, rebuild: &Rebuild, live: &LiveBuild) {
        if !rebuild.diagnostics.is_empty() {
            eprint!("{}", self.diagnostics(rebuild, live, self.color));
        }
    }

    /// The diagnostics without colour, for the browser overlay.
    pub(super) fn plain_diagnostics(&self, rebuild: &Rebuild, live: &LiveBuild) -> String {
        self.diagnostics(rebuild, live, false)
    }

    fn diagnostics(&self, rebuild: &Rebuild, live: &LiveBuild, color: bool) -> String {
        let sources = live.sources();
        diagnostics::render(&rebuild.diagnostics, Format::Human, color, &|path| {
            sources.text_of(path)
        })
    }
}

fn describe_paths(batch: &Batch, changed: &[PathBuf]) -> String {
    if batch.rescan {
        return "many files (rescanned)".to_string();
    }
    let shown: Vec<String> = changed
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    match changed.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

fn describe_outputs(paths: &[String]) -> String {
    match paths.len() {
        0 => String::new(),
        1..=4 => format!(" ({})", paths.join(", ")),
        n => format!(" ({}, ... {} more)", paths[..3].join(", "), n - 3),
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
