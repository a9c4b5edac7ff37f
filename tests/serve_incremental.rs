//! The incremental rebuild of `survey serve` equals a clean build: after every step of
//! a randomized (seeded, deterministic) sequence of edits, creations, renames and
//! deletions on a fixture site, `LiveBuild` reports the same diagnostics as
//! `survey::build` of the same files, and when the build succeeds it holds exactly the
//! same files, byte for byte. When it fails, it keeps the last good files.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::TestSite;
use survey::diagnostics::Diagnostic;
use survey::engine::LiveBuild;

const BASE_URL: &str = "http://127.0.0.1:1111/";
const STEPS: usize = 160;

use gen_corpus::rng::Rng;

/// Keys the edits use: the fixture's papers, new ones, and one that never exists.
const KEYS: &[&str] = &[
    "alpha2023first",
    "beta2022second",
    "gamma2023tool",
    "delta2021one",
    "epsilon2021two",
    "zeta2020three",
    "missing2020key",
];
const TITLES: &[&str] = &[
    "Delta: Learning to Rank",
    "Epsilon & <Friends>",
    "Zeta: Rewards at Scale",
    "Delta: Learning to Rank", // a duplicate title, sometimes
    "A Study of Things",
];
const AUTHORS: &[&str] = &[
    "[Ann Alpha]",
    "[Ann Alpha, Ben Beta]",
    "[Dana Delta, others]",
    "[]",
    "[Eve Epsilon, Ann Alpha, Cy Gamma]",
];
const TOPICS: &[&str] = &[
    "[methods/ranking/pairs]",
    "[methods/ranking/lists]",
    "[methods]",
    "[methods/ranking, methods/ranking/pairs]",
    "[]",
    "[methods/nowhere]",
];
const LINKS: &[&str] = &[
    "[ranking](../methods/ranking.md#pairs)",
    "[lists](../methods/ranking.md#lists)",
    "[broken](../methods/ranking.md#nothing)",
    "[home](../_index.md)",
    "[extra](../methods/extra.md#more)",
];

struct Fixture {
    site: TestSite,
    rng: Rng,
}

impl Fixture {
    fn path(&self, relative: &str) -> PathBuf {
        self.site.root().join(relative)
    }

    fn write(&self, relative: &str, text: &str) -> Vec<PathBuf> {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        vec![PathBuf::from(relative)]
    }

    fn remove(&self, relative: &str) -> Vec<PathBuf> {
        let path = self.path(relative);
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else if path.exists() {
            std::fs::remove_file(path).unwrap();
        }
        vec![PathBuf::from(relative)]
    }

    /// A key to cite: usually a paper that exists now, sometimes any key.
    fn cited_key(&mut self) -> String {
        let existing: Vec<String> = KEYS
            .iter()
            .filter(|key| self.path(&format!("content/papers/{key}.md")).exists())
            .map(|key| key.to_string())
            .collect();
        if existing.is_empty() || self.rng.chance(10) {
            self.rng.pick(KEYS).to_string()
        } else {
            existing[self.rng.index(existing.len())].clone()
        }
    }

    fn citation(&mut self) -> String {
        let a = self.cited_key();
        match self.rng.below(3) {
            0 => format!("[@{a}]"),
            1 => format!("@{a}"),
            _ => format!("[@{a}; @{}]", self.cited_key()),
        }
    }

    /// Fixes one thing a previous step may have broken.
    fn repair(&mut self, key: &str) -> Vec<PathBuf> {
        match self.rng.below(6) {
            0 => self.write(
                "site.yaml",
                "title: Fixture Survey\nbase_url: https://example.org/\n",
            ),
            1 => self.remove("templates"),
            2 => self.remove("content/methods/extra.md"),
            3 => self.restore("content/methods/ranking.md"),
            4 => {
                let paper = format!("content/papers/{}.md", self.rng.pick(&KEYS[..3]));
                self.restore(&paper)
            }
            _ => self.write(
                &format!("content/papers/{key}.md"),
                &format!("---\ntitle: \"Valid {key}\"\nyear: 2020\ntopics: [methods]\n---\n"),
            ),
        }
    }

    /// Fixes the first error of the last build, as a contributor reading it would.
    fn fix(&mut self, errors: &[Diagnostic]) -> Vec<PathBuf> {
        let Some(error) = errors.first() else {
            return Vec::new();
        };
        let path = error.path.to_string_lossy().into_owned();
        let missing = error
            .message
            .strip_prefix("unknown citation key `")
            .and_then(|rest| rest.split('`').next());
        if let Some(key) = missing.filter(|key| KEYS[..3].contains(key)) {
            return self.restore(&format!("content/papers/{key}.md"));
        }
        match path.as_str() {
            "site.yaml" => self.write(
                "site.yaml",
                "title: Fixture Survey\nbase_url: https://example.org/\n",
            ),
            "templates" => self.remove("templates"),
            "content/methods/extra.md" => self.remove("content/methods/extra.md"),
            p if self.is_fixture_file(p) => self.restore(p),
            p if p.starts_with("content/papers/") => {
                let key = p
                    .trim_start_matches("content/papers/")
                    .trim_end_matches(".md");
                self.write(
                    p,
                    &format!("---\ntitle: \"Valid {key}\"\nyear: 2020\ntopics: [methods]\n---\n"),
                )
            }
            p => self.remove(p),
        }
    }

    fn is_fixture_file(&self, relative: &str) -> bool {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/basic")
            .join(relative)
            .is_file()
    }

    /// Puts back a file of the original fixture.
    fn restore(&self, relative: &str) -> Vec<PathBuf> {
        let original = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/basic")
            .join(relative);
        self.write(relative, &std::fs::read_to_string(original).unwrap())
    }

    fn link(&mut self) -> &'static str {
        let links = if self.rng.chance(80) {
            &LINKS[..2]
        } else {
            LINKS
        };
        self.rng.pick::<&str>(links)
    }

    fn paper_text(&mut self, key: &str) -> String {
        let title = if self.rng.chance(15) {
            self.rng.pick(TITLES).to_string()
        } else {
            format!("{} ({key})", self.rng.pick(TITLES))
        };
        let authors = self.rng.pick(AUTHORS);
        let year = 2020 + self.rng.below(2);
        let topics = if self.rng.chance(90) {
            self.rng.pick(&TOPICS[..5])
        } else {
            self.rng.pick(TOPICS)
        };
        let venue = self.rng.pick(&["arXiv", "NeurIPS", "ICML 2021"]);
        let mut text = format!(
            "---\ntitle: \"{title}\"\nauthors: {authors}\nyear: {year}\nvenue: {venue}\ntopics: {topics}\n---\n"
        );
        if self.rng.chance(60) {
            let citation = self.citation();
            text.push_str(&format!("Notes that cite {citation} in passing.\n"));
        }
        if self.rng.chance(30) {
            let link = self.link();
            text.push_str(&format!("\n## Details\n\nSee {link}.\n"));
        }
        text
    }

    /// Writing in a page or a paper's notes: mostly prose alone (a body-only edit,
    /// which `serve` patches in), sometimes formulas (valid or not), a heading, or an
    /// emptied body, which change more than the body.
    fn edit_prose(&mut self) -> Vec<PathBuf> {
        let mut files = vec![
            "content/_index.md".to_string(),
            "content/methods/_index.md".to_string(),
            "content/methods/ranking.md".to_string(),
        ];
        files.extend(
            KEYS.iter()
                .map(|key| format!("content/papers/{key}.md"))
                .filter(|path| self.path(path).exists()),
        );
        let file = self.rng.pick(&files).clone();
        let text = std::fs::read_to_string(self.path(&file)).unwrap_or_default();
        let Some(body_start) = text
            .match_indices(
                "---
",
            )
            .nth(1)
            .map(|(at, _)| at + 4)
        else {
            return Vec::new();
        };
        let (front, body) = text.split_at(body_start);
        // Rewording a sentence that cites changes how the cited paper's page quotes it.
        let wording = ["in passing", "at length"];
        if let Some(old) = wording.iter().find(|w| body.contains(**w))
            && self.rng.chance(40)
        {
            let new = wording.iter().find(|w| *w != old).unwrap();
            return self.write(&file, &format!("{front}{}", body.replacen(old, new, 1)));
        }
        let addition = match self.rng.below(12) {
            0 => "A formula $x^2 + y$ in passing.".to_string(),
            10 => format!("Prose that cites {} too.", self.citation()),
            11 => format!("Prose that links {}.", self.link()),
            1 => r"A broken formula $\frac{1}{$ here.".to_string(),
            // A heading a link in another file names: that link starts to resolve.
            2 if self.rng.chance(50) => "## Nothing Here {#nothing}".to_string(),
            2 => "## A New Heading".to_string(),
            3 => return self.write(&file, front),
            n => format!("Plain prose, revision {n}, with *emphasis*."),
        };
        let breaks: Vec<usize> = std::iter::once(0)
            .chain(
                body.match_indices(
                    "

",
                )
                .map(|(at, _)| at + 1),
            )
            .chain(std::iter::once(body.len()))
            .collect();
        let at = breaks[self.rng.index(breaks.len())];
        let new_body = format!(
            "{}
{addition}

{}",
            &body[..at],
            &body[at..]
        );
        self.write(&file, &format!("{front}{new_body}"))
    }

    /// Changes one field of an existing paper and nothing else: its label, reference,
    /// listings and place in lists move, and sometimes it duplicates another paper.
    fn edit_fields(&mut self) -> Vec<PathBuf> {
        let existing: Vec<String> = KEYS
            .iter()
            .map(|key| format!("content/papers/{key}.md"))
            .filter(|path| self.path(path).exists())
            .collect();
        if existing.is_empty() {
            return Vec::new();
        }
        let file = existing[self.rng.index(existing.len())].clone();
        let text = std::fs::read_to_string(self.path(&file)).unwrap_or_default();
        let other = existing[self.rng.index(existing.len())].clone();
        let other_title = std::fs::read_to_string(self.path(&other))
            .unwrap_or_default()
            .lines()
            .find_map(|line| line.strip_prefix("title: ").map(String::from));
        let (field, value) = match self.rng.below(5) {
            // Another paper's title: a duplicate, unless it is this paper.
            4 if other_title.is_some() => ("title", other_title.unwrap_or_default()),
            0 => ("title", format!("\"{}\"", self.rng.pick(TITLES))),
            1 => ("authors", self.rng.pick(AUTHORS).to_string()),
            2 => ("year", (2019 + self.rng.below(3)).to_string()),
            _ => (
                "venue",
                self.rng
                    .pick(&["arXiv", "NeurIPS", "ICML 2021"])
                    .to_string(),
            ),
        };
        let prefix = format!("{field}: ");
        let lines: Vec<String> = text
            .lines()
            .map(|line| match line.starts_with(&prefix) {
                true => format!("{prefix}{value}"),
                false => line.to_string(),
            })
            .collect();
        self.write(&file, &format!("{}\n", lines.join("\n")))
    }

    /// One random change on disk; returns the paths a watcher would report.
    fn step(&mut self, errors: &[Diagnostic]) -> Vec<PathBuf> {
        if !errors.is_empty() && self.rng.chance(30) {
            return self.fix(errors);
        }
        // Mostly the papers no page cites, so deleting one does not break the site.
        let key = if self.rng.chance(75) {
            self.rng.pick(&KEYS[3..6])
        } else {
            self.rng.pick(&KEYS[..3])
        };
        let paper = format!("content/papers/{key}.md");
        match self.rng.below(27) {
            22..=24 => self.edit_prose(),
            25 | 26 => self.edit_fields(),
            0..=3 => {
                let text = self.paper_text(key);
                self.write(&paper, &text)
            }
            14..=21 => self.repair(key),
            4 => self.remove(&paper),
            5 => {
                let other = self.rng.pick(&KEYS[..6]);
                let to = format!("content/papers/{other}.md");
                if self.path(&paper).exists() && paper != to {
                    std::fs::rename(self.path(&paper), self.path(&to)).unwrap();
                }
                vec![PathBuf::from(&paper), PathBuf::from(&to)]
            }
            6 => {
                let citation = self.citation();
                let heading = if self.rng.chance(30) { "\n## More {#more}\n" } else { "" };
                let mut text = self.site.read("content/methods/ranking.md");
                text.push_str(&format!("{heading}\nAnother finding {citation}.\n"));
                self.write("content/methods/ranking.md", &text)
            }
            7 => {
                let (citation, link) = (self.citation(), self.link());
                let text = format!(
                    "---\ntitle: Extra\nweight: {}\ntopics:\n  - id: more\n    title: More\n---\n## More {{#more}}\n\nExtra {citation}, see {link}.\n",
                    self.rng.below(3)
                );
                self.write("content/methods/extra.md", &text)
            }
            8 => self.remove("content/methods/extra.md"),
            9 => {
                let text = match self.rng.below(6) {
                    0 => "title: [unclosed\n".to_string(),
                    1 => "title: Fixture Survey\nbase_url: https://example.org/\nunknown_field: 1\n".to_string(),
                    2 | 3 => "title: Renamed Survey\nbase_url: https://example.org/\nrepo_url: https://github.com/example/x\n".to_string(),
                    _ => "title: Fixture Survey\nbase_url: https://example.org/\n".to_string(),
                };
                self.write("site.yaml", &text)
            }
            10 => match self.rng.below(3) {
                0 => self.write(
                    "templates/404.html",
                    "{% extends \"base.html\" %}{% block content %}<p>custom 404</p>{% endblock content %}",
                ),
                1 => self.write("templates/404.html", "{% if %}broken"),
                _ => self.remove("templates"),
            },
            11 => match self.rng.below(3) {
                0 => {
                    let css = format!("body {{ margin: {}px; }}\n", self.rng.below(9));
                    self.write("static/style.css", &css)
                }
                1 => self.write("static/extra/a.json", "{\"a\": 1}"),
                _ => self.remove("static"),
            },
            12 => match self.rng.below(4) {
                0 => self.write(&paper, "no front-matter here\n"),
                1 => self.write(&paper, ""),
                2 => self.write("content/methods/notes.txt", "not markdown"),
                _ => self.write(&format!("content/papers/.{key}.md.swp"), "editor swap file"),
            },
            _ => {
                // Save without changing anything.
                let text = std::fs::read_to_string(self.path(&paper)).unwrap_or_default();
                if text.is_empty() { vec![] } else { self.write(&paper, &text) }
            }
        }
    }
}

type Files = BTreeMap<String, Vec<u8>>;

fn as_map(outputs: &[survey::emit::Output]) -> Files {
    outputs
        .iter()
        .map(|o| (o.path.clone(), o.bytes.to_vec()))
        .collect()
}

fn live_files(live: &LiveBuild) -> Files {
    live.outputs()
        .iter()
        .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
        .collect()
}

/// The clean build the live one must equal: the search index is built separately.
fn clean_build(root: &Path) -> survey::Build {
    let options = survey::BuildOptions {
        base_url: Some(BASE_URL),
        search: false,
        cache: None,
        output: None,
        save_cache: false,
        pages: survey::engine::Pages::Keep,
    };
    survey::build_with(root, options)
}

fn first_difference(a: &Files, b: &Files) -> String {
    for (path, bytes) in a {
        match b.get(path) {
            None => return format!("{path} only in the incremental build"),
            Some(other) if other != bytes => return format!("{path} differs"),
            _ => {}
        }
    }
    b.keys()
        .find(|path| !a.contains_key(*path))
        .map_or("no difference".into(), |p| {
            format!("{p} only in the clean build")
        })
}

fn run(seed: u64) {
    let mut fixture = Fixture {
        site: TestSite::fixture("basic"),
        rng: Rng(seed),
    };
    let root_dir = fixture.site.root().to_path_buf();
    let root: &Path = &root_dir;
    let (mut live, first) = LiveBuild::new(root, Some(BASE_URL));
    assert!(first.succeeded, "{:?}", first.diagnostics.sorted());
    let mut last_good = as_map(&clean_build(root).outputs);
    let mut last_diagnostics = first.diagnostics.sorted();
    let (mut successes, mut failures, mut patches) = (0, 0, 0);
    for step in 0..STEPS {
        let errors: Vec<Diagnostic> = last_diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        let changed = fixture.step(&errors);
        if let Some(rebuild) = live.update(&changed) {
            last_diagnostics = rebuild.diagnostics.sorted();
            patches += usize::from(rebuild.patched);
        }
        let clean = clean_build(root);
        let context = format!("seed {seed}, step {step}, changed {changed:?}");
        assert_eq!(last_diagnostics, clean.diagnostics.sorted(), "{context}");
        if clean.succeeded() {
            last_good = as_map(&clean.outputs);
            successes += 1;
        } else {
            failures += 1;
            if std::env::var_os("DEBUG_STEPS").is_some() {
                let d = clean.diagnostics.sorted();
                let e: Vec<String> = d
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| format!("{}: {}", d.path.display(), d.message))
                    .collect();
                eprintln!("step {step}: {e:?}");
            }
        }
        let files = live_files(&live);
        assert!(
            files == last_good,
            "{context}: {}",
            first_difference(&files, &last_good)
        );
    }
    eprintln!(
        "seed {seed}: {successes} successful ({patches} patched) and {failures} failing steps"
    );
    // The sequence must exercise every path, or it proves little.
    assert!(successes > STEPS / 4, "only {successes} successful steps");
    assert!(failures > STEPS / 16, "only {failures} failing steps");
    assert!(
        patches > STEPS / 20,
        "only {patches} body-only edits patched"
    );
}

#[test]
fn incremental_rebuilds_equal_clean_builds_seed_1() {
    run(1);
}

#[test]
fn incremental_rebuilds_equal_clean_builds_seed_2() {
    run(2);
}

#[test]
fn incremental_rebuilds_equal_clean_builds_seed_3() {
    run(3);
}

/// A heading another file links to: adding it, linking it, then removing it must
/// break that other file's link exactly as a clean build reports it, although only
/// the heading's file changed (its anchors are what the patch must re-check).
#[test]
fn removing_a_linked_heading_breaks_the_link_in_the_other_file() {
    let site = TestSite::fixture("basic");
    let root = site.root().to_path_buf();
    let (mut live, first) = LiveBuild::new(&root, Some(BASE_URL));
    assert!(first.succeeded);
    let ranking = "content/methods/ranking.md";
    let chapter = "content/methods/_index.md";
    let original = site.read(ranking);
    let mut step = |relative: &str, text: String| {
        std::fs::write(root.join(relative), text).unwrap();
        let rebuild = live.update(&[PathBuf::from(relative)]).expect("a change");
        let clean = clean_build(&root);
        assert_eq!(rebuild.diagnostics.sorted(), clean.diagnostics.sorted());
        if clean.succeeded() {
            assert!(live_files(&live) == as_map(&clean.outputs), "{relative}");
        }
        rebuild
    };
    let with_heading = format!("{original}\n## Deep {{#deep}}\n\nMore prose.\n");
    assert!(step(ranking, with_heading.clone()).succeeded);
    let linking = format!("{}\nSee [deep](ranking.md#deep).\n", site.read(chapter));
    let linked = step(chapter, linking);
    assert!(linked.succeeded && linked.patched);
    let removed = step(ranking, format!("{original}\nMore prose.\n"));
    assert!(!removed.succeeded);
    let broken: Vec<_> = removed.diagnostics.sorted();
    assert!(
        broken
            .iter()
            .any(|d| d.is_error() && d.path == Path::new(chapter)),
        "{broken:?}"
    );
    assert!(step(ranking, with_heading).succeeded);
}

#[path = "../bench/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

/// Steps of the generated-corpus run: each compares a warm engine with a cold one on
/// 300 papers, so they are fewer than the fixture's.
const CORPUS_STEPS: usize = 14;

/// One edit a contributor makes to a generated survey: a paper's field, its notes, a
/// citation added to a section, a new paper, or a paper removed. Returns the paths a
/// watcher would report.
fn corpus_edit(root: &Path, rng: &mut Rng, papers: &[String]) -> Vec<PathBuf> {
    let key = rng.pick(papers).clone();
    let relative = format!("content/papers/{key}.md");
    let path = root.join(&relative);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let replace_line = |prefix: &str, line: String| -> String {
        let lines: Vec<String> = text
            .lines()
            .map(|l| {
                if l.starts_with(prefix) {
                    line.clone()
                } else {
                    l.to_string()
                }
            })
            .collect();
        format!("{}\n", lines.join("\n"))
    };
    let new_text = match rng.below(7) {
        0 => replace_line("year: ", format!("year: {}", 2015 + rng.below(10))),
        1 => replace_line(
            "title: ",
            format!("title: \"Edited title {}\"", rng.below(1000)),
        ),
        2 => replace_line("venue: ", "venue: \"ICML 2024\"".to_string()),
        3 => format!("{text}\nAn added note, revision {}.\n", rng.below(1000)),
        4 => {
            let other = rng.pick(papers);
            let section = std::fs::read_dir(root.join("content/data"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.file_name().unwrap() != "_index.md")
                .min()
                .unwrap();
            let mut page = std::fs::read_to_string(&section).unwrap();
            page.push_str(&format!("\nA new finding [@{other}].\n"));
            std::fs::write(&section, page).unwrap();
            let relative = section.strip_prefix(root).unwrap().to_path_buf();
            return vec![relative];
        }
        5 => {
            let new = format!("content/papers/added{}.md", rng.below(1000));
            let copy = text.replace("title: \"", "title: \"A copy: ");
            let copy = copy
                .lines()
                .filter(|l| !l.starts_with("arxiv: ") && !l.starts_with("url: "))
                .collect::<Vec<_>>()
                .join("\n");
            std::fs::write(root.join(&new), format!("{copy}\n")).unwrap();
            return vec![PathBuf::from(new)];
        }
        _ => {
            let _ = std::fs::remove_file(&path);
            return vec![PathBuf::from(relative)];
        }
    };
    std::fs::write(&path, new_text).unwrap();
    vec![PathBuf::from(relative)]
}

/// Generates a 300-paper survey (a quarter of the papers with code) at `root` and
/// returns its paper keys, sorted.
fn generated_corpus(root: &Path, seed: u64) -> Vec<String> {
    let options = gen_corpus::Options {
        papers: 300,
        out: root.to_path_buf(),
        seed,
        code: 25,
    };
    gen_corpus::generate(&options).unwrap();
    let mut papers: Vec<String> = std::fs::read_dir(root.join("content/papers"))
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
    papers.sort();
    papers
}

/// The warm engine against a cold one of the same code on a generated 300-paper survey,
/// byte for byte and diagnostic for diagnostic, after every edit.
#[test]
fn incremental_rebuilds_equal_clean_builds_on_a_generated_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let papers = generated_corpus(root, 7);
    let (mut live, first) = LiveBuild::new(root, Some(BASE_URL));
    assert!(first.succeeded, "{:?}", first.diagnostics.sorted());
    let mut rng = Rng(11);
    let mut last_good = as_map(&clean_build(root).outputs);
    let mut rendered_fewer = 0;
    for step in 0..CORPUS_STEPS {
        let changed = corpus_edit(root, &mut rng, &papers);
        let rebuild = live.update(&changed);
        let clean = clean_build(root);
        let context = format!("step {step}, changed {changed:?}");
        if let Some(rebuild) = &rebuild {
            assert_eq!(
                rebuild.diagnostics.sorted(),
                clean.diagnostics.sorted(),
                "{context}"
            );
            rendered_fewer += usize::from(rebuild.rendered < papers.len() / 10);
        }
        if clean.succeeded() {
            last_good = as_map(&clean.outputs);
        }
        let files = live_files(&live);
        assert!(
            files == last_good,
            "{context}: {}",
            first_difference(&files, &last_good)
        );
    }
    // Most edits touch a few pages: the warm engine must render only those.
    assert!(
        rendered_fewer > CORPUS_STEPS / 2,
        "only {rendered_fewer} small rebuilds"
    );
}

/// A build that starts from the cache folder of the last one (`survey build` with its
/// cache) equals a clean build, byte for byte and diagnostic for diagnostic, after
/// every edit of a generated survey; it renders only the pages the edit reaches; a
/// failed build leaves the saved state as it was; and an unreadable cache is ignored.
#[test]
fn builds_from_the_cache_folder_equal_clean_builds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("survey");
    let cache = dir.path().join("cache");
    let output = dir.path().join("public");
    let papers = generated_corpus(&root, 5);
    // As `survey build` does: start from the cache and the output folder, write each
    // page into the new tree as it is rendered, save (an engine that drops each part
    // of its state once written), finish the tree. It must then hold the clean build.
    let cached_build = |step: &str| {
        let emitter = std::sync::Arc::new(survey::emit::Emitter::begin(&output).unwrap());
        let options = survey::BuildOptions {
            base_url: Some(BASE_URL),
            search: false,
            cache: Some(&cache),
            output: Some(&output),
            save_cache: true,
            pages: survey::engine::Pages::Place(std::sync::Arc::clone(&emitter)),
        };
        let build = survey::build_with(&root, options);
        let clean = clean_build(&root);
        assert_eq!(
            build.diagnostics.sorted(),
            clean.diagnostics.sorted(),
            "{step}"
        );
        if build.succeeded() {
            let emitter = std::sync::Arc::into_inner(emitter).expect("the engine is done");
            emitter.finish(&build.outputs, &build.kept).unwrap();
            let (files, expected) = (common::files_under(&output), as_map(&clean.outputs));
            assert!(
                files == expected,
                "{step}: {}",
                first_difference(&files, &expected)
            );
        }
        build.rendered
    };
    let all = cached_build("first build");
    assert!(cache.join("engine.bin").is_file());
    assert_eq!(
        cached_build("no change"),
        0,
        "nothing changed, nothing rendered"
    );
    let mut rng = Rng(3);
    let mut small = 0;
    for step in 0..6 {
        let changed = corpus_edit(&root, &mut rng, &papers);
        let rendered = cached_build(&format!("step {step}, changed {changed:?}"));
        small += usize::from(rendered < all / 10);
    }
    assert!(small >= 4, "only {small} of 6 edits rendered few pages");
    // A failed build saves nothing and leaves nothing behind; a writer's leftover from
    // a build that died is removed, and no other file.
    let state = cache.join("engine.bin");
    let saved = std::fs::read(&state).unwrap();
    let dead_writer = cache.join(format!("engine.bin.{}", u32::MAX));
    let not_a_writer = cache.join("engine.bin.notes");
    std::fs::write(&dead_writer, "left by a killed build").unwrap();
    let dead_search_writer = cache.join(format!("search.bin.{}", u32::MAX));
    std::fs::write(&dead_search_writer, "left by a killed build").unwrap();
    std::fs::write(&not_a_writer, "someone's").unwrap();
    let paper = root.join(format!("content/papers/{}.md", papers[0]));
    let text = std::fs::read_to_string(&paper).unwrap();
    std::fs::write(&paper, text.replacen("year:", "year: twenty\nyeer:", 1)).unwrap();
    cached_build("a paper broken");
    assert_eq!(
        std::fs::read(&state).unwrap(),
        saved,
        "a failed build saved"
    );
    let mut left: Vec<String> = (std::fs::read_dir(&cache).unwrap())
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["engine.bin", "engine.bin.notes"]);
    std::fs::write(&paper, text).unwrap();
    assert_eq!(
        cached_build("the paper mended"),
        0,
        "the saved state still holds"
    );
    // A page changed by hand in the output is not the build's: it renders again.
    let page = output.join("index.html");
    std::fs::write(&page, "edited by hand").unwrap();
    assert_eq!(cached_build("a page edited by hand"), 1);
    assert_ne!(std::fs::read(&page).unwrap(), b"edited by hand");
    // Without the output folder the cache still has the references and the reads:
    // every page renders again, and equals a clean build.
    std::fs::remove_dir_all(&output).unwrap();
    assert_eq!(cached_build("output folder removed"), all);
    std::fs::write(cache.join("engine.bin"), b"not a saved state").unwrap();
    let (_, cold) = LiveBuild::new(&root, Some(BASE_URL));
    assert_eq!(
        cached_build("unreadable cache"),
        cold.rendered,
        "an unreadable cache is ignored"
    );
}
