//! Command-line arguments and the top-level commands. Prints diagnostics once and
//! maps outcomes to exit codes: 0 ok, 1 problems found, 2 usage or I/O errors.

use std::io::IsTerminal;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::commands::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, contribute};
use crate::diagnostics::{self, Format};
use crate::{Build, emit};

#[derive(Debug, Parser)]
#[command(
    name = "survey",
    version,
    about = "Build the website of a living literature survey"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// The doc comments below are the `--help` text, written for a terminal, not rustdoc.
#[allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a new survey: site.yaml, example content, workflows and a README.
    Init {
        /// The folder to create the survey in; it must be empty or not exist yet.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The survey's title (default: the folder's name).
        #[arg(long)]
        title: Option<String>,
    },
    /// Build the whole site into the output directory (atomically).
    Build {
        /// The site's root folder (holding site.yaml and content/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site (relative to the current directory).
        #[arg(long, default_value = crate::paths::OUTPUT_DIR)]
        output: PathBuf,
        /// Override site.yaml's base_url, e.g. https://user.github.io/repo/.
        #[arg(long)]
        base_url: Option<String>,
        /// Skip the search index (no pagefind/ folder; the search page says so).
        #[arg(long)]
        no_search: bool,
        /// Build from nothing: neither read nor write the cache folder.
        #[arg(long)]
        no_cache: bool,
        /// The cache folder (default: .survey-cache in the root): formatted references
        /// and every page's last render, so a build redoes only what changed.
        #[arg(long)]
        cache_dir: Option<PathBuf>,
    },
    /// Run every validation of `build` without writing anything.
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// `human` (rustc-like) or `github` (workflow annotations).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Also check every external URL over HTTP (dead ones are warnings); good answers
        /// are cached in .survey-cache/links.json.
        #[arg(long)]
        links: bool,
        /// Check from nothing: do not read the cache folder (check never writes it).
        #[arg(long)]
        no_cache: bool,
        /// The cache folder `build` wrote (default: .survey-cache in the root).
        #[arg(long)]
        cache_dir: Option<PathBuf>,
    },
    /// Create a new file from a commented template.
    New {
        #[command(subcommand)]
        what: New,
    },
    /// Add papers from a .bib file, or by identifier (arxiv:ID, doi:DOI), skipping papers already here.
    Import {
        /// One .bib file, or identifiers: arxiv:2305.18290, doi:10.18653/v1/2023.acl-long.754,
        /// arxiv.org or doi.org URLs.
        sources: Vec<String>,
        /// A file of identifiers, one a line (`#` starts a comment).
        #[arg(long)]
        from: Option<PathBuf>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Regenerate the paper list between the markers in README.md.
    Readme {
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Preview the site locally; rebuilds and reloads the browser on every change.
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// The address to listen on; the default keeps the preview on this machine.
        #[arg(long, default_value = "127.0.0.1")]
        interface: IpAddr,
        /// Open the site in a web browser.
        #[arg(long)]
        open: bool,
        /// Skip the search index (it is otherwise rebuilt in the background).
        #[arg(long)]
        no_search: bool,
    },
}

#[allow(rustdoc::invalid_html_tags)]
#[derive(Debug, Subcommand)]
pub enum New {
    /// content/papers/<KEY>.md with every field present and explained.
    Paper {
        /// The citation key, e.g. rafailov2023direct (lowercase letters, digits, - and _).
        key: String,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Init { dir, title } => crate::commands::init::run(&dir, title.as_deref()),
        Command::Build {
            root,
            output,
            base_url,
            no_search,
            no_cache,
            cache_dir,
        } => {
            let cache = cache_folder(&root, no_cache, cache_dir);
            let options = crate::BuildOptions {
                base_url: base_url.as_deref(),
                search: !no_search,
                cache: cache.as_deref(),
                output: Some(&output),
                save_cache: true,
                pages: crate::engine::Pages::Keep,
            };
            build(&root, &output, options)
        }
        Command::Check {
            root,
            format,
            deny_warnings,
            links,
            no_cache,
            cache_dir,
        } => {
            let cache = cache_folder(&root, no_cache, cache_dir);
            check(&root, format, deny_warnings, links, cache.as_deref())
        }
        Command::New {
            what: New::Paper { key, root },
        } => contribute::new_paper(&root, &key),
        Command::Import {
            sources,
            from,
            root,
        } => crate::commands::import::run(&root, &sources, from.as_deref()),
        Command::Readme { root } => contribute::readme(&root),
        Command::Serve {
            root,
            port,
            interface,
            open,
            no_search,
        } => serve(root, interface, port, open, !no_search),
    }
}

fn serve(root: PathBuf, interface: IpAddr, port: u16, open: bool, search: bool) -> ExitCode {
    let options = crate::serve::Options {
        root,
        interface,
        port,
        quiet: false,
        search,
    };
    match crate::serve::run(options, open) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Builds into `output_dir`, each page written into the new tree as it is rendered;
/// the tree replaces the output only if the whole build succeeds.
fn build(root: &Path, output_dir: &Path, mut options: crate::BuildOptions) -> ExitCode {
    crate::timings::mark("build started");
    let started = Instant::now();
    let emitter = match emit::Emitter::begin(output_dir) {
        Ok(emitter) => Arc::new(emitter),
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    options.pages = match options.cache {
        Some(_) => crate::engine::Pages::Place(Arc::clone(&emitter)),
        None => crate::engine::Pages::PlaceOnce(Arc::clone(&emitter)),
    };
    crate::timings::mark("output folder opened");
    let result = crate::build_with(root, options);
    print_diagnostics(&result, Format::Human);
    let Some(site) = result.site.as_ref().filter(|_| result.succeeded()) else {
        eprintln!(
            "build failed: {}; {} left untouched",
            summary(&result),
            output_dir.display()
        );
        return ExitCode::from(EXIT_PROBLEMS);
    };
    let finished = match Arc::try_unwrap(emitter) {
        Ok(emitter) => emitter.finish(&result.outputs, &result.kept),
        Err(_) => Err(anyhow::anyhow!("the new site is still being written")),
    };
    crate::timings::mark("new output in place");
    if let Err(error) = finished {
        eprintln!("error: {error:#}");
        return ExitCode::from(EXIT_USAGE);
    }
    let written: u64 = result.outputs.iter().map(|o| o.bytes.len() as u64).sum();
    let elsewhere = result.kept.iter().chain(&result.staged);
    let bytes = written + elsewhere.map(|file| file.size).sum::<u64>();
    let search = match result.search_bundles {
        (_, 0) => String::new(),
        (indexed, all) => format!(", {indexed} of {all} search bundles indexed anew"),
    };
    println!(
        "built {} pages and {} papers into {} ({} files, {:.1} MB, {} rendered anew{search}) in {} ms",
        site.pages.len(),
        site.papers.len(),
        output_dir.display(),
        result.outputs.len() + result.kept.len() + result.staged.len(),
        bytes as f64 / 1e6,
        result.rendered,
        started.elapsed().as_millis()
    );
    // The process ends here: freeing the site and every page one by one would only
    // delay the exit (a few percent of a warm build at 10 000 papers).
    std::mem::forget(result);
    ExitCode::from(EXIT_OK)
}

/// The cache folder a command uses: none with `--no-cache`, else `--cache-dir` or the
/// root's `.survey-cache`.
fn cache_folder(root: &Path, no_cache: bool, cache_dir: Option<PathBuf>) -> Option<PathBuf> {
    let default = || root.join(crate::paths::CACHE_DIR);
    (!no_cache).then(|| cache_dir.unwrap_or_else(default))
}

fn check(
    root: &Path,
    format: Format,
    deny_warnings: bool,
    links: bool,
    cache: Option<&Path>,
) -> ExitCode {
    if let Some(code) = contribute::require_site(root) {
        return code;
    }
    // The pages a default `survey build` left, read back where still as written.
    let output = Path::new(crate::paths::OUTPUT_DIR);
    let mut result = crate::check_with(root, cache, Some(output));
    if links {
        let options = crate::commands::linkcheck::Options::from_env();
        let dead = crate::commands::linkcheck::run(root, &result.sources, &options);
        result.diagnostics.extend_from(dead);
    }
    print_diagnostics(&result, format);
    let failed = result.diagnostics.has_errors()
        || (deny_warnings && result.diagnostics.warning_count() > 0);
    if format == Format::Human {
        eprintln!(
            "{}",
            if failed {
                format!("check failed: {}", summary(&result))
            } else {
                format!("check passed: {}", summary(&result))
            }
        );
    }
    ExitCode::from(if failed { EXIT_PROBLEMS } else { EXIT_OK })
}

fn summary(result: &Build) -> String {
    let (errors, warnings) = (
        result.diagnostics.error_count(),
        result.diagnostics.warning_count(),
    );
    format!(
        "{errors} error{}, {warnings} warning{}",
        plural(errors),
        plural(warnings)
    )
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn print_diagnostics(result: &Build, format: Format) {
    if result.diagnostics.is_empty() {
        return;
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = diagnostics::render(&result.diagnostics, format, color, &|path| {
        result.sources.text_of(path)
    });
    match format {
        Format::Human => eprint!("{text}"),
        Format::Github => print!("{text}"),
    }
}
