//! Save-to-rebuilt latency of `survey serve`, for docs/benchmarks.md.
//!
//! `cargo bench --bench serve_latency -- --root DIR [--runs 15] [--engine-only] [--search]
//! [--only NAME]`
//!
//! Copies the site at DIR into a temporary folder (with the built-in templates copied
//! into its `templates/`, as a site that customises its theme has them), starts the
//! real server on a free port, and for each scenario edits one file on disk and waits
//! until the server's snapshot has been rebuilt. Reports the median and spread of
//! save-to-rebuilt (file written -> new snapshot served, including the watcher's
//! debounce) and of the rebuild alone. `--engine-only` skips the server and the
//! watcher and times `LiveBuild::update` directly.
//!
//! Not a test: it asserts nothing about time; it only reports.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use survey::engine::LiveBuild;
use survey::serve::{Options, Server};

#[path = "copy_dir.rs"]
mod copy_dir;
use copy_dir::copy_dir;

struct Args {
    root: PathBuf,
    runs: usize,
    engine_only: bool,
    /// Also rebuild the search index in the background, as `survey serve` does.
    search: bool,
    /// Run only the scenarios whose name contains this text (for profiling one).
    only: Option<String>,
}

/// How the n-th edit changes a file's original text.
type EditFn = dyn Fn(&str, usize) -> String;

/// One kind of edit: which file, and how the n-th edit changes it. A file that does
/// not exist yet is created by every run and removed again between runs (untimed).
struct Scenario {
    name: &'static str,
    file: PathBuf,
    edit: Box<EditFn>,
}

impl Scenario {
    /// The file's text before the scenario; `None` if the scenario creates it.
    fn original(&self) -> Option<String> {
        self.file.exists().then(|| read(&self.file))
    }

    fn write(&self, original: &Option<String>, n: usize) {
        let text = (self.edit)(original.as_deref().unwrap_or(""), n);
        std::fs::write(&self.file, text).unwrap();
    }

    /// Puts the file back as it was (removes it if the scenario created it).
    fn restore(&self, original: &Option<String>) {
        match original {
            Some(text) => std::fs::write(&self.file, text).unwrap(),
            None => std::fs::remove_file(&self.file).unwrap(),
        }
    }
}

fn main() {
    let args = parse_args();
    let work = tempfile::tempdir().expect("temp dir");
    let root = work.path();
    copy_site(&args.root, root);
    let mut scenarios = scenarios(root);
    if let Some(only) = &args.only {
        scenarios.retain(|scenario| scenario.name.contains(only.as_str()));
    }
    println!(
        "site: {} ({} papers), {} runs per scenario, {}",
        args.root.display(),
        count_papers(root),
        args.runs,
        if args.engine_only {
            "engine only (LiveBuild::update)"
        } else {
            "through the server (write -> watcher -> rebuild -> served)"
        }
    );
    if args.engine_only {
        engine_only(root, &scenarios, args.runs);
    } else {
        through_server(root, &scenarios, args.runs, args.search);
    }
}

fn parse_args() -> Args {
    let mut args = Args {
        root: PathBuf::from("."),
        runs: 15,
        engine_only: false,
        search: false,
        only: None,
    };
    let mut raw = std::env::args().skip(1);
    while let Some(flag) = raw.next() {
        match flag.as_str() {
            "--root" => args.root = PathBuf::from(raw.next().expect("--root DIR")),
            "--runs" => args.runs = raw.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--engine-only" => args.engine_only = true,
            "--search" => args.search = true,
            "--only" => args.only = Some(raw.next().expect("--only TEXT")),
            "--bench" => {} // passed by `cargo bench`
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

fn scenarios(root: &Path) -> Vec<Scenario> {
    let cited = first_paper_key(root);
    let cited_too = cited.clone();
    let topics = other_topics(root, &pick_paper(root));
    let new_topic = topics[0].clone();
    vec![
        Scenario {
            name: "one paper's notes",
            file: pick_paper(root),
            edit: Box::new(|text, n| format!("{}\nEdited notes, revision {n}.\n", text.trim_end())),
        },
        Scenario {
            name: "one paper's notes, adding a citation",
            file: pick_paper(root),
            edit: Box::new(move |text, n| {
                format!(
                    "{}\n\nRevision {n} compares it with [@{cited}].\n",
                    text.trim_end()
                )
            }),
        },
        Scenario {
            name: "one paper's notes, adding a heading",
            file: pick_paper(root),
            edit: Box::new(|text, n| format!("{}\n\n## Revision {n}\n", text.trim_end())),
        },
        Scenario {
            name: "one paper's title",
            file: pick_paper(root),
            edit: Box::new(|text, n| {
                text.replacen("title: \"", &format!("title: \"(rev {n}) "), 1)
            }),
        },
        Scenario {
            name: "one paper's year",
            file: pick_paper(root),
            edit: Box::new(|text, n| shift_year(text, 1 + n as i32 % 2)),
        },
        Scenario {
            name: "one paper's topics",
            file: pick_paper(root),
            edit: Box::new(move |text, n| {
                let filed = format!("topics:\n  - {}\n", topics[n % 2]);
                text.replacen("topics:\n", &filed, 1)
            }),
        },
        Scenario {
            name: "a new paper",
            file: root.join("content/papers/zz-bench-new-paper.md"),
            edit: Box::new(move |_, n| {
                let title = format!("A Paper Added in Revision {n}");
                format!(
                    "---\ntitle: \"{title}\"\nyear: 2024\ntopics:\n  - {new_topic}\n---\nNotes.\n"
                )
            }),
        },
        Scenario {
            name: "one chapter",
            file: pick_chapter(root),
            edit: Box::new(|text, n| {
                format!("{}\n\nAn added paragraph, revision {n}.\n", text.trim_end())
            }),
        },
        Scenario {
            name: "one chapter, adding a citation",
            file: pick_chapter(root),
            edit: Box::new(move |text, n| {
                format!(
                    "{}\n\nRevision {n} also builds on @{cited_too}.\n",
                    text.trim_end()
                )
            }),
        },
        Scenario {
            name: "a template (paper.html)",
            file: root.join("templates/paper.html"),
            edit: Box::new(|text, n| {
                let marker = "{% endblock content %}";
                text.replacen(marker, &format!("<!-- revision {n} -->\n{marker}"), 1)
            }),
        },
    ]
}

/// The key of the first paper by file name: one that every scenario can cite.
fn first_paper_key(root: &Path) -> String {
    let mut papers = list(&root.join("content/papers"));
    papers.sort();
    let stem = papers[0].file_stem().expect("a paper file name");
    stem.to_string_lossy().into_owned()
}

fn engine_only(root: &Path, scenarios: &[Scenario], runs: usize) {
    let started = Instant::now();
    let (mut live, first) = LiveBuild::new(root, Some("http://127.0.0.1:1111/"));
    assert!(first.succeeded, "the site must build");
    println!("initial build: {:.1} ms", ms(started.elapsed()));
    for scenario in scenarios {
        let original = scenario.original();
        let relative = scenario.file.strip_prefix(root).unwrap().to_path_buf();
        let changed = std::slice::from_ref(&relative);
        let mut times = Vec::new();
        let mut rendered = 0;
        for n in 0..runs {
            scenario.write(&original, n);
            let started = Instant::now();
            let rebuild = live.update(changed).expect("a change");
            times.push(started.elapsed());
            assert!(rebuild.succeeded, "{:?}", rebuild.diagnostics.sorted());
            rendered = rebuild.rendered;
            if original.is_none() && n + 1 < runs {
                scenario.restore(&original);
                live.update(changed);
            }
        }
        scenario.restore(&original);
        live.update(changed);
        report(
            scenario.name,
            &times,
            &format!("{rendered} pages re-rendered"),
        );
    }
}

fn through_server(root: &Path, scenarios: &[Scenario], runs: usize, search: bool) {
    let started = Instant::now();
    let options = Options {
        root: root.to_path_buf(),
        interface: "127.0.0.1".parse().unwrap(),
        port: 0,
        quiet: true,
        search,
    };
    let server = Server::start(options).expect("server starts");
    println!(
        "server up in {:.1} ms at {}",
        ms(started.elapsed()),
        server.url()
    );
    let settle = |server: &Server, write: &dyn Fn()| {
        let rebuilds = server.status().rebuilds;
        write();
        let _ = server.wait_for_rebuild(rebuilds + 1, Duration::from_secs(120));
    };
    for scenario in scenarios {
        let original = scenario.original();
        let mut saved_to_served = Vec::new();
        let mut rebuild_times = Vec::new();
        for n in 0..runs {
            let rebuilds = server.status().rebuilds;
            let saved = Instant::now();
            scenario.write(&original, n);
            let status = server
                .wait_for_rebuild(rebuilds + 1, Duration::from_secs(120))
                .expect("rebuilt");
            assert!(status.errors.is_none(), "{:?}", status.errors);
            saved_to_served.push(saved.elapsed());
            rebuild_times.push(status.last_rebuild);
            std::thread::sleep(Duration::from_millis(50));
            if original.is_none() && n + 1 < runs {
                settle(&server, &|| scenario.restore(&original));
            }
        }
        settle(&server, &|| scenario.restore(&original));
        let rebuild_median = median(&mut rebuild_times);
        report(
            scenario.name,
            &saved_to_served,
            &format!("rebuild alone: median {:.1} ms", ms(rebuild_median)),
        );
    }
    server.stop();
}

fn report(name: &str, times: &[Duration], note: &str) {
    let mut sorted = times.to_vec();
    let median = median(&mut sorted);
    println!(
        "{name:<38} median {:>8.1} ms   min {:>8.1}   max {:>8.1}   ({note})",
        ms(median),
        ms(sorted[0]),
        ms(sorted[sorted.len() - 1]),
    );
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The paper in the middle of the sorted list: deterministic, and typical.
fn pick_paper(root: &Path) -> PathBuf {
    let mut papers = list(&root.join("content/papers"));
    papers.sort();
    papers[papers.len() / 2].clone()
}

/// The front-matter's `year:` moved by `years`.
fn shift_year(text: &str, years: i32) -> String {
    let start = text.find("\nyear: ").expect("a year") + "\nyear: ".len();
    let end = start + text[start..].find('\n').expect("a line end");
    let year: i32 = text[start..end].trim().parse().expect("a numeric year");
    format!("{}{}{}", &text[..start], year + years, &text[end..])
}

/// Two topic ids other papers are filed under and the paper `file` is not.
fn other_topics(root: &Path, file: &Path) -> [String; 2] {
    let topics_of = |path: &Path| -> Vec<String> {
        let text = read(path);
        let listed = text.split_once("\ntopics:\n").map_or("", |(_, rest)| rest);
        (listed.lines())
            .map_while(|line| line.strip_prefix("  - "))
            .map(|topic| topic.trim().trim_matches('"').to_string())
            .collect()
    };
    let own = topics_of(file);
    let mut papers = list(&root.join("content/papers"));
    papers.sort();
    let mut others = (papers.iter())
        .flat_map(|paper| topics_of(paper))
        .filter(|topic| !own.contains(topic));
    let first = others.next().expect("a topic the paper is not filed under");
    let second = others
        .find(|topic| *topic != first)
        .expect("a second such topic");
    [first, second]
}

/// The first chapter that has sections.
fn pick_chapter(root: &Path) -> PathBuf {
    let mut dirs = list(&root.join("content"));
    dirs.sort();
    dirs.into_iter()
        .filter(|d| d.is_dir() && !d.ends_with("papers"))
        .find(|d| list(d).len() > 1)
        .map(|d| d.join("_index.md"))
        .expect("a chapter with sections")
}

fn count_papers(root: &Path) -> usize {
    list(&root.join("content/papers")).len()
}

fn list(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect()
}

/// site.yaml, content/ and static/ of `from`, plus templates: the site's own, or the
/// built-in ones (the repository's templates/) when it has none.
fn copy_site(from: &Path, to: &Path) {
    std::fs::copy(from.join("site.yaml"), to.join("site.yaml")).expect("site.yaml");
    copy_dir(&from.join("content"), &to.join("content"));
    let templates = if from.join("templates").is_dir() {
        from.join("templates")
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")
    };
    copy_dir(&templates, &to.join("templates"));
    if from.join("static").is_dir() {
        copy_dir(&from.join("static"), &to.join("static"));
    }
}
