//! Property tests (fuzzing on stable Rust, with `proptest`) for every parser of
//! untrusted text: front-matter splitting, the YAML mapping with positions, Markdown
//! analysis with citation syntax, TeX to MathML, BibTeX import, `site.yaml`, and the
//! HTTP path decoder of `serve`; then whole fixture sites with one file mutated.
//!
//! Inputs are arbitrary strings and structure-aware mutations of the real files in
//! content/ (lines swapped, duplicated or cut, tricky tokens inserted at any place).
//! Properties: no panic; bounded time per input; every diagnostic points inside its
//! file; `check` and `build` agree on pass or fail; outputs stay inside the output
//! folder. The default run is short; `PROPTEST_CASES=<n>` runs n cases per target
//! (docs/fuzzing.md explains a long run).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::Config;

use survey::diagnostics::Diagnostic;
use survey::load::SourceFile;
use survey::model::{PageFields, PaperFields};

/// Cases per target unless `PROPTEST_CASES` says otherwise: enough to catch a
/// regression, few enough for the default test run to take seconds.
const DEFAULT_CASES: u32 = 48;

/// No single parser input may take longer than this (a hang fails the test instead
/// of stalling it). Generous: a debug build on a loaded machine is slow.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// The same for one site case (a check and a build of a whole site).
const SITE_TIME_LIMIT: Duration = Duration::from_secs(120);

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn config(default: u32) -> Config {
    Config {
        cases: cases(default),
        // Shrinking a slow site-level case can take long; a found case is printed.
        max_shrink_iters: 256,
        // Found cases become plain regression tests below, not seed files.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `work` on another thread and fails if it panics or takes over [`TIME_LIMIT`].
fn bounded<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    bounded_by(TIME_LIMIT, what, work)
}

fn bounded_by<T: Send + 'static>(
    limit: Duration,
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(work());
    });
    match receive.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no answer within {limit:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: panicked"),
    }
}

// ---------------------------------------------------------------------------------
// Inputs

/// The real content files, read once (paper files and pages).
fn real_files() -> &'static [(PathBuf, String)] {
    static FILES: std::sync::OnceLock<Vec<(PathBuf, String)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let root = common::repo();
        let mut files: Vec<(PathBuf, String)> = walkdir::WalkDir::new(root.join("content"))
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            .map(|e| {
                let relative = e.path().strip_prefix(&root).unwrap().to_path_buf();
                (relative, std::fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    })
}

/// Pieces of text that mean something to one of the parsers.
const TOKENS: &[&str] = &[
    "---",
    "---\n",
    "\n",
    "\r\n",
    ": ",
    ":",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "- ",
    "  ",
    "\t",
    "#",
    "## ",
    "@",
    "[@",
    "; @",
    "[-@",
    "\\@",
    "](",
    "](../",
    ".md#",
    "$",
    "$$",
    "\\frac{",
    "\\begin{",
    "\\end{",
    "^",
    "_",
    "\\",
    "`",
    "```",
    "<script>",
    "&",
    "%",
    "%2e%2e",
    "..",
    "é",
    "😀",
    "\u{0}",
    "\u{feff}",
    "year: ",
    "title: ",
    "topics: [",
    "authors:\n  - ",
    "year: \"twenty\"",
    "99999999999999999999",
    "-1",
    "null",
    "~",
    "*a",
    "&a ",
    "!!binary ",
    "? ",
    "|",
    ">",
    "<",
    "@article{",
    "=",
    ",",
    "}}",
    "{{",
    "{%",
];

/// One edit of a text, at a place given as a fraction of its length.
#[derive(Debug, Clone)]
enum Edit {
    Insert(f64, &'static str),
    Delete(f64, usize),
    DuplicateLine(f64),
    SwapLines(f64, f64),
    Truncate(f64),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let at = 0.0..1.0f64;
    prop_oneof![
        4 => (at.clone(), proptest::sample::select(TOKENS)).prop_map(|(a, t)| Edit::Insert(a, t)),
        2 => (at.clone(), 1..40usize).prop_map(|(a, n)| Edit::Delete(a, n)),
        1 => at.clone().prop_map(Edit::DuplicateLine),
        1 => (at.clone(), at.clone()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        1 => at.prop_map(Edit::Truncate),
    ]
}

/// The char boundary at or before `fraction` of `text`.
fn place(text: &str, fraction: f64) -> usize {
    let mut at = ((text.len() as f64) * fraction) as usize;
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut text = text.to_string();
    match *edit {
        Edit::Insert(at, token) => text.insert_str(place(&text, at), token),
        Edit::Delete(at, length) => {
            let start = place(&text, at);
            let mut end = (start + length).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, "");
        }
        Edit::DuplicateLine(at) | Edit::SwapLines(at, _) => {
            let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
            if !lines.is_empty() {
                let i = ((lines.len() as f64) * at) as usize % lines.len();
                match *edit {
                    Edit::SwapLines(_, other) => {
                        let j = ((lines.len() as f64) * other) as usize % lines.len();
                        lines.swap(i, j);
                    }
                    _ => lines.insert(i, lines[i]),
                }
            }
            text = lines.concat();
        }
        Edit::Truncate(at) => text.truncate(place(&text, at)),
    }
    text
}

/// A real content file with a few edits applied.
fn mutated_real_file() -> impl Strategy<Value = (PathBuf, String)> {
    let count = real_files().len();
    (0..count, proptest::collection::vec(edit_strategy(), 0..6)).prop_map(|(index, edits)| {
        let (path, text) = &real_files()[index];
        let text = edits
            .iter()
            .fold(text.clone(), |text, edit| apply(&text, edit));
        (path.clone(), text)
    })
}

/// Arbitrary text with the parsers' tokens mixed in, so random input gets past the
/// first check now and then.
fn tokenish_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(TOKENS).prop_map(str::to_string),
        2 => "[a-z0-9 ]{0,12}",
        1 => any::<String>(),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

// ---------------------------------------------------------------------------------
// Properties

/// Is `diagnostic`'s position inside `text` (line within the file, column within the
/// line, counting the place just after the last character)?
fn points_inside(text: &str, diagnostic: &Diagnostic) -> bool {
    if diagnostic.line == 0 {
        return false;
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let Some(line) = lines.get(diagnostic.line - 1) else {
        return false;
    };
    let width = line.trim_end_matches('\r').chars().count() + usize::from(line.ends_with('\r'));
    diagnostic.column >= 1 && diagnostic.column <= width + 1
}

fn assert_inside(text: &str, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        assert!(
            points_inside(text, diagnostic),
            "diagnostic outside the file: {diagnostic:?}\n--- text ---\n{text:?}"
        );
    }
}

fn source(path: &Path, text: String) -> SourceFile {
    SourceFile {
        path: path.to_path_buf(),
        text,
    }
}

/// Splits and parses `file` as paper and as page front-matter; checks the offsets of
/// the split and the positions of every diagnostic.
fn front_matter_properties(file: &SourceFile) {
    let text = &file.text;
    match survey::parse::frontmatter::split(file) {
        Err(diagnostic) => assert_inside(text, &[diagnostic]),
        Ok(split) => {
            assert!(split.yaml_offset + split.yaml.len() <= split.body_offset);
            assert_eq!(&text[split.yaml_offset..][..split.yaml.len()], split.yaml);
            assert_eq!(&text[split.body_offset..], split.body);
            if let Err(problems) = survey::parse::frontmatter::parse::<PaperFields>(file, &split) {
                assert!(!problems.is_empty());
                assert_inside(text, &problems);
            }
            if let Err(problems) = survey::parse::frontmatter::parse::<PageFields>(file, &split) {
                assert_inside(text, &problems);
            }
            for field in ["title", "authors", "topics", "nothing"] {
                let at = survey::parse::frontmatter::field_position(file, &split, field);
                let probe = Diagnostic::error(&file.path, "probe").at(at);
                assert_inside(text, &[probe]);
                let at = survey::parse::frontmatter::list_item_position(file, &split, field, 1);
                assert_inside(text, &[Diagnostic::error(&file.path, "probe").at(at)]);
            }
        }
    }
}

/// Parses `file` as the pipeline does (classify, split, YAML, validate, Markdown).
fn parse_file_properties(file: &SourceFile) {
    let chapters = survey::assemble::chapter_folders(std::slice::from_ref(file));
    let parsed = survey::assemble::parse_file(file, &chapters);
    assert_inside(&file.text, &parsed.diagnostics.sorted());
}

/// Analyses `body`: every offset the analysis reports lies inside it, on a character
/// boundary, and every citation range covers `@key`.
fn markdown_properties(body: &str) {
    let analysis = survey::parse::markdown::analyze(body);
    for citation in &analysis.citations {
        for cited in &citation.keys {
            let written = body.get(cited.range.clone());
            assert!(
                written.is_some_and(|w| w.contains(cited.key.as_str())),
                "citation range {:?} of `{}` in {body:?}",
                cited.range,
                cited.key
            );
        }
    }
    for heading in &analysis.headings {
        assert!(
            body.is_char_boundary(heading.offset),
            "{heading:?} in {body:?}"
        );
    }
    for link in &analysis.links {
        assert!(body.is_char_boundary(link.offset), "{link:?} in {body:?}");
    }
    for problem in &analysis.math_problems {
        assert!(
            body.get(problem.offset..problem.offset + problem.length)
                .is_some()
        );
    }
}

proptest! {
    #![proptest_config(config(DEFAULT_CASES))]

    #[test]
    fn front_matter_of_any_text(text in tokenish_text()) {
        let file = source(Path::new("content/papers/x.md"), format!("---\n{text}"));
        bounded("front-matter", move || front_matter_properties(&file));
    }

    #[test]
    fn front_matter_of_mutated_real_files((path, text) in mutated_real_file()) {
        let file = source(&path, text);
        bounded("front-matter", move || {
            front_matter_properties(&file);
            parse_file_properties(&file);
        });
    }

    #[test]
    fn markdown_of_any_text(text in tokenish_text()) {
        bounded("markdown", move || markdown_properties(&text));
    }

    #[test]
    fn markdown_of_mutated_real_bodies((_, text) in mutated_real_file()) {
        bounded("markdown", move || markdown_properties(&text));
    }

    #[test]
    fn tex_to_mathml(tex in tokenish_text(), display in any::<bool>()) {
        bounded("tex", move || {
            if let Ok(mathml) = survey::parse::math::to_mathml(&tex, display) {
                assert!(mathml.starts_with("<math"), "{mathml}");
            }
        });
    }

    #[test]
    fn bibtex_import(text in bib_text()) {
        bounded("bibtex", move || {
            let path = Path::new("papers.bib");
            let (imported, problems) = survey::parse::bibtex::convert(path, &text);
            assert_inside(&text, &problems);
            for entry in imported {
                assert!(survey::model::is_valid_key(&entry.key), "{entry:?}");
            }
        });
    }

    #[test]
    fn site_yaml(text in site_yaml_text()) {
        bounded("site.yaml", move || {
            let file = source(Path::new("site.yaml"), text);
            let mut diagnostics = survey::diagnostics::Diagnostics::default();
            let parsed = survey::parse::config::parse(&file, None, &mut diagnostics);
            assert_inside(&file.text, &diagnostics.sorted());
            assert_eq!(parsed.is_some(), !diagnostics.has_errors());
        });
    }

    #[test]
    fn http_paths(path in http_path()) {
        bounded("http path", move || http_path_properties(&path));
    }
}

/// The real `.bib` fixture, mutated, or arbitrary text.
fn bib_text() -> impl Strategy<Value = String> {
    let real = std::fs::read_to_string(common::fixture("import/papers.bib")).unwrap();
    prop_oneof![
        1 => tokenish_text(),
        3 => proptest::collection::vec(edit_strategy(), 0..6)
            .prop_map(move |edits| edits.iter().fold(real.clone(), |t, e| apply(&t, e))),
    ]
}

fn site_yaml_text() -> impl Strategy<Value = String> {
    let real = std::fs::read_to_string(common::repo().join("site.yaml")).unwrap();
    prop_oneof![
        1 => tokenish_text(),
        3 => proptest::collection::vec(edit_strategy(), 0..6)
            .prop_map(move |edits| edits.iter().fold(real.clone(), |t, e| apply(&t, e))),
    ]
}

fn http_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        Just("..".to_string()),
        Just("%2e%2e".to_string()),
        Just("%2E.".to_string()),
        Just(".".to_string()),
        Just("%2f".to_string()),
        Just("%5c".to_string()),
        Just("%00".to_string()),
        Just("%".to_string()),
        Just("%zz".to_string()),
        Just("%c3%a9".to_string()),
        Just("%ff".to_string()),
        Just("papers".to_string()),
        Just("index.html".to_string()),
        "[a-z%./\\\\]{0,6}",
        any::<String>(),
    ];
    proptest::collection::vec(segment, 0..6).prop_map(|segments| format!("/{}", segments.join("/")))
}

/// A request resolves to a file only if that file is in the site and its path has no
/// `.`/`..` segment, backslash or NUL; a redirect keeps the request's own path.
fn http_path_properties(raw: &str) {
    use survey::serve::files::{Resolved, resolve};
    let files: survey::engine::SiteFiles = ["index.html", "papers/x/index.html", "a.css"]
        .into_iter()
        .map(|path| (path.into(), b"x".to_vec().into()))
        .collect();
    match resolve(raw, &files) {
        Resolved::File(path) => {
            assert!(files.contains_key(path.as_str()), "{raw} -> {path}");
            assert!(
                path.split('/')
                    .all(|s| !s.is_empty() && s != "." && s != ".."),
                "{raw} -> {path}"
            );
            assert!(!path.contains(['\\', '\0']), "{raw} -> {path}");
        }
        Resolved::Redirect(location) => assert_eq!(location, format!("{raw}/")),
        Resolved::NotFound | Resolved::BadRequest => {}
    }
}

// ---------------------------------------------------------------------------------
// Whole sites

/// The minimal fixture with one of its content files mutated (or replaced by a
/// mutated real file at the same place).
fn mutated_site() -> impl Strategy<Value = (String, String)> {
    let fixture = common::fixture("minimal");
    let mut files: Vec<String> = walkdir::WalkDir::new(fixture.join("content"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(&fixture)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    (
        proptest::sample::select(files),
        proptest::collection::vec(edit_strategy(), 1..5),
    )
        .prop_map(move |(path, edits)| {
            let text = std::fs::read_to_string(fixture.join(&path)).unwrap();
            let text = edits.iter().fold(text, |text, edit| apply(&text, edit));
            (path, text)
        })
}

/// `check` and `build` agree on pass or fail, every diagnostic points inside its file,
/// and a good build's outputs, emitted, stay inside the output folder.
fn site_properties(path: &str, text: &str) {
    let site = common::site_with(None);
    std::fs::write(site.path().join(path), text).unwrap();
    let checked = survey::check(site.path());
    let built = survey::build(site.path(), None);
    assert_eq!(
        checked.diagnostics.has_errors(),
        !built.succeeded(),
        "check and build disagree on {path}:\n{text}\ncheck: {:?}\nbuild: {:?}",
        checked.diagnostics.sorted(),
        built.diagnostics.sorted()
    );
    let texts: BTreeMap<PathBuf, String> =
        std::iter::once((PathBuf::from(path), text.to_string())).collect();
    for diagnostic in checked.diagnostics.sorted() {
        if let Some(text) = texts.get(&diagnostic.path) {
            assert_inside(text, &[diagnostic]);
        }
    }
    if built.succeeded() {
        let out = site.path().join("out/public");
        survey::emit::emit(&out, &built.outputs).unwrap();
        for entry in walkdir::WalkDir::new(site.path())
            .into_iter()
            .map(Result::unwrap)
        {
            let inside = entry.path().starts_with(&out)
                || entry.path().starts_with(site.path().join("content"))
                || entry.path() == site.path().join("out")
                || entry.path() == site.path().join("out/.public.survey-manifest")
                || [site.path(), &site.path().join("site.yaml")].contains(&entry.path());
            assert!(
                inside,
                "written outside the output folder: {}",
                entry.path().display()
            );
        }
    }
}

proptest! {
    // Each case builds a site twice: fewer cases by default.
    #![proptest_config(config(DEFAULT_CASES / 6))]

    #[test]
    fn check_and_build_agree_on_mutated_sites((path, text) in mutated_site()) {
        bounded_by(SITE_TIME_LIMIT, "site", move || site_properties(&path, &text));
    }
}

// ---------------------------------------------------------------------------------
// Regressions: inputs the fuzzing found, kept as plain tests, each with what was
// wrong. None yet: 3 000 cases per parser target (debug build) and 400 mutated
// sites found no panic, hang or misplaced diagnostic.
