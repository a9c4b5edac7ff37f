//! Every bad-input fixture under tests/fixtures/bad/<case>/ (files laid over the clean
//! tests/fixtures/minimal/ site) must produce its exact diagnostic: file, line,
//! column, severity and message, and nothing else: one mistake gives one diagnostic,
//! never a cascade of consequences (a paper whose front-matter fails is still a known
//! citation key). No case may panic or write anything, and every folder there must be
//! in the table, so a new fixture cannot go untested.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use survey::diagnostics::{
    Diagnostic,
    Severity::{self, Error, Warning},
};

struct Expected {
    case: &'static str,
    severity: Severity,
    file: &'static str,
    line: usize,
    column: usize,
    message: &'static str,
}

const fn row(
    case: &'static str,
    severity: Severity,
    file: &'static str,
    line: usize,
    column: usize,
    message: &'static str,
) -> Expected {
    Expected {
        case,
        severity,
        file,
        line,
        column,
        message,
    }
}

/// One row per expected diagnostic; a case may expect several (a duplicate is
/// reported in both files). `message` must be contained in the diagnostic's message.
const EXPECTED: &[Expected] = &[
    row(
        "added-not-a-date",
        Error,
        "content/papers/hu2021lora.md",
        5,
        8,
        "`27/11/2026` is not a date",
    ),
    row(
        "arxiv-as-url",
        Error,
        "content/papers/hu2021lora.md",
        5,
        8,
        "`https://arxiv.org/abs/2106.09685` is not an arXiv identifier",
    ),
    row(
        "arxiv-too-short",
        Error,
        "content/papers/hu2021lora.md",
        5,
        8,
        "`2106.0968` is not an arXiv identifier",
    ),
    row(
        "chapter-without-prose",
        Warning,
        "content/evaluation/_index.md",
        4,
        1,
        "chapter `evaluation` has no prose",
    ),
    row(
        "code-not-http",
        Error,
        "content/papers/hu2021lora.md",
        5,
        7,
        "`ftp://github.com/microsoft/LoRA` is not an absolute http(s) URL",
    ),
    row(
        "doi-with-resolver",
        Error,
        "content/papers/hu2021lora.md",
        5,
        6,
        "`https://doi.org/10.48550/arXiv.2106.09685` is not a DOI",
    ),
    row(
        "duplicate-arxiv",
        Error,
        "content/papers/dpo.md",
        4,
        8,
        "same arXiv id as content/papers/rafailov2023direct.md",
    ),
    row(
        "duplicate-arxiv",
        Error,
        "content/papers/rafailov2023direct.md",
        7,
        8,
        "same arXiv id as content/papers/dpo.md",
    ),
    row(
        "duplicate-doi",
        Error,
        "content/papers/hu2021lora.md",
        5,
        6,
        "same DOI as content/papers/lora.md",
    ),
    row(
        "duplicate-doi",
        Error,
        "content/papers/lora.md",
        4,
        6,
        "same DOI as content/papers/hu2021lora.md",
    ),
    row(
        "duplicate-title",
        Error,
        "content/papers/dpo.md",
        2,
        8,
        "same title as content/papers/rafailov2023direct.md",
    ),
    row(
        "duplicate-title",
        Error,
        "content/papers/rafailov2023direct.md",
        2,
        8,
        "same title as content/papers/dpo.md",
    ),
    row(
        "duplicate-url",
        Error,
        "content/papers/instructgpt.md",
        4,
        6,
        "same URL as content/papers/ouyang2022training.md",
    ),
    row(
        "duplicate-url",
        Error,
        "content/papers/ouyang2022training.md",
        12,
        6,
        "same URL as content/papers/instructgpt.md",
    ),
    row(
        "empty-author",
        Error,
        "content/papers/hu2021lora.md",
        5,
        5,
        "an author name is empty",
    ),
    row(
        "empty-file",
        Error,
        "content/papers/hu2021lora.md",
        1,
        1,
        "the file is empty",
    ),
    row(
        "empty-title",
        Error,
        "content/papers/hu2021lora.md",
        2,
        8,
        "the title is empty",
    ),
    row(
        "empty-venue",
        Error,
        "content/papers/hu2021lora.md",
        5,
        8,
        "the `venue` field is empty",
    ),
    row(
        "failed-home",
        Error,
        "content/_index.md",
        1,
        1,
        "the file does not start with front-matter",
    ),
    row(
        "failed-page-broken-yaml",
        Error,
        "content/methods/_index.md",
        2,
        8,
        "this quoted value is never closed",
    ),
    row(
        "failed-page-linked",
        Error,
        "content/methods/_index.md",
        3,
        9,
        r#"`weight` should be a whole number, not the text "heavy""#,
    ),
    row(
        "failed-paper-cited",
        Error,
        "content/papers/rafailov2023direct.md",
        4,
        7,
        r#"`year` should be a whole number, not the text "twenty""#,
    ),
    row(
        "invalid-topic-id",
        Error,
        "content/methods/online.md",
        5,
        9,
        "topic id `PPO Methods` is invalid or repeated",
    ),
    row(
        "key-uppercase",
        Error,
        "content/papers/Hu2021LoRA.md",
        1,
        1,
        "`Hu2021LoRA` is not a valid citation key",
    ),
    row(
        "key-with-dot",
        Error,
        "content/papers/hu2021.lora.md",
        1,
        1,
        "`hu2021.lora` is not a valid citation key",
    ),
    row(
        "link-missing-anchor-same-page",
        Error,
        "content/methods/_index.md",
        14,
        13,
        "link to `#offline-trainin`: content/methods/_index.md has no anchor `#offline-trainin`",
    ),
    row(
        "link-missing-anchor",
        Error,
        "content/methods/online.md",
        4,
        24,
        "link to `_index.md#offline`: content/methods/_index.md has no anchor `#offline`",
    ),
    row(
        "link-missing-page",
        Error,
        "content/methods/online.md",
        4,
        23,
        "link to `offline.md`: no such page (content/methods/offline.md)",
    ),
    row(
        "missing-title",
        Error,
        "content/papers/hu2021lora.md",
        5,
        1,
        "missing field `title`",
    ),
    row(
        "missing-year",
        Error,
        "content/papers/hu2021lora.md",
        5,
        1,
        "missing field `year`",
    ),
    row(
        "month-thirteen",
        Error,
        "content/papers/hu2021lora.md",
        5,
        8,
        "month 13 is outside 1..=12",
    ),
    row(
        "month-zero",
        Error,
        "content/papers/hu2021lora.md",
        5,
        8,
        "month 0 is outside 1..=12",
    ),
    row(
        "no-front-matter",
        Error,
        "content/papers/hu2021lora.md",
        1,
        1,
        "the file does not start with front-matter",
    ),
    row(
        "not-a-mapping",
        Error,
        "content/papers/hu2021lora.md",
        2,
        1,
        "the front-matter is not a list of `field: value` lines",
    ),
    row(
        "not-utf8",
        Error,
        "content/papers/hu2021lora.md",
        5,
        24,
        "the file is not valid UTF-8",
    ),
    row(
        "orphan-paper",
        Warning,
        "content/papers/hu2021lora.md",
        5,
        1,
        "`hu2021lora` is neither cited nor in any topic",
    ),
    row(
        "outside-layout-deep",
        Error,
        "content/methods/online/ppo.md",
        1,
        1,
        "this file is outside the known layout",
    ),
    row(
        "outside-layout-paper-dir",
        Error,
        "content/paper/hu2021lora.md",
        1,
        1,
        "section `paper/hu2021lora` has no chapter",
    ),
    row(
        "page-name-invalid",
        Error,
        "content/Methods Two/_index.md",
        1,
        1,
        "`Methods Two` is not a valid page name",
    ),
    row(
        "papers-index",
        Error,
        "content/papers/_index.md",
        1,
        1,
        "the paper list is generated; content/papers/ holds only paper files",
    ),
    row(
        "placeholder-title",
        Warning,
        "content/papers/hu2021lora.md",
        2,
        8,
        "the title is still the placeholder",
    ),
    row(
        "readme-markers-reversed",
        Error,
        "README.md",
        4,
        1,
        "the paper list markers are incomplete",
    ),
    row(
        "readme-stale",
        Error,
        "README.md",
        5,
        1,
        "the paper list in README.md is out of date",
    ),
    row(
        "repeated-field",
        Error,
        "content/papers/hu2021lora.md",
        5,
        1,
        "the field `year` appears twice",
    ),
    row(
        "reserved-chapter",
        Error,
        "content/authors/_index.md",
        1,
        1,
        "`authors` is reserved for generated pages",
    ),
    row(
        "site-yaml-broken-and-content-too",
        Error,
        "content/papers/hu2021lora.md",
        5,
        8,
        "month 13 is outside 1..=12",
    ),
    row(
        "site-yaml-broken-and-content-too",
        Error,
        "site.yaml",
        2,
        1,
        "base_url `/survey/` is not an absolute http(s) URL",
    ),
    row(
        "site-yaml-unknown-field",
        Error,
        "site.yaml",
        3,
        1,
        "unknown field `languge`, expected one of `title`, `description`, `base_url`, `repo_url`, `language`, `survey`",
    ),
    row(
        "unclosed-fence",
        Error,
        "content/papers/hu2021lora.md",
        1,
        1,
        "the front-matter is never closed",
    ),
    row(
        "unknown-citation-in-notes",
        Error,
        "content/papers/hu2021lora.md",
        7,
        34,
        "unknown citation key `ouyang2022train`",
    ),
    row(
        "unknown-citation",
        Error,
        "content/methods/online.md",
        6,
        26,
        "unknown citation key `rafailov2023dpo`",
    ),
    row(
        "unknown-field",
        Error,
        "content/papers/hu2021lora.md",
        5,
        1,
        "unknown field `author`",
    ),
    row(
        "unknown-topic-chapter",
        Error,
        "content/papers/hu2021lora.md",
        5,
        10,
        "unknown topic `method/online`",
    ),
    row(
        "unknown-topic",
        Error,
        "content/papers/hu2021lora.md",
        5,
        10,
        "unknown topic `methods/rank`",
    ),
    row(
        "unknown-topic-far",
        Error,
        "content/papers/hu2021lora.md",
        5,
        10,
        "unknown topic `graphs/message-passing`",
    ),
    row(
        "url-not-absolute",
        Error,
        "content/papers/hu2021lora.md",
        5,
        6,
        "`openreview.net/forum?id=nZeVKeeFYf9` is not an absolute http(s) URL",
    ),
    row(
        "wrong-type-authors",
        Error,
        "content/papers/hu2021lora.md",
        3,
        10,
        r#"`authors` should be a list, not the text "Edward J. Hu""#,
    ),
    row(
        "wrong-type-topics",
        Error,
        "content/papers/hu2021lora.md",
        5,
        9,
        r#"`topics` should be a list, not the text "methods/online""#,
    ),
    row(
        "wrong-type-year",
        Error,
        "content/papers/hu2021lora.md",
        4,
        7,
        r#"`year` should be a whole number, not the text "twenty twenty-one""#,
    ),
    row(
        "yaml-bad-indent",
        Error,
        "content/papers/hu2021lora.md",
        6,
        8,
        "mapping values are not allowed in this context",
    ),
    row(
        "yaml-unclosed-quote",
        Error,
        "content/papers/hu2021lora.md",
        2,
        8,
        "this quoted value is never closed",
    ),
    row(
        "yaml-unquoted-colon",
        Error,
        "content/papers/hu2021lora.md",
        2,
        12,
        "mapping values are not allowed in this context",
    ),
    row(
        "year-too-early",
        Error,
        "content/papers/hu2021lora.md",
        4,
        7,
        "year 1949 is outside 1950..=",
    ),
    row(
        "year-too-late",
        Error,
        "content/papers/hu2021lora.md",
        4,
        7,
        "year 3021 is outside 1950..=",
    ),
];

/// Help texts that must accompany some of the diagnostics above ("did you mean").
const HELP: &[(&str, &str)] = &[
    // With nothing close, the example topic is one of the checked site's own.
    ("unknown-topic-far", "declare, e.g. `methods/ranking`"),
    ("unknown-field", "did you mean `authors`?"),
    ("unknown-citation", "did you mean `@rafailov2023direct`?"),
    (
        "unknown-citation-in-notes",
        "did you mean `@ouyang2022training`?",
    ),
    ("unknown-topic", "did you mean `methods/ranking`"),
    ("unknown-topic-chapter", "did you mean `methods/online`"),
    ("link-missing-anchor", "did you mean `#offline-training`?"),
    (
        "link-missing-anchor-same-page",
        "did you mean `#offline-training`?",
    ),
    ("outside-layout-paper-dir", "did you mean content/papers/?"),
    ("yaml-unquoted-colon", "must be in double quotes"),
    ("yaml-bad-indent", "remove the indentation"),
    (
        "unclosed-fence",
        "after the last front-matter field (line 3)",
    ),
    ("readme-stale", "run `survey readme`"),
    (
        "duplicate-arxiv",
        "keep one of `dpo` and `rafailov2023direct`",
    ),
];

fn check_case(case: &str) -> Vec<Diagnostic> {
    let site = common::site_with(Some(&format!("bad/{case}")));
    let before = common::snapshot(site.path());
    let result = survey::check(site.path());
    assert_eq!(
        before,
        common::snapshot(site.path()),
        "{case}: check wrote files"
    );
    result.diagnostics.sorted()
}

fn describe(found: &[Diagnostic]) -> String {
    found
        .iter()
        .map(|d| {
            format!(
                "  {:?} {}:{}:{} {}",
                d.severity,
                d.path.display(),
                d.line,
                d.column,
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_bad_fixture_reports_its_exact_diagnostic() {
    let cases: BTreeSet<&str> = EXPECTED.iter().map(|e| e.case).collect();
    for case in cases {
        let found = check_case(case);
        for expected in EXPECTED.iter().filter(|e| e.case == case) {
            let matched = found.iter().any(|d| {
                d.severity == expected.severity
                    && d.path == Path::new(expected.file)
                    && (d.line, d.column) == (expected.line, expected.column)
                    && d.message.contains(expected.message)
            });
            assert!(
                matched,
                "{case}: expected {:?} {}:{}:{} {:?}, found:\n{}",
                expected.severity,
                expected.file,
                expected.line,
                expected.column,
                expected.message,
                describe(&found)
            );
        }
        let expected = EXPECTED.iter().filter(|e| e.case == case).count();
        assert_eq!(
            found.len(),
            expected,
            "{case}: expected {expected} diagnostics (one per mistake), found:\n{}",
            describe(&found)
        );
        assert!(
            found.iter().all(|d| d.line >= 1 && d.column >= 1),
            "{case}: every diagnostic has a position:\n{}",
            describe(&found)
        );
        for (_, help) in HELP.iter().filter(|(c, _)| *c == case) {
            assert!(
                found
                    .iter()
                    .any(|d| d.help.as_deref().is_some_and(|h| h.contains(help))),
                "{case}: no help containing {help:?}: {found:?}"
            );
        }
    }
}

#[test]
fn every_fixture_folder_is_in_the_table() {
    let folders: BTreeSet<String> = std::fs::read_dir(common::fixture("bad"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let cases: BTreeSet<String> = EXPECTED.iter().map(|e| e.case.to_string()).collect();
    assert_eq!(folders, cases);
    assert!(cases.len() >= 30, "only {} bad-input fixtures", cases.len());
}

#[test]
fn the_minimal_site_is_clean() {
    let site = common::site_with(None);
    let result = survey::check(site.path());
    assert!(
        result.diagnostics.is_empty(),
        "{:?}",
        result.diagnostics.sorted()
    );
}

#[test]
fn a_file_name_that_would_leave_the_output_directory_is_refused() {
    let site = common::site_with(None);
    let name = "x\\..\\..\\evil";
    std::fs::write(
        site.path().join(format!("content/papers/{name}.md")),
        "---\ntitle: \"Evil\"\nyear: 2023\n---\n",
    )
    .unwrap();
    let found = survey::check(site.path()).diagnostics.sorted();
    let error = found.iter().find(|d| d.is_error()).expect("an error");
    assert_eq!(
        error.path,
        Path::new("content/papers").join(format!("{name}.md"))
    );
    assert_eq!((error.line, error.column), (1, 1));
    assert!(
        error
            .message
            .contains("would write outside the output directory"),
        "{error:?}"
    );
}

/// Issue 15's case on the real content: one mistyped value in a much-cited paper is
/// one error, not one more per citation.
#[test]
fn a_mistyped_year_in_a_cited_real_paper_is_one_error() {
    let site = common::TestSite::real();
    let path = site.root().join("content/papers/zhou2023lima.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (before, after) = text.split_once("\nyear: ").unwrap();
    let rest = after.split_once('\n').unwrap().1;
    std::fs::write(&path, format!("{before}\nyear: \"twenty\"\n{rest}")).unwrap();
    let found = survey::check(site.root()).diagnostics.sorted();
    assert_eq!(found.len(), 1, "{}", describe(&found));
    assert!(found[0].message.contains("`year` should be a whole number"));
    assert_eq!(found[0].path, Path::new("content/papers/zhou2023lima.md"));
    assert!(!survey::build(site.root(), None).succeeded());
}
