//! Putting the new tree in place of the output.
//!
//! On Linux the two directories are exchanged in one `renameat2(RENAME_EXCHANGE)`
//! call: at every instant the output path names either the complete old tree or the
//! complete new one. Where that call is missing (other systems, some file systems),
//! the old output is first moved into the staging folder (`old/`) and the new tree
//! renamed in; a build killed between the two renames leaves no output for an
//! instant, and the next build's cleanup puts `old/` back (see [`super::staging`]).

use std::path::Path;

use anyhow::{Context, Result};

use super::hook;

/// Makes `new` the tree at `dir`; afterwards `new` holds the previous output (if any).
/// `old` is a free path in the staging folder for the two-step fallback.
pub fn swap(new: &Path, dir: &Path, old: &Path) -> Result<()> {
    if std::fs::symlink_metadata(dir).is_err() {
        return rename(new, dir);
    }
    if exchange(new, dir)? {
        return Ok(());
    }
    std::fs::rename(dir, old).with_context(|| format!("cannot move {} aside", dir.display()))?;
    hook::checkpoint();
    if let Err(error) = rename(new, dir) {
        let _ = std::fs::rename(old, dir);
        return Err(error);
    }
    std::fs::rename(old, new).with_context(|| format!("cannot move {}", old.display()))
}

fn rename(new: &Path, dir: &Path) -> Result<()> {
    std::fs::rename(new, dir)
        .with_context(|| format!("cannot move the new site into {}", dir.display()))
}

/// Exchanges `a` and `b` atomically; `Ok(false)` if the system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |path: &Path| CString::new(path.as_os_str().as_bytes());
    let (Ok(from), Ok(to)) = (c(a), c(b)) else {
        return Ok(false);
    };
    // SAFETY: both are valid NUL-terminated paths; the call only reads them.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::ENOSYS | libc::EINVAL | libc::ENOTSUP) => Ok(false),
        _ => Err(error).with_context(|| format!("cannot swap {} in", b.display())),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> Result<bool> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_the_trees_and_keeps_the_old_one_at_new() {
        let temp = tempfile::tempdir().unwrap();
        let (new, dir, old) = (
            temp.path().join("new"),
            temp.path().join("dir"),
            temp.path().join("old"),
        );
        std::fs::create_dir(&new).unwrap();
        std::fs::write(new.join("f"), "new").unwrap();
        swap(&new, &dir, &old).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("f")).unwrap(), "new");
        std::fs::create_dir(&new).unwrap();
        std::fs::write(new.join("f"), "newer").unwrap();
        swap(&new, &dir, &old).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("f")).unwrap(), "newer");
        assert_eq!(std::fs::read_to_string(new.join("f")).unwrap(), "new");
        assert!(!old.exists());
    }
}
