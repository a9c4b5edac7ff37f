//! `csl::Cache` (references formatted again only for changed papers, as `survey serve`
//! does) equals a full `csl::format` of the same papers: the survey's own 163 papers
//! go through a seeded random sequence of edits to titles, authors and years,
//! additions, deletions and topic moves, and after every step both bibliographies
//! must give every paper the same HTML and text, the same reference-list order and the
//! same year letters, in APA, IEEE and Chicago author-date.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use survey::assemble::{Entity, parse_file};
use survey::formats::csl::{self, Bibliography, Cache};
use survey::model::Paper;

#[path = "../bench/rng.rs"]
mod rng;
use rng::Rng;

const LANGUAGE: &str = "en";
/// Steps per style: a full run per step is slow without optimizations.
const STEPS: usize = if cfg!(debug_assertions) { 10 } else { 60 };

/// The papers of the survey in content/, by key.
fn survey_papers() -> BTreeMap<String, Paper> {
    let papers = papers_of(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(papers.len() >= 150, "only {} papers loaded", papers.len());
    papers
}

/// The papers of the survey at `root`, by key.
fn papers_of(root: &Path) -> BTreeMap<String, Paper> {
    let mut diagnostics = survey::diagnostics::Diagnostics::default();
    let sources = survey::load::load(root, &mut diagnostics);
    let papers: BTreeMap<String, Paper> = (sources.content.iter())
        .filter_map(|file| match parse_file(file, &BTreeSet::new()).entity {
            Some(Entity::Paper(paper)) => Some((paper.key.clone(), paper)),
            _ => None,
        })
        .collect();
    papers
}

/// One random change to the papers: what the edits of a survey's author look like,
/// biased towards changes that move a paper in the list or make labels collide.
fn mutate(papers: &mut BTreeMap<String, Paper>, rng: &mut Rng, serial: &mut usize) -> String {
    let keys: Vec<String> = papers.keys().cloned().collect();
    let key = rng.pick(&keys).clone();
    let other = papers[rng.pick(&keys)].fields.clone();
    let paper = papers.get_mut(&key).unwrap();
    match rng.below(8) {
        0 => paper.fields.title = format!("{} {}", rng.pick(&["A", "Zeta", "mu"]), other.title),
        1 => paper.fields.authors = other.authors,
        2 => paper.fields.year = other.year,
        3 => {
            // A label twin: same authors and year as another paper.
            paper.fields.authors = other.authors;
            paper.fields.year = other.year;
        }
        4 => paper.fields.topics = vec!["somewhere/else".into()],
        5 => {
            papers.remove(&key);
            return format!("removed {key}");
        }
        _ => {
            let mut added = paper.clone();
            *serial += 1;
            added.key = format!("{}{serial}", rng.pick(&["aa", "mm", "zz"]));
            if rng.chance(50) {
                added.fields.title = format!("{} (new)", other.title);
            }
            let added_key = added.key.clone();
            papers.insert(added_key.clone(), added);
            return format!("added {added_key} like {key}");
        }
    }
    format!("edited {key}")
}

/// Panics with the first difference between the two bibliographies of `papers`.
fn assert_same(
    incremental: &Bibliography,
    full: &Bibliography,
    papers: &BTreeMap<String, Paper>,
    what: &str,
) {
    for (key, paper) in papers {
        let url = format!("/papers/{key}/");
        assert_eq!(
            incremental.html(key, &paper.fields.title, &url),
            full.html(key, &paper.fields.title, &url),
            "{what}: html of {key}"
        );
        assert!(full.text(key).is_some(), "{what}: {key} has no reference");
    }
    let order = |bibliography: &Bibliography| {
        let mut keys: Vec<&String> = papers.keys().collect();
        keys.sort_by_key(|key| bibliography.rank(key));
        keys
    };
    let (incremental_order, full_order) = (order(incremental), order(full));
    let differs = (incremental_order.iter().zip(&full_order)).position(|(a, b)| a != b);
    if let Some(at) = differs {
        let window = |keys: &[&String]| -> Vec<String> {
            let end = (at + 3).min(keys.len());
            keys[at.saturating_sub(2)..end]
                .iter()
                .map(|k| k.to_string())
                .collect()
        };
        panic!(
            "{what}: reference-list order differs at {at}: incremental {:?}, full {:?}",
            window(&incremental_order),
            window(&full_order)
        );
    }
    assert_eq!(
        incremental.year_suffixes(),
        full.year_suffixes(),
        "{what}: year letters"
    );
    assert_letters_follow_ranks(full, papers, what);
}

/// Within each group of papers whose labels collide, year letters run a, b, c down the
/// reference list.
fn assert_letters_follow_ranks(
    bibliography: &Bibliography,
    papers: &BTreeMap<String, Paper>,
    what: &str,
) {
    let Some(suffixes) = bibliography.year_suffixes() else {
        return;
    };
    let mut groups: BTreeMap<(String, i32), Vec<(usize, &str)>> = BTreeMap::new();
    for (key, suffix) in suffixes {
        let fields = &papers[key].fields;
        let label = (survey::formats::cite::label_names(fields), fields.year);
        let rank = bibliography.rank(key);
        groups
            .entry(label)
            .or_default()
            .push((rank, suffix.as_str()));
    }
    for (label, mut group) in groups {
        group.sort();
        let letters: Vec<&str> = group.iter().map(|(_, letter)| *letter).collect();
        let mut sorted = letters.clone();
        sorted.sort_by_key(|letter| (letter.len(), letter.to_string()));
        assert_eq!(letters, sorted, "{what}: letters of {label:?} by rank");
    }
}

fn replay(style_name: &str, seed: u64) {
    let style = csl::style(style_name).unwrap();
    let mut papers = survey_papers();
    let mut cache = Cache::default();
    let mut rng = Rng(seed);
    let mut serial = 0;
    for step in 0..STEPS {
        let mut what = format!("{style_name}, seed {seed}, step {step}:");
        // Mostly one change, as a save in `serve`; sometimes several at once; once more
        // than the cache takes on (a branch checked out), so it formats all again.
        let changes = match rng.below(10) {
            _ if step == STEPS / 2 => 100,
            0..=6 => 1,
            _ => rng.range(2..=5),
        };
        for _ in 0..changes * (step > 0) as u64 {
            what += &format!(" {};", mutate(&mut papers, &mut rng, &mut serial));
        }
        let incremental = cache.format(&papers, style_name, LANGUAGE);
        let full = csl::format(papers.values(), &style, LANGUAGE);
        assert_same(&incremental, &full, &papers, &what);
    }
}

#[test]
fn apa_references_formatted_incrementally_equal_a_full_run() {
    replay("apa", 1);
}

#[test]
fn ieee_references_formatted_incrementally_equal_a_full_run() {
    replay("ieee", 2);
}

#[test]
fn chicago_references_formatted_incrementally_equal_a_full_run() {
    replay("chicago-author-date", 3);
}

#[test]
fn year_letters_appear_and_vanish_with_a_label_twin() {
    let mut papers = survey_papers();
    let mut cache = Cache::default();
    let before = cache.format(&papers, "apa", LANGUAGE);
    // A paper that shares no label: copy it under a new key, so the two collide.
    let lonely = (papers.values())
        .filter(|paper| !paper.fields.authors.is_empty())
        .find(|paper| {
            before
                .year_suffixes()
                .is_some_and(|s| !s.contains_key(&paper.key))
        })
        .unwrap()
        .clone();
    let mut twin = lonely.clone();
    twin.key = format!("{}twin", lonely.key);
    twin.fields.title = format!("{} Again", lonely.fields.title);
    papers.insert(twin.key.clone(), twin.clone());
    let with_twin = cache.format(&papers, "apa", LANGUAGE);
    let letters = with_twin.year_suffixes().unwrap();
    let pair = [&lonely.key, &twin.key].map(|key| letters.get(key).cloned());
    assert_eq!(pair, [Some("a".into()), Some("b".into())]);
    papers.remove(&twin.key);
    let after = cache.format(&papers, "apa", LANGUAGE);
    assert!(!after.year_suffixes().unwrap().contains_key(&lonely.key));
    assert_same(&after, &before, &papers, "after removing the twin");
}

#[test]
fn nothing_changed_gives_the_same_bibliography_without_formatting() {
    let papers = survey_papers();
    let mut cache = Cache::default();
    let first = cache.format(&papers, "apa", LANGUAGE);
    let second = cache.format(&papers, "apa", LANGUAGE);
    assert!(std::sync::Arc::ptr_eq(&first, &second));
    let other_style = cache.format(&papers, "ieee", LANGUAGE);
    assert!(!std::sync::Arc::ptr_eq(&first, &other_style));
}

/// How long the CSL step of a rebuild takes after one paper's title changed, on the
/// survey at `$CSL_CORPUS` (e.g. the 10 000 papers of `cargo run --release --example
/// gen_corpus -- --papers 10000 --out /tmp/corpus10k`). Run with
/// `CSL_CORPUS=/tmp/corpus10k cargo test --release --test csl_cache -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement on a generated corpus, not a check"]
fn time_one_title_edit() {
    let root = std::env::var("CSL_CORPUS").expect("CSL_CORPUS names a survey folder");
    let mut papers = papers_of(Path::new(&root));
    let mut cache = Cache::default();
    let timed = |cache: &mut Cache, papers: &BTreeMap<String, Paper>, what: &str| {
        let start = std::time::Instant::now();
        let bibliography = cache.format(papers, "apa", LANGUAGE);
        eprintln!("{what}: {:.1} ms", start.elapsed().as_secs_f64() * 1000.0);
        bibliography
    };
    timed(&mut cache, &papers, &format!("all {} papers", papers.len()));
    timed(&mut cache, &papers, "nothing changed");
    let keys: Vec<String> = papers.keys().cloned().collect();
    for (round, key) in keys.iter().step_by(keys.len() / 5).enumerate() {
        let paper = papers.get_mut(key).unwrap();
        paper.fields.title = format!("Edited {round}: {}", paper.fields.title);
        timed(&mut cache, &papers, &format!("title of {key}"));
    }
}

/// `csl::format` (references in chunks, the order guessed and checked pair by pair)
/// equals one site-wide run, on the survey's papers and on a copy after edits that
/// move papers in the list and make label twins, in author-date, numeric and
/// note styles.
#[test]
fn parallel_formatting_equals_one_site_wide_run() {
    let styles = [
        "apa",
        "ieee",
        "chicago-author-date",
        "modern-language-association",
        "harvard-cite-them-right",
    ];
    let original = survey_papers();
    let mut edited = original.clone();
    let (mut rng, mut serial) = (Rng(7), 0);
    let edits: Vec<String> = (0..40)
        .map(|_| mutate(&mut edited, &mut rng, &mut serial))
        .collect();
    for style_name in styles {
        let style = csl::style(style_name).unwrap();
        for (papers, what) in [(&original, "as written"), (&edited, "after edits")] {
            let parallel = csl::format(papers.values(), &style, LANGUAGE);
            let one_run = csl::format_in_one_run(papers.values(), &style, LANGUAGE);
            let what = format!("{style_name}, {what} ({} edits)", edits.len());
            assert_same(&parallel, &one_run, papers, &what);
        }
    }
}
