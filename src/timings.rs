//! Stage times for whoever profiles a build: with the environment variable
//! `SURVEY_TIMINGS` set, each stage of `survey build` prints to stderr when it ended,
//! in milliseconds since the build began (`docs/benchmarks.md` reads them). Without
//! it, nothing is printed and a mark costs one check.

use std::sync::OnceLock;
use std::time::Instant;

/// The variable that turns the marks on.
pub const VARIABLE: &str = "SURVEY_TIMINGS";

/// Marks the end of `stage`; the first mark of the process is its start.
pub fn mark(stage: &str) {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    let start = START.get_or_init(|| std::env::var_os(VARIABLE).map(|_| Instant::now()));
    if let Some(start) = start {
        let elapsed = start.elapsed().as_secs_f64() * 1e3;
        eprintln!("{elapsed:8.1} ms  {stage}");
    }
}
