//! Containers that know what was read of them and what changed in them since.
//!
//! Every rebuild of `serve` has to find the reads of some job that answer
//! differently now ([`crate::render::reads`]). Hashing every read's answer again
//! costs time in proportion to the site, not to the edit; these containers let the
//! engine skip the reads whose answer cannot have changed, without a list of what
//! each read depends on:
//!
//! - while a read's answer is hashed inside [`witness`], every container it reaches
//!   notes what was read of it: one key of a [`Keyed`] map, or the whole container;
//! - every way to change a container marks what changed, with the time of a shared
//!   clock: the key for [`Keyed::insert`], [`Keyed::get_mut`] and the like, the whole
//!   container for anything reached through `&mut` dereferencing;
//! - a [`Witness`] then still holds when none of what it noted changed after it was
//!   taken, in containers that are still the ones the data holds ([`Logs`]): a
//!   container built or cloned since has a new id, which no witness names.
//!
//! Reads outside [`witness`] note nothing and cost one thread-local check. The notes
//! are kept per thread, so a witnessed read must not hand work to other threads:
//! what they read would go unnoted (debug builds of the engine check every reused
//! fingerprint, and the equivalence tests in `tests/serve_incremental.rs` would fail).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;
use std::hash::Hash;
use std::ops::{Deref, DerefMut, Index};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hash::hash_of;

/// The shared clock: ids of containers and times of changes and witnesses, all
/// distinct and increasing.
static CLOCK: AtomicU64 = AtomicU64::new(1);

fn tick() -> u64 {
    CLOCK.fetch_add(1, Ordering::Relaxed)
}

/// The key of an access to a whole container (a key's hash that happens to equal it
/// only makes that key's reads look stale more often).
const WHOLE: u64 = u64::MAX;

thread_local! {
    /// What the read now being witnessed on this thread touched, if one is.
    static NOTED: RefCell<Option<Vec<Access>>> = const { RefCell::new(None) };
}

/// One container, and one key of it or [`WHOLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Access {
    container: u64,
    key: u64,
}

/// Notes an access if a read is being witnessed on this thread. The key comes
/// from a closure so that reads outside a witness (all of `build` and `check`)
/// do not hash it.
fn note(container: u64, key: impl FnOnce() -> u64) {
    NOTED.with(|noted| {
        if let Some(accesses) = noted.borrow_mut().as_mut() {
            accesses.push(Access {
                container,
                key: key(),
            });
        }
    });
}

/// What one run of a closure read of the tracked containers, and when.
#[derive(Debug, Clone)]
pub struct Witness {
    at: u64,
    accesses: Box<[Access]>,
}

/// Runs `read` (which must not change any container), noting what it reads.
pub fn witness<T>(read: impl FnOnce() -> T) -> (T, Witness) {
    let at = tick();
    let outer = NOTED.with(|noted| noted.borrow_mut().replace(Vec::new()));
    let answer = read();
    let mut accesses = NOTED.with(|noted| std::mem::replace(&mut *noted.borrow_mut(), outer));
    let mut accesses = accesses.take().unwrap_or_default();
    accesses.sort_unstable();
    accesses.dedup();
    let witness = Witness {
        at,
        accesses: accesses.into_boxed_slice(),
    };
    (answer, witness)
}

impl Witness {
    /// True when nothing this witness noted has changed since, in `logs`: the
    /// containers the data holds now.
    pub fn holds(&self, logs: &Logs) -> bool {
        self.accesses.iter().all(|access| {
            let Some(log) = logs.0.iter().find(|log| log.id == access.container) else {
                return false;
            };
            if access.key == WHOLE {
                log.any < self.at
            } else {
                log.whole < self.at && log.keys.get(&access.key).is_none_or(|t| *t < self.at)
            }
        })
    }
}

/// When each part of one container last changed.
#[derive(Debug)]
pub struct ChangeLog {
    id: u64,
    /// The last change of the whole container.
    whole: u64,
    /// The last change of anything in it.
    any: u64,
    /// Key hash -> its last change.
    keys: crate::hash::FastMap<u64, u64>,
}

impl Default for ChangeLog {
    fn default() -> Self {
        let id = tick();
        ChangeLog {
            id,
            whole: id,
            any: id,
            keys: Default::default(),
        }
    }
}

impl ChangeLog {
    fn mark_whole(&mut self) {
        self.whole = tick();
        self.any = self.whole;
    }

    fn mark(&mut self, key: u64) {
        let now = tick();
        self.keys.insert(key, now);
        self.any = now;
    }
}

/// The change logs of the containers some data holds now, as witnesses are checked
/// against them.
#[derive(Default)]
pub struct Logs<'a>(Vec<&'a ChangeLog>);

impl<'a> Logs<'a> {
    pub fn add(&mut self, container: &'a impl Track) -> &mut Self {
        self.0.push(container.log());
        self
    }
}

/// A container with a [`ChangeLog`].
pub trait Track {
    fn log(&self) -> &ChangeLog;
}

/// A value read and changed only as a whole.
pub struct Tracked<T> {
    value: T,
    log: ChangeLog,
}

impl<T> Tracked<T> {
    pub fn new(value: T) -> Self {
        Tracked {
            value,
            log: ChangeLog::default(),
        }
    }
}

impl<T> Track for Tracked<T> {
    fn log(&self) -> &ChangeLog {
        &self.log
    }
}

impl<T> From<T> for Tracked<T> {
    fn from(value: T) -> Self {
        Tracked::new(value)
    }
}

impl<T: Default> Default for Tracked<T> {
    fn default() -> Self {
        Tracked::new(T::default())
    }
}

/// A clone is another container: it gets an id of its own.
impl<T: Clone> Clone for Tracked<T> {
    fn clone(&self) -> Self {
        Tracked::new(self.value.clone())
    }
}

impl<T: fmt::Debug> fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T> Deref for Tracked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        note(self.log.id, || WHOLE);
        &self.value
    }
}

impl<T> DerefMut for Tracked<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.log.mark_whole();
        &mut self.value
    }
}

impl<'a, T> IntoIterator for &'a Tracked<T>
where
    &'a T: IntoIterator,
{
    type Item = <&'a T as IntoIterator>::Item;
    type IntoIter = <&'a T as IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        (**self).into_iter()
    }
}

/// A map by string key whose entries are read and changed one by one; anything done
/// through the map itself (iterating, `&mut` dereferencing) reads or changes it whole.
pub struct Keyed<V> {
    map: BTreeMap<String, V>,
    log: ChangeLog,
}

impl<V> Keyed<V> {
    pub fn new(map: BTreeMap<String, V>) -> Self {
        Keyed {
            map,
            log: ChangeLog::default(),
        }
    }

    pub fn into_map(self) -> BTreeMap<String, V> {
        self.map
    }

    fn read<Q: Hash + ?Sized>(&self, key: &Q) {
        note(self.log.id, || hash_of(&key));
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        String: std::borrow::Borrow<Q>,
        Q: Ord + Hash + ?Sized,
    {
        self.read(key);
        self.map.get(key)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        String: std::borrow::Borrow<Q>,
        Q: Ord + Hash + ?Sized,
    {
        self.read(key);
        self.map.contains_key(key)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        String: std::borrow::Borrow<Q>,
        Q: Ord + Hash + ?Sized,
    {
        self.log.mark(hash_of(&key));
        self.map.get_mut(key)
    }

    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        self.log.mark(hash_of(&key.as_str()));
        self.map.insert(key, value)
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        String: std::borrow::Borrow<Q>,
        Q: Ord + Hash + ?Sized,
    {
        self.log.mark(hash_of(&key));
        self.map.remove(key)
    }

    /// Makes the map equal to `entries` (in key order), marking only the keys whose
    /// value is new, different or gone.
    pub fn sync(&mut self, entries: impl IntoIterator<Item = (String, V)>)
    where
        V: PartialEq,
    {
        let mut old = std::mem::take(&mut self.map).into_iter().peekable();
        for (key, value) in entries {
            while let Some((gone, _)) = old.next_if(|(before, _)| *before < key) {
                self.log.mark(hash_of(&gone.as_str()));
            }
            let kept = old.next_if(|(before, _)| *before == key);
            if kept.is_none_or(|(_, before)| before != value) {
                self.log.mark(hash_of(&key.as_str()));
            }
            self.map.insert(key, value);
        }
        for (gone, _) in old {
            self.log.mark(hash_of(&gone.as_str()));
        }
    }

    pub fn entry(&mut self, key: String) -> Entry<'_, String, V> {
        self.log.mark(hash_of(&key.as_str()));
        self.map.entry(key)
    }
}

impl<V> Track for Keyed<V> {
    fn log(&self) -> &ChangeLog {
        &self.log
    }
}

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Keyed::new(BTreeMap::new())
    }
}

impl<V> From<BTreeMap<String, V>> for Keyed<V> {
    fn from(map: BTreeMap<String, V>) -> Self {
        Keyed::new(map)
    }
}

impl<V> FromIterator<(String, V)> for Keyed<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(entries: I) -> Self {
        Keyed::new(entries.into_iter().collect())
    }
}

impl<V> Extend<(String, V)> for Keyed<V> {
    fn extend<I: IntoIterator<Item = (String, V)>>(&mut self, entries: I) {
        for (key, value) in entries {
            self.insert(key, value);
        }
    }
}

/// A clone is another container: it gets an id of its own.
impl<V: Clone> Clone for Keyed<V> {
    fn clone(&self) -> Self {
        Keyed::new(self.map.clone())
    }
}

impl<V: fmt::Debug> fmt::Debug for Keyed<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.map.fmt(f)
    }
}

impl<V> Deref for Keyed<V> {
    type Target = BTreeMap<String, V>;
    fn deref(&self) -> &Self::Target {
        note(self.log.id, || WHOLE);
        &self.map
    }
}

impl<V> DerefMut for Keyed<V> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.log.mark_whole();
        &mut self.map
    }
}

impl<V, Q> Index<&Q> for Keyed<V>
where
    String: std::borrow::Borrow<Q>,
    Q: Ord + Hash + ?Sized,
{
    type Output = V;
    fn index(&self, key: &Q) -> &V {
        self.read(key);
        &self.map[key]
    }
}

impl<'a, V> IntoIterator for &'a Keyed<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = std::collections::btree_map::Iter<'a, String, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed() -> Keyed<u32> {
        [("a".to_string(), 1), ("b".to_string(), 2)]
            .into_iter()
            .collect()
    }

    fn holds(seen: &Witness, container: &impl Track) -> bool {
        seen.holds(Logs::default().add(container))
    }

    #[test]
    fn a_read_of_one_key_holds_until_that_key_changes() {
        let mut map = keyed();
        let (answer, seen) = witness(|| map.get("a").copied());
        assert_eq!(answer, Some(1));
        map.insert("b".to_string(), 3);
        assert!(holds(&seen, &map), "another key changed");
        *map.get_mut("a").unwrap() = 5;
        assert!(!holds(&seen, &map), "the key read changed");
    }

    #[test]
    fn a_read_of_a_missing_key_fails_when_it_is_added() {
        let mut map = keyed();
        let (_, seen) = witness(|| map.contains_key("c"));
        map.entry("c".to_string()).or_insert(7);
        assert!(!holds(&seen, &map));
    }

    #[test]
    fn iterating_reads_the_whole_map() {
        let mut map = keyed();
        let (_, seen) = witness(|| map.values().sum::<u32>());
        assert!(holds(&seen, &map));
        map.remove("a");
        assert!(!holds(&seen, &map), "any change changes the whole");
    }

    #[test]
    fn a_change_through_the_map_changes_every_key() {
        let mut map = keyed();
        let (_, seen) = witness(|| map["b"]);
        map.retain(|key, _| key != "a");
        assert!(!holds(&seen, &map));
    }

    #[test]
    fn a_witness_of_a_container_the_data_no_longer_holds_fails() {
        let value = Tracked::new(vec![1, 2]);
        let (_, seen) = witness(|| value.len());
        assert!(holds(&seen, &value));
        let copy = value.clone();
        assert!(!holds(&seen, &copy), "a clone is another container");
        let mut value = value;
        value.push(3);
        assert!(!holds(&seen, &value));
    }

    #[test]
    fn a_sync_changes_only_the_keys_whose_value_differs() {
        let mut map = keyed();
        let (_, a) = witness(|| map.get("a").copied());
        let (_, b) = witness(|| map.get("b").copied());
        let (_, c) = witness(|| map.get("c").copied());
        map.sync([("a".to_string(), 1), ("c".to_string(), 3)]);
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            [(&"a".into(), &1), (&"c".into(), &3)]
        );
        assert!(holds(&a, &map), "unchanged");
        assert!(!holds(&b, &map), "gone");
        assert!(!holds(&c, &map), "new");
    }

    #[test]
    fn reads_outside_a_witness_note_nothing() {
        let map = keyed();
        let _ = map.get("a");
        let (_, seen) = witness(|| ());
        assert!(seen.accesses.is_empty());
    }
}
