//! `survey serve` under load while its files change: loopback clients fetch pages
//! without pause while a sequence of edits runs. Every response must be a complete
//! page of one build (a page never mixes two builds, and two pages of one build
//! never disagree), no request may fail, and memory must stay flat.
//!
//! Bounded for the test command: 8 clients for 4 s. The long run of
//! `docs/benchmarks.md` sets `SURVEY_LOAD_CLIENTS=32 SURVEY_LOAD_SECONDS=20`.

mod common;
mod serve_client;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::TestSite;
use serve_client::{Response, eventually, get, token_of};
use survey::serve::{Options, Server};

const PAPER: &str = "content/papers/beta2022second.md";
const ORIGINAL_TITLE: &str = "Beta & the <Second> Idea";
/// The original title as the pages print it.
const ORIGINAL_PRINTED: &str = "Beta &amp; the &lt;Second&gt; Idea";
const REVISED: &str = "Beta, Revision ";
/// The paper's own page and a chapter that cites it: both print the title.
const PAGES: [&str; 2] = ["/papers/beta2022second/", "/methods/"];

/// What each build served: per page, a hash of its bytes and the title edit it shows.
/// The clients share one tally instead of keeping every response, so that the
/// memory measured is the server's.
#[derive(Default)]
struct Tally {
    responses: usize,
    pages: BTreeMap<(&'static str, String), (u64, u64)>,
}

impl Tally {
    /// Checks one response and records it; two answers of one build must agree.
    fn record(&mut self, page: &'static str, response: &Response) {
        let html = response.text();
        assert_eq!(response.status, 200, "{page}");
        assert!(
            html.trim_end().ends_with("</html>"),
            "a truncated {page} was served"
        );
        let build = token_of(&html);
        let revision =
            revision_of(&html).unwrap_or_else(|mix| panic!("{page} mixes builds: {mix}"));
        let mut hasher = DefaultHasher::new();
        response.body.hash(&mut hasher);
        let seen = (hasher.finish(), revision);
        let first = *self.pages.entry((page, build)).or_insert(seen);
        assert_eq!(first, seen, "{page} differs within one build");
        self.responses += 1;
    }

    /// The title edit each build shows, checking that all its pages agree.
    fn revision_per_build(&self) -> BTreeMap<&str, u64> {
        let mut shown = BTreeMap::new();
        for ((_, build), (_, revision)) in &self.pages {
            let first = *shown.entry(build.as_str()).or_insert(*revision);
            assert_eq!(
                first, *revision,
                "the pages of one build disagree on the title"
            );
        }
        shown
    }
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Which edit of the title a page shows: 0 for the original.
fn revision_of(html: &str) -> Result<u64, String> {
    let revised: BTreeSet<u64> = html
        .match_indices(REVISED)
        .filter_map(|(at, _)| {
            let digits: String = html[at + REVISED.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect();
    let original = html.contains(ORIGINAL_PRINTED);
    match (original, revised.len()) {
        (true, 0) => Ok(0),
        (false, 1) => Ok(*revised.first().unwrap()),
        _ => Err(format!(
            "original title shown: {original}, revisions shown: {revised:?}"
        )),
    }
}

fn client(address: SocketAddr, stop: &AtomicBool, tally: &Mutex<Tally>, first: usize) {
    let mut next = first;
    while !stop.load(Ordering::Relaxed) {
        let page = PAGES[next % PAGES.len()];
        let response = get(address, page);
        tally.lock().unwrap().record(page, &response);
        next += 1;
    }
}

/// Resident memory of this process (server and clients), in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc is mounted");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

/// Edits the paper's title again and again until `until`, each time waiting for the
/// server to serve the new build. Returns the resident memory after each edit.
fn edit_until(site: &TestSite, server: &Server, until: Instant) -> Vec<u64> {
    let original = site.read(PAPER);
    let path = site.root().join(PAPER);
    let mut memory = Vec::new();
    let mut revision = 0;
    while Instant::now() < until {
        revision += 1;
        let text = original.replace(ORIGINAL_TITLE, &format!("{REVISED}{revision}"));
        std::fs::write(&path, text).unwrap();
        eventually(&format!("edit {revision} to be served"), || {
            let html = get(server.address(), PAGES[0]).text();
            (revision_of(&html) == Ok(revision)).then_some(())
        });
        memory.push(resident_kib());
    }
    memory
}

#[test]
fn pages_served_during_edits_are_whole_pages_of_one_build() {
    let clients = setting("SURVEY_LOAD_CLIENTS", 8) as usize;
    let seconds = setting("SURVEY_LOAD_SECONDS", 4);
    let site = TestSite::fixture("basic");
    let server = Server::start(Options {
        root: site.root().to_path_buf(),
        interface: "127.0.0.1".parse().unwrap(),
        port: 0,
        quiet: true,
        search: false,
    })
    .expect("the server starts");
    let address = server.address();
    let stop = &AtomicBool::new(false);
    let started = Instant::now();
    let tally = &Mutex::new(Tally::default());
    let memory = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|first| scope.spawn(move || client(address, stop, tally, first)))
            .collect();
        let memory = edit_until(&site, &server, started + Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
        for worker in workers {
            worker.join().expect("every response checks out");
        }
        memory
    });
    let tally = tally.lock().unwrap();
    let elapsed = started.elapsed();

    let edits = memory.len();
    assert!(edits >= 3, "only {edits} edits were served in {elapsed:?}");
    assert!(
        tally.responses >= clients * 20,
        "only {} requests were answered in {elapsed:?}",
        tally.responses
    );
    let builds_seen = tally.revision_per_build().len();
    assert!(
        builds_seen >= 3,
        "clients saw only {builds_seen} of the {edits} builds"
    );

    // Flat memory: the last third of the run never needs much more than the first.
    let third = (edits / 3).max(1);
    let early = memory[..third].iter().max().unwrap();
    let late = memory[edits - third..].iter().max().unwrap();
    let growth_mib = late.saturating_sub(*early) / 1024;
    assert!(
        growth_mib <= 8,
        "memory grew by {growth_mib} MiB over {edits} edits ({early} -> {late} KiB)"
    );
    eprintln!(
        "{clients} clients, {elapsed:?}: {} responses, {edits} edits, {builds_seen} builds seen, \
         resident {early} -> {late} KiB",
        tally.responses
    );
}
