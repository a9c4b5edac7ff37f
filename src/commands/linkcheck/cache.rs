//! The link cache, `.survey-cache/links.json`: for each URL that answered, when and how.
//!
//! Invariants: only answers that are not dead are kept (a dead link is asked again on
//! every run, so a fixed one clears at once); an unreadable or foreign cache file is
//! treated as empty, never as an error; the file is written sorted, so it diffs well.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::Outcome;

const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cache {
    version: u32,
    links: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Seconds since 1970 (UTC) when the URL answered.
    checked: u64,
    status: u16,
}

impl Cache {
    /// The cache at `path`, or an empty one.
    pub fn load(path: &Path) -> Self {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<Cache>(&text).ok())
            .filter(|cache| cache.version == VERSION)
            .unwrap_or(Cache {
                version: VERSION,
                links: BTreeMap::new(),
            })
    }

    /// Did `url` answer within `max_age` before `now`?
    pub fn is_fresh(&self, url: &str, now: u64, max_age: Duration) -> bool {
        self.links
            .get(url)
            .is_some_and(|entry| now.saturating_sub(entry.checked) < max_age.as_secs())
    }

    /// Keeps a live or unverified answer; forgets a dead one.
    pub fn record(&mut self, url: &str, outcome: &Outcome, now: u64) {
        match outcome {
            Outcome::Alive(status) | Outcome::Unverified(status) => {
                self.links.insert(
                    url.to_string(),
                    Entry {
                        checked: now,
                        status: *status,
                    },
                );
            }
            Outcome::Dead(_) => {
                self.links.remove(url);
            }
        }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let text = serde_json::to_string_pretty(self).context("cannot encode the link cache")?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write the link cache {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_good_answers_for_max_age_and_forgets_dead_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c/links.json");
        let mut cache = Cache::load(&path);
        cache.record("https://a.org/", &Outcome::Alive(200), 1_000);
        cache.record("https://b.org/", &Outcome::Dead("status 404".into()), 1_000);
        cache.save(&path).unwrap();
        let cache = Cache::load(&path);
        let day = Duration::from_secs(86_400);
        assert!(cache.is_fresh("https://a.org/", 1_000 + 3_600, day));
        assert!(!cache.is_fresh("https://a.org/", 1_000 + 86_400, day));
        assert!(!cache.is_fresh("https://b.org/", 1_000, day));
    }

    #[test]
    fn a_broken_cache_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.json");
        std::fs::write(&path, "{not json").unwrap();
        assert!(!Cache::load(&path).is_fresh("https://a.org/", 0, Duration::MAX));
    }
}
