//! A recursive folder copy, shared by the latency bench and the test fixtures (both
//! work on a copy of a site so they can edit it).

use std::path::Path;

/// Copies everything under `from` into `to`, creating folders as needed; panics with
/// the path on any error (bench and test set-up only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}
