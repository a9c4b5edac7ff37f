//! A test hook that kills the build at a chosen step of emitting, to prove that a
//! build killed at any moment leaves either the old or the new site.
//!
//! Every file the build writes or links, and every step of the swap, is a checkpoint.
//! With `SURVEY_TEST_KILL_AT=<n>` in the environment the process sends itself SIGKILL
//! at the n-th checkpoint (nothing runs after it: no destructor, no cleanup); with
//! `SURVEY_TEST_KILL_AT=count` it prints `emit checkpoints: <total>` to stderr at the
//! end instead. Without the variable a checkpoint is one relaxed atomic increment.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

const VARIABLE: &str = "SURVEY_TEST_KILL_AT";

static PASSED: AtomicU64 = AtomicU64::new(0);

enum Mode {
    Off,
    KillAt(u64),
    Count,
}

fn mode() -> &'static Mode {
    static MODE: OnceLock<Mode> = OnceLock::new();
    MODE.get_or_init(|| match std::env::var(VARIABLE) {
        Ok(value) if value == "count" => Mode::Count,
        Ok(value) => value.parse().map_or(Mode::Off, Mode::KillAt),
        Err(_) => Mode::Off,
    })
}

/// Marks one step done; kills the process if it is the chosen one.
pub fn checkpoint() {
    let passed = PASSED.fetch_add(1, Ordering::Relaxed) + 1;
    if let Mode::KillAt(at) = mode()
        && passed == *at
    {
        kill_self();
    }
}

/// Prints how many checkpoints passed, when asked to count.
pub fn report() {
    if let Mode::Count = mode() {
        eprintln!("emit checkpoints: {}", PASSED.load(Ordering::Relaxed));
    }
}

#[cfg(unix)]
fn kill_self() {
    // SAFETY: sending a signal to our own process has no memory effects.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_self() {
    std::process::abort();
}
