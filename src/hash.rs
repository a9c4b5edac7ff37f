//! The one hasher of every cache key and fingerprint in the engine.
//!
//! foldhash's quality variant with a fixed seed: faster than the standard SipHash at
//! the same 64-bit width, and the same for equal values in every run, so hashes can be
//! compared across rebuilds. Nothing hashed here comes from the network, so the fixed
//! seed exposes no map to flooding.

use std::hash::{BuildHasher, Hash};

/// A hash of `value`, equal for equal values in every run of this build of the tool.
pub fn hash_of(value: &impl Hash) -> u64 {
    foldhash::quality::FixedState::with_seed(0x5eed_5eed).hash_one(value)
}
