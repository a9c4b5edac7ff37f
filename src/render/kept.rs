//! What the renderer writes per paper (a table row, a list entry, a reference in HTML),
//! kept from one render to the next while what it was written from is the same.
//!
//! `serve` keeps [`super::PreparedParts`] between rebuilds, and with them these; a
//! full rebuild prepares new ones, so nothing outlives a change to the templates,
//! the topics or the base path, which every entry also reads.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use crate::hash::{FastMap, hash_of};
use crate::model::PaperFields;

/// Paper key -> what its value was written from (a hash, a formatted reference) and
/// the value.
pub(super) struct Kept<T, V>(Mutex<HashMap<String, (T, V), foldhash::fast::RandomState>>);

impl<T, V> Default for Kept<T, V> {
    fn default() -> Self {
        Kept(Mutex::default())
    }
}

impl<T: PartialEq + Send + Sync, V: Send + Sync> Kept<T, V> {
    /// Gives `read` the value of each of `keys`, in order: kept where `made` (what the
    /// value is written from) is unchanged, written by `write` otherwise. Values are
    /// written outside the lock, as other pages are rendered meanwhile.
    pub(super) fn with<R, E: Send>(
        &self,
        keys: &[&str],
        made: impl Fn(&str) -> T + Sync,
        write: impl Fn(&str) -> Result<V, E> + Sync,
        read: impl FnOnce(Vec<&V>) -> R,
    ) -> Result<R, E> {
        let lock = || self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let made: Vec<T> = keys.par_iter().map(|key| made(key)).collect();
        let stale: Vec<usize> = {
            let kept = lock();
            let unchanged = |i: &usize| kept.get(keys[*i]).is_some_and(|(was, _)| *was == made[*i]);
            (0..keys.len()).filter(|i| !unchanged(i)).collect()
        };
        let fresh: Vec<(usize, V)> = (stale.into_par_iter())
            .map(|i| Ok((i, write(keys[i])?)))
            .collect::<Result<_, E>>()?;
        let mut kept = lock();
        let mut made: Vec<Option<T>> = made.into_iter().map(Some).collect();
        for (i, value) in fresh {
            if let Some(made) = made[i].take() {
                kept.insert(keys[i].to_string(), (made, value));
            }
        }
        Ok(read(keys.iter().map(|key| &kept[*key].1).collect()))
    }
}

/// Each listed paper's fields hash, kept with the fields it was computed from: every
/// table page and list checks all its papers' fields on each render, and comparing
/// them with the kept copy costs a fraction of hashing them again.
#[derive(Default)]
pub(super) struct FieldsHashes(Mutex<FastMap<String, (PaperFields, u64)>>);

impl FieldsHashes {
    /// The hash of `fields`, the fields of paper `key` (none for an unknown key).
    pub(super) fn of(&self, key: &str, fields: Option<&PaperFields>) -> u64 {
        let lock = || self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(fields) = fields else {
            return hash_of(&fields);
        };
        if let Some((kept, hash)) = lock().get(key)
            && kept == fields
        {
            return *hash;
        }
        let hash = hash_of(&Some(fields));
        lock().insert(key.to_string(), (fields.clone(), hash));
        hash
    }
}
