//! `survey import` by identifier: `survey import arxiv:2305.18290 doi:10.18653/v1/...`
//! and `--from FILE`. A single `.bib` file argument goes to the BibTeX import instead.
//!
//! Invariants: every lookup runs before anything is written, and if one fails, nothing
//! is written (the error names the identifier); the fetched entries are then screened for
//! duplicates and written by the same code as the `.bib` import, so the files are alike.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::commands::contribute::{self, print_problems};
use crate::commands::http::{self, Client};
use crate::commands::import_id::{self, COMMAND_LINE, Endpoints, Id, Request};
use crate::commands::{EXIT_PROBLEMS, EXIT_USAGE};
use crate::diagnostics::Diagnostic;
use crate::model::Paper;
use crate::parse::bibtex::Imported;
use crate::{assemble::duplicates, commands::scaffold};

/// arXiv asks API clients to leave this much time between two queries.
const ARXIV_PAUSE: Duration = Duration::from_secs(3);

/// Where the identifiers came from, for quoting them in diagnostics.
struct Origins {
    args: String,
    file: Option<(PathBuf, String)>,
}

impl Origins {
    fn text_of(&self, path: &Path) -> Option<String> {
        if path == Path::new(COMMAND_LINE) {
            return Some(self.args.clone());
        }
        self.file
            .as_ref()
            .filter(|(file, _)| file == path)
            .map(|(_, text)| text.clone())
    }
}

/// `survey import ARGS... [--from FILE]`.
pub fn run(root: &Path, args: &[String], from: Option<&Path>) -> ExitCode {
    if let [only] = args
        && from.is_none()
        && is_bib_file(only)
    {
        return contribute::import(root, Path::new(only));
    }
    if let Some(code) = contribute::require_site(root) {
        return code;
    }
    if args.is_empty() && from.is_none() {
        eprintln!(
            "error: name a .bib file, identifiers such as arxiv:2305.18290 or doi:10.18653/v1/2023.acl-long.754, or --from FILE"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let (requests, origins, problems) = match read_requests(args, from) {
        Ok(read) => read,
        Err(code) => return code,
    };
    if !problems.is_empty() {
        return fail(&problems, &origins);
    }
    let entries = match fetch_all(&requests) {
        Ok(entries) => entries,
        Err(failures) => return fail(&failures, &origins),
    };
    write(root, &requests, entries, &origins)
}

/// A `.bib` file, by its extension or because it exists and is not an identifier.
fn is_bib_file(arg: &str) -> bool {
    arg.to_ascii_lowercase().ends_with(".bib")
        || (import_id::parse_id(arg).is_none() && Path::new(arg).is_file())
}

/// The requests, where they came from, and the ones that could not be read.
type Requests = (Vec<Request>, Origins, Vec<Diagnostic>);

fn read_requests(args: &[String], from: Option<&Path>) -> Result<Requests, ExitCode> {
    let (mut requests, mut problems) = import_id::parse_args(args);
    let mut origins = Origins {
        args: import_id::command_line_text(args),
        file: None,
    };
    if let Some(path) = from {
        let text = std::fs::read_to_string(path).map_err(|error| {
            eprintln!("error: cannot read {}: {error}", path.display());
            ExitCode::from(EXIT_USAGE)
        })?;
        let (more, more_problems) = import_id::parse_file(path, &text);
        requests.extend(more);
        problems.extend(more_problems);
        origins.file = Some((path.to_path_buf(), text));
    }
    Ok((requests, origins, problems))
}

/// Looks every request up; all entries, or every failure.
fn fetch_all(requests: &[Request]) -> Result<Vec<Imported>, Vec<Diagnostic>> {
    let client = Client::new(http::Settings::from_env());
    let endpoints = Endpoints::from_env();
    let pause = http::env_number("SURVEY_ARXIV_PAUSE_MS")
        .map_or(ARXIV_PAUSE, |ms| Duration::from_millis(ms.max(0.0) as u64));
    let mut entries = Vec::new();
    let mut failures = Vec::new();
    let mut asked_arxiv = false;
    for request in requests {
        if matches!(request.id, Id::Arxiv(_)) {
            if asked_arxiv {
                std::thread::sleep(pause);
            }
            asked_arxiv = true;
        }
        eprintln!("looking up {}", request.written);
        match import_id::fetch(&client, &endpoints, request) {
            Ok(entry) => entries.push(entry),
            Err(failure) => failures.push(failure),
        }
    }
    if failures.is_empty() {
        Ok(entries)
    } else {
        Err(failures)
    }
}

/// Screens each entry against the site and the entries before it, then writes it.
fn write(root: &Path, requests: &[Request], entries: Vec<Imported>, origins: &Origins) -> ExitCode {
    let mut known = scaffold::existing_papers(root);
    let mut problems = Vec::new();
    let mut written = 0;
    for (request, mut entry) in requests.iter().zip(entries) {
        entry.key = free_key(&entry, &known);
        let (accepted, refused) = scaffold::screen(&request.path, vec![entry], &known);
        problems.extend(refused);
        for entry in &accepted {
            known.push(as_paper(entry));
        }
        written += contribute::write_entries(root, &request.path, accepted, &mut problems);
    }
    print_problems(&problems, &|path| origins.text_of(path));
    println!(
        "imported {written} paper{}; {} refused",
        if written == 1 { "" } else { "s" },
        problems.len()
    );
    contribute::after_import(written, problems.is_empty())
}

/// The entry's key, or, when another work already has it, the key with the first
/// free `-2`, `-3`, ... suffix: unlike a .bib entry, an identifier has no key of its
/// own to change. A duplicate of the same work keeps the key, so it is refused as one.
fn free_key(entry: &Imported, known: &[Paper]) -> String {
    let taken = |key: &str| known.iter().any(|paper| paper.key == key);
    if !taken(&entry.key) || duplicates::find_existing(&entry.fields, known).is_some() {
        return entry.key.clone();
    }
    (2..)
        .map(|n| format!("{}-{n}", entry.key))
        .find(|key| !taken(key))
        .unwrap_or_else(|| entry.key.clone())
}

/// An accepted entry as the paper it becomes, so later entries are screened against it.
fn as_paper(entry: &Imported) -> Paper {
    Paper {
        key: entry.key.clone(),
        source: Path::new(crate::paths::PAPERS_DIR).join(format!("{}.md", entry.key)),
        fields: entry.fields.clone(),
        body: String::new(),
        body_offset: 0,
    }
}

/// Prints the problems; nothing was written.
fn fail(problems: &[Diagnostic], origins: &Origins) -> ExitCode {
    print_problems(problems, &|path| origins.text_of(path));
    eprintln!("error: nothing was imported");
    ExitCode::from(EXIT_PROBLEMS)
}
