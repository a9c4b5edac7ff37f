//! The one hasher of every cache key and fingerprint in the engine.
//!
//! foldhash's quality variant with a fixed seed: faster than the standard SipHash at
//! the same 64-bit width, and the same for equal values in every run, so hashes can be
//! compared across rebuilds. Nothing hashed here comes from the network, so the fixed
//! seed exposes no map to flooding.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

/// Hash maps keyed by the thousands of jobs or papers of a large site, looked up on
/// every rebuild: foldhash hashes such short keys faster than SipHash, and
/// nothing here is keyed by input from the network.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// A hash of `value`, equal for equal values in every run of this build of the tool.
pub fn hash_of(value: &impl Hash) -> u64 {
    foldhash::quality::FixedState::with_seed(0x5eed_5eed).hash_one(value)
}
