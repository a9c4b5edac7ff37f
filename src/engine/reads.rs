//! Every distinct read some job made, numbered, with its fingerprint as of the last
//! rebuild. Jobs hold the numbers: a large site's jobs make hundreds of thousands of
//! reads but only a fifth of them distinct, and finding the jobs that read something
//! that changed becomes a look-up by number instead of hashing every read again.
//!
//! Invariant: every number a job holds names an entry of the table (the engine drops
//! the table with the jobs, and [`ReadTable::keep_used`] renumbers both together).

use indexmap::IndexMap;
use rayon::prelude::*;

use crate::render::reads::{Data, Read};
use crate::tracked::{self, Logs, Witness};

/// A read's number in the [`ReadTable`].
pub(super) type ReadId = u32;

#[derive(Default)]
pub(super) struct ReadTable {
    reads: IndexMap<Read, Print, foldhash::fast::RandomState>,
}

impl ReadTable {
    /// A table of saved reads, numbered in order; `None` if there are too many.
    pub(super) fn restore(saved: Vec<(Read, u64)>) -> Option<Self> {
        ReadId::try_from(saved.len()).ok()?;
        let reads = (saved.into_iter())
            .map(|(read, hash)| (read, Print::bare(hash)))
            .collect();
        Some(ReadTable { reads })
    }

    /// Every read with its fingerprint, by number.
    pub(super) fn saved(&self) -> impl Iterator<Item = (&Read, u64)> {
        self.reads.iter().map(|(read, print)| (read, print.hash))
    }

    pub(super) fn clear(&mut self) {
        self.reads.clear();
    }

    /// `reads` with the numbers of those the table holds already. It reads the table
    /// only, so the jobs of a chunk look up their reads in parallel where they were
    /// rendered, and [`ReadTable::number`] is left the reads new to the table: a table
    /// page replays the reads of its hundred rows, almost all known after an edit.
    pub(super) fn look_up(&self, reads: Box<[Read]>) -> Vec<Result<ReadId, Read>> {
        (reads.into_vec().into_iter())
            .map(|read| match self.reads.get_index_of(&read) {
                Some(id) => Ok(id as ReadId),
                None => Err(read),
            })
            .collect()
    }

    /// The numbers of `reads` ([`ReadTable::look_up`]'s), each new one fingerprinted
    /// against `data`. Numbers only grow while jobs are numbered (nothing is removed
    /// before [`ReadTable::keep_used`]), so those looked up before stay right.
    pub(super) fn number(
        &mut self,
        reads: Vec<Result<ReadId, Read>>,
        data: Data,
        witness: bool,
    ) -> Box<[ReadId]> {
        (reads.into_iter())
            .map(|read| match read {
                Ok(id) => id,
                Err(read) => {
                    let entry = self.reads.entry(read);
                    let id = entry.index();
                    entry.or_insert_with_key(|read| Print::new(read, data, witness));
                    id as ReadId
                }
            })
            .collect()
    }

    /// Fingerprints again, against `data`, every read whose answer may have changed;
    /// returns which ones did change, by number.
    pub(super) fn refresh(&mut self, data: Data, witness: bool) -> Changed {
        let logs = data.logs();
        let changed: Vec<bool> = (self.reads.par_iter_mut())
            .map(|(read, print)| {
                if print.holds(&logs) {
                    debug_assert_eq!(print.hash, read.fingerprint(data), "{read:?} went unseen");
                    return false;
                }
                let before = print.hash;
                *print = Print::new(read, data, witness);
                print.hash != before
            })
            .collect();
        let any = changed.contains(&true);
        Changed { changed, any }
    }

    /// Drops the reads no job in `jobs` holds and numbers the rest anew, in order,
    /// rewriting the jobs' numbers.
    pub(super) fn keep_used<'a>(&mut self, jobs: impl Iterator<Item = &'a mut Box<[ReadId]>>) {
        let jobs: Vec<&mut Box<[ReadId]>> = jobs.collect();
        let mut renumbered: Vec<Option<ReadId>> = vec![None; self.reads.len()];
        for id in jobs.iter().flat_map(|ids| ids.iter()) {
            renumbered[*id as usize] = Some(0);
        }
        let mut next = 0;
        for number in renumbered.iter_mut().flatten() {
            *number = next;
            next += 1;
        }
        if next as usize == self.reads.len() {
            return;
        }
        let mut index = 0;
        self.reads.retain(|_, _| {
            index += 1;
            renumbered[index - 1].is_some()
        });
        for ids in jobs {
            for id in ids.iter_mut() {
                *id = renumbered[*id as usize].unwrap_or(*id);
            }
        }
    }
}

/// Which reads changed in a [`ReadTable::refresh`].
pub(super) struct Changed {
    changed: Vec<bool>,
    any: bool,
}

impl Changed {
    /// Whether any of the reads `ids` changed.
    pub(super) fn any_of(&self, ids: &[ReadId]) -> bool {
        self.any && ids.iter().any(|id| self.changed[*id as usize])
    }
}

/// A read's fingerprint, with what its answer was made of when the engine will be
/// updated ([`super::Pages::patches`]): while that is unchanged, so is the
/// fingerprint.
struct Print {
    hash: u64,
    witness: Option<Witness>,
}

impl Print {
    fn new(read: &Read, data: Data, witness: bool) -> Self {
        if !witness {
            return Print::bare(read.fingerprint(data));
        }
        let (hash, witness) = tracked::witness(|| read.fingerprint(data));
        Print {
            hash,
            witness: Some(witness),
        }
    }

    /// A fingerprint alone (saved by another process, or not witnessed): computed
    /// again on every rebuild.
    fn bare(hash: u64) -> Self {
        Print {
            hash,
            witness: None,
        }
    }

    /// Whether the fingerprint is still known to be right, without computing it.
    fn holds(&self, logs: &Logs) -> bool {
        self.witness.as_ref().is_some_and(|w| w.holds(logs))
    }
}
