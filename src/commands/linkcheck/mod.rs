//! `survey check --links`: every external URL of the content, checked over HTTP.
//!
//! [`collect()`] finds the URLs with their file:line:column (papers' `url` and `code`
//! fields, every `http(s)` link and image in a Markdown body); [`check`] asks each
//! distinct URL once, with a concurrency limit, a minimum interval between two requests
//! to the same host and the client's timeouts and retries; [`cache`] remembers good
//! answers with their time, so a run within [`Options::max_age`] of the last skips them.
//! Dead links are warnings (errors under `--deny-warnings`, as every warning).

pub mod cache;
pub mod collect;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use collect::{ExternalLink, collect};

use crate::commands::http::{self, Client};
use crate::diagnostics::Diagnostic;

/// How the links are checked.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The least time between two requests to the same host.
    pub host_interval: Duration,
    /// How long a good answer is trusted.
    pub max_age: Duration,
    pub http: http::Settings,
}

impl Options {
    /// Defaults (8 at once, 1 s per host, good answers kept 6 days, so a weekly run
    /// checks everything again), adjustable by `SURVEY_LINKS_CONCURRENCY`,
    /// `SURVEY_LINKS_HOST_INTERVAL_MS`, `SURVEY_LINKS_MAX_AGE_HOURS` and the HTTP settings.
    pub fn from_env() -> Self {
        let number = http::env_number;
        Options {
            concurrency: number("SURVEY_LINKS_CONCURRENCY")
                .map_or(8, |n| n.clamp(1.0, 64.0) as usize),
            host_interval: Duration::from_millis(
                number("SURVEY_LINKS_HOST_INTERVAL_MS").map_or(1000, |n| n.max(0.0) as u64),
            ),
            max_age: Duration::from_secs(
                number("SURVEY_LINKS_MAX_AGE_HOURS").map_or(6 * 24, |n| n.max(0.0) as u64) * 3600,
            ),
            http: http::Settings::from_env(),
        }
    }
}

/// What one URL answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer, after redirects.
    Alive(u16),
    /// The host refused to tell a robot (401, 403, 429): not reported, not proven dead.
    Unverified(u16),
    /// Why the link is dead.
    Dead(String),
}

impl Outcome {
    fn of(answer: Result<u16, String>) -> Self {
        match answer {
            Ok(status @ 200..=299) => Outcome::Alive(status),
            Ok(status @ (401 | 403 | 429)) => Outcome::Unverified(status),
            Ok(status @ 300..=399) => Outcome::Dead(format!(
                "status {status}, a redirect without a usable destination"
            )),
            Ok(status) => Outcome::Dead(format!("status {status}")),
            Err(reason) => Outcome::Dead(reason),
        }
    }
}

/// Checks the external links of the site at `root`, reading and updating its cache.
/// Returns a warning per dead link, and prints a one-line summary to stderr.
pub fn run(root: &Path, sources: &crate::load::Sources, options: &Options) -> Vec<Diagnostic> {
    let links = collect(sources);
    let cache_path = root.join(crate::paths::LINKS_CACHE_FILE);
    let mut cache = cache::Cache::load(&cache_path);
    let now = unix_now();
    let distinct: Vec<String> = links
        .iter()
        .map(|l| l.url.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (fresh, stale): (Vec<String>, Vec<String>) = distinct
        .into_iter()
        .partition(|url| cache.is_fresh(url, now, options.max_age));
    eprintln!(
        "checking {} external links ({} distinct, {} answered recently and skipped)",
        links.len(),
        fresh.len() + stale.len(),
        fresh.len()
    );
    let outcomes = check(&stale, &Client::new(options.http), options);
    if let Some(offline) = offline(&outcomes) {
        return vec![offline];
    }
    for (url, outcome) in &outcomes {
        cache.record(url, outcome, now);
    }
    if let Err(error) = cache.save(&cache_path) {
        eprintln!("warning: {error:#}");
    }
    warnings(&links, &outcomes)
}

/// One error instead of a warning per link when no host name resolved at all (three
/// links or more): the machine is offline, which says nothing about the links.
fn offline(outcomes: &BTreeMap<String, Outcome>) -> Option<Diagnostic> {
    let unresolved = |outcome: &Outcome| matches!(outcome, Outcome::Dead(reason) if reason.starts_with(crate::commands::http::UNRESOLVED));
    (outcomes.len() >= 3 && outcomes.values().all(unresolved)).then(|| {
        Diagnostic::error(
            crate::paths::CONFIG_FILE,
            format!(
                "no external link could be checked: none of the {} addresses' host names resolves",
                outcomes.len()
            ),
        )
        .help("check the network connection (is this machine offline?) and run `survey check --links` again")
    })
}

/// One warning per place a dead URL is written.
fn warnings(links: &[ExternalLink], outcomes: &BTreeMap<String, Outcome>) -> Vec<Diagnostic> {
    links
        .iter()
        .filter_map(|link| match outcomes.get(&link.url) {
            Some(Outcome::Dead(reason)) => Some(
                Diagnostic::warning(&link.path, format!("dead link `{}`: {reason}", link.url))
                    .at(link.position)
                    .span(link.url.chars().count())
                    .help("update the address (a moved page usually has a new one) or remove the link"),
            ),
            _ => None,
        })
        .collect()
}

/// Asks each URL once; at most `concurrency` at a time and one per `host_interval` per host.
pub fn check(urls: &[String], client: &Client, options: &Options) -> BTreeMap<String, Outcome> {
    let queue = Mutex::new(urls.iter().cloned().collect::<VecDeque<_>>());
    let schedule = Mutex::new(HashMap::<String, Instant>::new());
    let results = Mutex::new(BTreeMap::new());
    // Hosts whose name did not resolve: their other URLs share the answer, unasked.
    let unresolved = Mutex::new(HashMap::<String, Outcome>::new());
    let workers = options.concurrency.min(urls.len()).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(url) = next(&queue) {
                    let host = host_of(&url);
                    let known = lock(&unresolved).get(&host).cloned();
                    let outcome = known.unwrap_or_else(|| {
                        wait_for_turn(&schedule, &host, options.host_interval);
                        Outcome::of(client.status(&url))
                    });
                    if matches!(&outcome, Outcome::Dead(r) if r.starts_with(http::UNRESOLVED)) {
                        lock(&unresolved).insert(host, outcome.clone());
                    }
                    lock(&results).insert(url, outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn next(queue: &Mutex<VecDeque<String>>) -> Option<String> {
    lock(queue).pop_front()
}

/// A poisoned lock only means another worker panicked; its data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reserves the host's next free slot and sleeps until it comes.
fn wait_for_turn(schedule: &Mutex<HashMap<String, Instant>>, host: &str, interval: Duration) {
    let turn = {
        let mut schedule = lock(schedule);
        let now = Instant::now();
        let turn = schedule
            .get(host)
            .copied()
            .filter(|t| *t > now)
            .unwrap_or(now);
        schedule.insert(host.to_string(), turn + interval);
        turn
    };
    std::thread::sleep(turn.saturating_duration_since(Instant::now()));
}

/// The host (with port) of a URL, the unit of rate limiting.
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
        })
        .unwrap_or_else(|| url.to_string())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The cache file of the site at `root`.
pub fn cache_path(root: &Path) -> PathBuf {
    root.join(crate::paths::LINKS_CACHE_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(Outcome::of(Ok(200)), Outcome::Alive(200));
        assert_eq!(Outcome::of(Ok(403)), Outcome::Unverified(403));
        assert_eq!(Outcome::of(Ok(404)), Outcome::Dead("status 404".into()));
        assert_eq!(Outcome::of(Err("x".into())), Outcome::Dead("x".into()));
    }

    #[test]
    fn requests_to_one_host_are_spaced() {
        let schedule = Mutex::new(HashMap::new());
        let started = Instant::now();
        for _ in 0..3 {
            wait_for_turn(&schedule, "a:80", Duration::from_millis(50));
        }
        wait_for_turn(&schedule, "b:80", Duration::from_millis(50));
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(400), "{elapsed:?}");
    }

    #[test]
    fn an_offline_machine_is_one_error_not_a_warning_per_link() {
        let unresolved = Outcome::Dead(format!("{}: x", crate::commands::http::UNRESOLVED));
        let mut outcomes: BTreeMap<String, Outcome> = (0..3)
            .map(|i| (format!("https://h{i}.org/"), unresolved.clone()))
            .collect();
        assert!(offline(&outcomes).is_some());
        outcomes.insert("https://ok.org/".into(), Outcome::Alive(200));
        assert!(
            offline(&outcomes).is_none(),
            "one host answered: not offline"
        );
    }

    #[test]
    fn hosts_include_the_port() {
        assert_eq!(host_of("https://arxiv.org/abs/1"), "arxiv.org:443");
        assert_eq!(host_of("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
    }
}
