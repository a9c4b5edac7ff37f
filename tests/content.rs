//! Tests of the real survey content: every work of the reference list has a paper file
//! with exactly its facts, every paper is discussed in prose, every page has real prose,
//! and the real site builds under a GitHub Pages sub-path without broken links.
//!
//! `tests/reference/` is a copy of the project's checked reference data
//! (`shared/reference/`), so the test runs on any clone. Papers added after the upstream
//! list are vendored beside it as `added-*.yaml` (one file per batch, same schema: the
//! verified facts, our topic ids and the sources that confirmed them); every such file is
//! read, so the facts test covers the added papers exactly like the upstream ones. The
//! upstream copy is never edited: `tests/reference/venue-updates.yaml` lists venues
//! confirmed after it was made (each with two sources), and for those papers the facts
//! test expects the new venue.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{TestSite, internal_links, repo_path, resolve_link};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Reference {
    key: String,
    title: String,
    #[serde(default)]
    authors: Vec<String>,
    year: i32,
    month: Option<u32>,
    venue: Option<String>,
    arxiv: Option<String>,
    url: Option<String>,
    code: Option<String>,
    upstream_sections: Vec<String>,
}

/// A published venue found after the reference list was made (`tests/reference/venue-updates.yaml`).
#[derive(Debug, Deserialize)]
struct VenueUpdate {
    key: String,
    venue: String,
    sources: Vec<String>,
}

/// A paper added after the upstream list: facts checked against at least two sources.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Added {
    key: String,
    title: String,
    #[serde(default)]
    authors: Vec<String>,
    year: i32,
    month: Option<u32>,
    venue: Option<String>,
    arxiv: Option<String>,
    url: Option<String>,
    code: Option<String>,
    topics: Vec<String>,
    sources: Vec<String>,
    #[allow(dead_code)]
    notes: Option<String>,
}

/// The facts one paper file must carry, whichever reference list they come from.
#[derive(Debug)]
struct Expected {
    key: String,
    title: String,
    authors: Vec<String>,
    year: i32,
    month: Option<u32>,
    venue: Option<String>,
    arxiv: Option<String>,
    url: Option<String>,
    code: Option<String>,
    topics: Vec<String>,
    /// Added papers must carry the date they joined, so the feed can show them.
    needs_added_date: bool,
}

/// Reference facts deliberately not carried over, with the reason.
const OMITTED: &[(&str, &str, &str)] = &[(
    "sharegpt2023sharegpt",
    "url",
    "the upstream link is the Vicuna blog post, the address of chiang2023vicuna; one address, one work",
)];

/// Upstream headings -> our topic ids (the chapter/section tree is the taxonomy).
const TOPICS: &[(&str, &str)] = &[
    (
        "Alignment Data > Data From Human > NLP Benchmarks",
        "data/human/nlp-benchmarks",
    ),
    (
        "Alignment Data > Data From Human > Domain Knowledge",
        "data/human/domain-knowledge",
    ),
    (
        "Alignment Data > Data From Human > Hand-crafted Instructions",
        "data/human/hand-crafted-instructions",
    ),
    (
        "Alignment Data > Data From Human > Human Preference Data",
        "data/human/preference-data",
    ),
    (
        "Alignment Data > Data From Strong LLMs > General Instructions > Improving Input Quality",
        "data/strong-llms/input-quality",
    ),
    (
        "Alignment Data > Data From Strong LLMs > General Instructions > Improving Output Quality",
        "data/strong-llms/output-quality",
    ),
    (
        "Alignment Data > Data From Strong LLMs > Reasoning Instructions > General Reasoning",
        "data/strong-llms/general-reasoning",
    ),
    (
        "Alignment Data > Data From Strong LLMs > Reasoning Instructions > Code",
        "data/strong-llms/code",
    ),
    (
        "Alignment Data > Data From Strong LLMs > Reasoning Instructions > Maths",
        "data/strong-llms/maths",
    ),
    (
        "Alignment Data > Data From Strong LLMs > Conversational Instructions",
        "data/strong-llms/conversational",
    ),
    (
        "Alignment Data > Data From Strong LLMs > Multilingual Instructions",
        "data/strong-llms/multilingual",
    ),
    (
        "Alignment Data > Instructions Management > Instruction Implications",
        "data/management/implications",
    ),
    (
        "Alignment Data > Instructions Management > Instruction Quantity",
        "data/management/quantity",
    ),
    (
        "Alignment Training > Online Human Alignment",
        "training/online",
    ),
    (
        "Alignment Training > Offline Human Alignment > Rank-based Training",
        "training/offline/rank-based",
    ),
    (
        "Alignment Training > Offline Human Alignment > Language-based Training",
        "training/offline/language-based",
    ),
    (
        "Alignment Training > Parameter-Efficient Training",
        "training/parameter-efficient",
    ),
    (
        "Alignment Training > Model Architecture Design",
        "training/architecture",
    ),
    (
        "Alignment Evaluation > Evaluation Design Principles",
        "evaluation/principles",
    ),
    (
        "Alignment Evaluation > Evaluation Benchmarks > Closed-set Benchmarks > General Knowledge",
        "evaluation/benchmarks/general-knowledge",
    ),
    (
        "Alignment Evaluation > Evaluation Benchmarks > Closed-set Benchmarks > Reasoning",
        "evaluation/benchmarks/reasoning",
    ),
    (
        "Alignment Evaluation > Evaluation Benchmarks > Open-set Benchmarks > General Chat",
        "evaluation/benchmarks/general-chat",
    ),
    (
        "Alignment Evaluation > Evaluation Benchmarks > Open-set Benchmarks > Safety",
        "evaluation/benchmarks/safety",
    ),
    (
        "Alignment Evaluation > Evaluation Benchmarks > Open-set Benchmarks > Long Context",
        "evaluation/benchmarks/long-context",
    ),
    (
        "Alignment Evaluation > Evaluation Paradigms > Human-based Evaluation",
        "evaluation/paradigms/human",
    ),
    (
        "Alignment Evaluation > Evaluation Paradigms > LLMs-based Evaluation > LLMs for Evaluation",
        "evaluation/paradigms/llm-evaluators",
    ),
    (
        "Alignment Evaluation > Evaluation Paradigms > LLMs-based Evaluation > LLMs bias in Evaluation",
        "evaluation/paradigms/llm-bias",
    ),
    (
        "Alignment Evaluation > Evaluation Paradigms > LLMs-based Evaluation > Evaluation-specific LLMs",
        "evaluation/paradigms/evaluation-llms",
    ),
    ("Alignment Toolkits", "toolkits"),
    ("Related Surveys", "surveys"),
];

fn references() -> Vec<Reference> {
    let text = std::fs::read_to_string(repo_path("tests/reference/upstream-papers.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn venue_updates() -> BTreeMap<String, VenueUpdate> {
    let text = std::fs::read_to_string(repo_path("tests/reference/venue-updates.yaml")).unwrap();
    let updates: Vec<VenueUpdate> = serde_yaml::from_str(&text).unwrap();
    let mut by_key = BTreeMap::new();
    for update in updates {
        let key = update.key.clone();
        assert!(
            by_key.insert(key.clone(), update).is_none(),
            "{key}: listed twice in venue-updates.yaml"
        );
    }
    by_key
}

/// The venue a paper file must carry: a confirmed later venue replaces the reference's.
fn expected_venue(
    reference: &Reference,
    updates: &BTreeMap<String, VenueUpdate>,
) -> Option<String> {
    match updates.get(&reference.key) {
        Some(update) => Some(update.venue.clone()),
        None => reference.venue.clone(),
    }
}

/// Every `tests/reference/added-*.yaml`, in file-name order, with the file each came from.
fn added_references() -> Vec<(String, Added)> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(repo_path("tests/reference"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("added-") && name.ends_with(".yaml")
        })
        .collect();
    files.sort();
    let mut added = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let entries: Vec<Added> =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        added.extend(entries.into_iter().map(|a| (name.clone(), a)));
    }
    added
}

/// Upstream works (topics mapped from their headings) followed by the added papers.
fn expected_papers() -> Vec<Expected> {
    let topics: BTreeMap<&str, &str> = TOPICS.iter().copied().collect();
    let omit = |key: &str, field: &str, value: Option<String>| {
        if omitted(key, field) { None } else { value }
    };
    let updates = venue_updates();
    let upstream = references().into_iter().map(|r| Expected {
        topics: r
            .upstream_sections
            .iter()
            .map(|s| topics[s.as_str()].to_string())
            .collect(),
        month: r.month,
        venue: omit(&r.key, "venue", expected_venue(&r, &updates)),
        arxiv: omit(&r.key, "arxiv", r.arxiv),
        url: omit(&r.key, "url", r.url),
        code: omit(&r.key, "code", r.code),
        title: r.title,
        authors: r.authors,
        year: r.year,
        needs_added_date: false,
        key: r.key,
    });
    let added = added_references().into_iter().map(|(_, a)| Expected {
        key: a.key,
        title: a.title,
        authors: a.authors,
        year: a.year,
        month: a.month,
        venue: a.venue,
        arxiv: a.arxiv,
        url: a.url,
        code: a.code,
        topics: a.topics,
        needs_added_date: true,
    });
    upstream.chain(added).collect()
}

fn paper_fields(key: &str) -> survey::model::PaperFields {
    let text = std::fs::read_to_string(repo_path(&format!("content/papers/{key}.md")))
        .unwrap_or_else(|e| panic!("{key}: {e}"));
    let yaml = text.split("---\n").nth(1).unwrap();
    serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("{key}: {e}"))
}

fn omitted(key: &str, field: &str) -> bool {
    OMITTED.iter().any(|(k, f, _)| *k == key && *f == field)
}

#[test]
fn every_reference_work_has_one_paper_file_and_no_more() {
    let upstream: BTreeSet<String> = references().into_iter().map(|r| r.key).collect();
    assert_eq!(upstream.len(), 163);
    let mut expected = upstream.clone();
    let mut repeated = Vec::new();
    for (file, added) in added_references() {
        if !expected.insert(added.key.clone()) {
            repeated.push(format!("{file}: {}", added.key));
        }
    }
    assert!(repeated.is_empty(), "listed twice: {repeated:?}");
    let actual: BTreeSet<String> = std::fs::read_dir(repo_path("content/papers"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let missing: Vec<&String> = expected.difference(&actual).collect();
    let extra: Vec<&String> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "no paper file for {missing:?}; paper files in no reference list: {extra:?}"
    );
}

#[test]
fn every_added_paper_names_two_sources_and_topics() {
    let added = added_references();
    assert!(!added.is_empty(), "no tests/reference/added-*.yaml found");
    let thin: Vec<String> = added
        .iter()
        .filter(|(_, a)| a.sources.len() < 2 || a.topics.is_empty())
        .map(|(file, a)| format!("{file}: {}", a.key))
        .collect();
    assert!(
        thin.is_empty(),
        "fewer than two sources or no topic: {thin:?}"
    );
}

#[test]
fn paper_facts_match_the_reference_field_by_field() {
    let mut mismatches = Vec::new();
    for expected in expected_papers() {
        let fields = paper_fields(&expected.key);
        let mut check = |field: &str, ours: Option<String>, theirs: Option<String>| {
            if ours != theirs {
                mismatches.push(format!("{}.{field}: {ours:?} != {theirs:?}", expected.key));
            }
        };
        check("title", Some(fields.title.clone()), Some(expected.title));
        check(
            "authors",
            Some(fields.authors.join("; ")),
            Some(expected.authors.join("; ")),
        );
        check(
            "year",
            Some(fields.year.to_string()),
            Some(expected.year.to_string()),
        );
        check(
            "month",
            fields.month.map(|m| m.to_string()),
            expected.month.map(|m| m.to_string()),
        );
        check("venue", fields.venue.clone(), expected.venue);
        check("arxiv", fields.arxiv.clone(), expected.arxiv);
        check("url", fields.url.clone(), expected.url);
        check("code", fields.code.clone(), expected.code);
        check(
            "topics",
            Some(fields.topics.join(", ")),
            Some(expected.topics.join(", ")),
        );
        check("doi", fields.doi.clone(), None);
        if expected.needs_added_date && fields.added.is_none() {
            mismatches.push(format!("{}.added: missing", expected.key));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn venue_updates_name_known_papers_a_new_venue_and_two_sources() {
    let references: BTreeMap<String, Reference> = references()
        .into_iter()
        .map(|r| (r.key.clone(), r))
        .collect();
    let updates = venue_updates();
    assert!(!updates.is_empty());
    for (key, update) in &updates {
        let reference = references
            .get(key)
            .unwrap_or_else(|| panic!("{key}: not in the reference list"));
        assert_ne!(
            reference.venue.as_deref(),
            Some(update.venue.as_str()),
            "{key}: the update repeats the reference venue"
        );
        assert!(
            update.sources.len() >= 2,
            "{key}: a venue update needs two independent sources"
        );
        assert!(
            !update.venue.trim().is_empty() && update.venue != "arXiv",
            "{key}: an update must name a published venue"
        );
    }
}

#[test]
fn an_updated_paper_with_its_old_venue_is_a_mismatch() {
    let updates = venue_updates();
    let reference = references()
        .into_iter()
        .find(|r| updates.contains_key(&r.key))
        .expect("at least one updated paper");
    let old = reference.venue.clone();
    assert_ne!(expected_venue(&reference, &updates), old);
}

fn built_real_site() -> (TestSite, BTreeMap<String, Vec<u8>>) {
    let site = TestSite::real();
    let outcome = site.build_into("public", Some("https://user.github.io/survey/"));
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert!(outcome.stderr.is_empty(), "no warnings: {}", outcome.stderr);
    let files = site.files("public");
    (site, files)
}

#[test]
fn real_site_builds_under_a_sub_path_without_broken_links() {
    let (_site, files) = built_real_site();
    let links = internal_links(&files);
    let broken: Vec<String> = links
        .iter()
        .filter_map(|l| {
            resolve_link(&files, "/survey/", l)
                .err()
                .map(|e| format!("{}: {e}", l.page))
        })
        .collect();
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn every_paper_is_discussed_in_the_prose() {
    let (_site, files) = built_real_site();
    let selector = scraper::Selector::parse("[data-testid=mentions] > li > a").unwrap();
    let mut undiscussed = Vec::new();
    for expected in expected_papers() {
        let page = &files[&format!("papers/{}/index.html", expected.key)];
        let html = scraper::Html::parse_document(&String::from_utf8_lossy(page));
        let from_prose = html.select(&selector).any(|a| {
            !a.value()
                .attr("href")
                .unwrap()
                .starts_with("/survey/papers/")
        });
        if !from_prose {
            undiscussed.push(expected.key);
        }
    }
    assert!(
        undiscussed.is_empty(),
        "never cited in a chapter: {undiscussed:?}"
    );
}

/// Words of prose in a page body: code, maths, citations and anchors removed.
fn prose_words(body: &str) -> usize {
    let mut words = 0;
    let mut in_fence = false;
    let mut in_math = false;
    for line in body.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if trimmed == "$$" || (trimmed.starts_with("$$") && !trimmed.ends_with("$$")) {
            in_math = !in_math;
            continue;
        }
        if in_fence || in_math || trimmed.starts_with("$$") {
            continue;
        }
        words += line
            .split_whitespace()
            .filter(|w| {
                !w.contains('@') && !w.starts_with("{#") && w.chars().any(char::is_alphanumeric)
            })
            .count();
    }
    words
}

#[test]
fn every_page_has_real_prose_and_the_survey_is_long_enough() {
    let mut total = 0;
    let mut short = Vec::new();
    let mut pages = 0;
    for entry in walk(&repo_path("content")) {
        if entry.to_string_lossy().contains("/papers/") {
            continue;
        }
        let text = std::fs::read_to_string(&entry).unwrap();
        let body = text.splitn(3, "---\n").nth(2).unwrap_or("");
        let words = prose_words(body);
        total += words;
        pages += 1;
        if words < 250 {
            short.push(format!("{}: {words}", entry.display()));
        }
    }
    assert!(pages >= 18, "{pages} pages");
    assert!(short.is_empty(), "pages under 250 words: {short:?}");
    assert!(total >= 12_000, "{total} words in all");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files.sort();
    files
}
