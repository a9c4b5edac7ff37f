//! The contributor commands besides `build` and `check`: `new paper`, `import` and
//! `readme`. Each prints what it did (or every problem, rustc-style) and returns the
//! exit code: 0 done, 1 problems found (nothing half-done), 2 usage or I/O errors.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use crate::commands::{EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::diagnostics::{self, Diagnostic, Diagnostics, Format};
use crate::{commands::readme, commands::scaffold, parse::bibtex};

/// `survey new paper <key>`: a commented template, never over an existing file.
pub fn new_paper(root: &Path, key: &str) -> ExitCode {
    if let Some(code) = require_site(root) {
        return code;
    }
    if let Some(problem) = scaffold::key_problem(key) {
        eprintln!("error: {problem}");
        return ExitCode::from(EXIT_USAGE);
    }
    let text = scaffold::paper_file(&scaffold::template_fields(), true);
    match scaffold::create_paper(root, key, &text) {
        Ok(path) => {
            println!("created {}", path.display());
            print_topics(root);
            println!(
                "next: fill in the fields, cite it as [@{key}] in a chapter, then run `survey check`"
            );
            ExitCode::from(EXIT_OK)
        }
        Err(error)
            if root
                .join(crate::paths::PAPERS_DIR)
                .join(format!("{key}.md"))
                .exists() =>
        {
            eprintln!(
                "error: {}/{key}.md already exists; edit it, or choose another key",
                crate::paths::PAPERS_DIR
            );
            let _ = error;
            ExitCode::from(EXIT_PROBLEMS)
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Lists the topic ids a new paper can be filed under (when the site assembles).
fn print_topics(root: &Path) {
    let built = crate::build(root, None);
    if let Some(site) = built.site {
        let ids: Vec<&str> = site.topics.iter().map(|t| t.id.as_str()).collect();
        println!(
            "topics you can list under `topics:`:\n  {}",
            ids.join("\n  ")
        );
    }
}

/// `survey import <file.bib>`: one paper file per entry that is not already in the
/// survey. Refused entries are reported; the others are still written.
pub fn import(root: &Path, bib: &Path) -> ExitCode {
    if let Some(code) = require_site(root) {
        return code;
    }
    let text = match std::fs::read_to_string(bib) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", bib.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let (entries, mut problems) = bibtex::convert(bib, &text);
    let (accepted, refused) = scaffold::screen(bib, entries, &scaffold::existing_papers(root));
    problems.extend(refused);
    let written = write_entries(root, bib, accepted, &mut problems);
    print_problems(&problems, &|path| (path == bib).then(|| text.clone()));
    println!(
        "imported {written} paper{}; {} entr{} refused",
        if written == 1 { "" } else { "s" },
        problems.len(),
        if problems.len() == 1 { "y" } else { "ies" }
    );
    after_import(written, problems.is_empty())
}

/// What an import ends with: the next step when papers were written, and the exit
/// code (problems if anything was refused).
pub fn after_import(written: usize, all_accepted: bool) -> ExitCode {
    if written > 0 {
        println!("next: add `topics:` to each new file, cite the papers, then run `survey check`");
    }
    ExitCode::from(if all_accepted { EXIT_OK } else { EXIT_PROBLEMS })
}

/// Writes each accepted entry as a paper file dated today; returns how many were written.
pub fn write_entries(
    root: &Path,
    bib: &Path,
    accepted: Vec<bibtex::Imported>,
    problems: &mut Vec<Diagnostic>,
) -> usize {
    let today = scaffold::today();
    let mut written = 0;
    for mut entry in accepted {
        entry.fields.added = Some(today.clone());
        let file = scaffold::paper_file(&entry.fields, false);
        match scaffold::create_paper(root, &entry.key, &file) {
            Ok(path) => {
                println!("created {} from `{}`", path.display(), entry.bib_key);
                written += 1;
            }
            Err(error) => problems.push(
                Diagnostic::error(
                    bib,
                    format!("entry `{}` is not imported: {error:#}", entry.bib_key),
                )
                .at(entry.position),
            ),
        }
    }
    written
}

/// `survey readme`: rewrites the generated paper list between the README's markers.
pub fn readme(root: &Path) -> ExitCode {
    if let Some(code) = require_site(root) {
        return code;
    }
    let built = crate::build(root, None);
    let Some(site) = built.site.as_ref().filter(|_| built.succeeded()) else {
        print_problems(&built.diagnostics.sorted(), &|path| {
            built.sources.text_of(path)
        });
        eprintln!("error: fix the problems above first; README.md is unchanged");
        return ExitCode::from(EXIT_PROBLEMS);
    };
    let Some(file) = &built.sources.readme else {
        eprintln!(
            "error: {} has no {}",
            root.display(),
            crate::paths::README_FILE
        );
        return ExitCode::from(EXIT_USAGE);
    };
    let updated = match readme::update(file, site) {
        Ok(Some(updated)) => updated,
        Ok(None) => {
            eprintln!(
                "error: README.md has no paper list markers\n  help: put `{}` and `{}` on their own lines where the list should go",
                readme::START,
                readme::END
            );
            return ExitCode::from(EXIT_PROBLEMS);
        }
        Err(diagnostic) => {
            print_problems(&[diagnostic], &|path| built.sources.text_of(path));
            return ExitCode::from(EXIT_PROBLEMS);
        }
    };
    if updated == file.text {
        println!("README.md is up to date");
        return ExitCode::from(EXIT_OK);
    }
    match std::fs::write(root.join(crate::paths::README_FILE), updated) {
        Ok(()) => {
            println!(
                "README.md: paper list regenerated ({} papers)",
                site.papers.len()
            );
            ExitCode::from(EXIT_OK)
        }
        Err(error) => {
            eprintln!("error: cannot write README.md: {error}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// `Some(2)` when `root` is not a site folder (a usage error, not a content problem).
pub fn require_site(root: &Path) -> Option<ExitCode> {
    if root.is_dir() {
        return None;
    }
    eprintln!(
        "error: {} is not a folder; pass the site's root (the folder with site.yaml) as --root",
        root.display()
    );
    Some(ExitCode::from(EXIT_USAGE))
}

pub fn print_problems(problems: &[Diagnostic], source: &dyn Fn(&Path) -> Option<String>) {
    let mut all = Diagnostics::default();
    problems.iter().cloned().for_each(|d| all.push(d));
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!(
        "{}",
        diagnostics::render(&all, Format::Human, color, source)
    );
}
