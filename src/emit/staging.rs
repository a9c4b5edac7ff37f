//! Staging folders: where a build writes the new site before it swaps it in.
//!
//! A staging folder sits beside the output, is named `.<output>.survey-staging-<pid>`
//! and holds a marker file [`MARKER`] (written first, before anything else) and the new
//! tree in `site/`. A build killed at any moment leaves such a folder behind; the next
//! build removes every folder that has both the name and the marker and whose process
//! is gone, and the empty one a build killed before writing its marker leaves. Nothing
//! else beside the output is ever removed: a folder with the name but no marker (and
//! something in it), or the marker but another name, is left alone.
//!
//! After a successful swap the staging folder holds the previous output; it is kept as
//! the spare, `.<output>.survey-spare` (marker included, with that tree's manifest),
//! and the next build starts from it instead of an empty tree: on a large site,
//! creating and removing a folder per page took most of a build that changed little.
//! The spare is never the output, so a build killed while it is being reused (renamed
//! to the build's staging folder first) leaves a staging folder like any other.
//!
//! A swap that could not exchange the two trees in one step moves the old output to
//! `old/` inside the staging folder first; if the build died right then, the output is
//! missing and the cleanup moves `old/` back before removing the folder.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::manifest::Manifest;

/// The file that marks a folder as a staging folder of this tool.
pub const MARKER: &str = "SURVEY-STAGING";

const MARKER_TEXT: &str =
    "A staging folder of `survey build`. The next build removes it when its process is gone.\n";

/// A staging folder of this process, with its marker written.
pub struct Staging {
    pub folder: PathBuf,
}

impl Staging {
    /// Creates the staging folder for the output `name` in `parent` (removing a stale one
    /// of the same name first, which can only be this process's own or a dead one's).
    pub fn create(parent: &Path, name: &str) -> Result<Staging> {
        let folder = parent.join(format!("{}{}", prefix(name), std::process::id()));
        if is_ours(&folder) {
            remove(&folder)?;
        }
        let spare = parent.join(spare_name(name));
        if is_ours(&spare) && std::fs::rename(&spare, &folder).is_ok() {
            let staging = Staging {
                folder: folder.clone(),
            };
            if staging.site().is_dir() && !staging.old().exists() {
                return Ok(staging);
            }
            remove(&staging.folder)?;
        }
        std::fs::create_dir(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let marker = folder.join(MARKER);
        std::fs::write(&marker, MARKER_TEXT)
            .with_context(|| format!("cannot write {}", marker.display()))?;
        let staging = Staging { folder };
        std::fs::create_dir(staging.site())
            .with_context(|| format!("cannot create {}", staging.site().display()))?;
        Ok(staging)
    }

    /// The new tree.
    pub fn site(&self) -> PathBuf {
        self.folder.join("site")
    }

    /// Where a two-step swap parks the old output.
    pub fn old(&self) -> PathBuf {
        self.folder.join("old")
    }

    /// Removes the staging folder and everything in it.
    pub fn remove(self) -> Result<()> {
        remove(&self.folder)
    }

    /// What the spare tree in `site/` held when it was kept (empty for a new folder).
    pub fn spare_manifest(&self) -> Manifest {
        Manifest::load(&self.folder.join(SPARE_MANIFEST))
    }

    /// Keeps the folder as the spare of output `name` in `parent`, with `manifest`
    /// describing the tree now in `site/` (the previous output); removes it when there is
    /// no such tree (the first build) or it cannot be kept.
    pub fn keep_as_spare(self, parent: &Path, name: &str, manifest: &Manifest) -> Result<()> {
        let spare = parent.join(spare_name(name));
        let kept = self.site().is_dir()
            && manifest.save(&self.folder.join(SPARE_MANIFEST)).is_ok()
            && std::fs::symlink_metadata(&spare).is_err()
            && std::fs::rename(&self.folder, &spare).is_ok();
        if kept { Ok(()) } else { self.remove() }
    }
}

/// The manifest of the spare tree, in the spare folder.
const SPARE_MANIFEST: &str = "spare-manifest";

/// `.<name>.survey-spare`: the spare tree of output `name` (see the module comment).
fn spare_name(name: &str) -> String {
    format!(".{name}.survey-spare")
}

/// `.<name>.survey-staging-`: every staging folder's name starts so, then a process id.
fn prefix(name: &str) -> String {
    format!(".{name}.survey-staging-")
}

/// Has `folder` the marker file of a staging folder (a regular file, not a link)?
fn is_ours(folder: &Path) -> bool {
    std::fs::symlink_metadata(folder.join(MARKER)).is_ok_and(|m| m.is_file())
        && std::fs::symlink_metadata(folder).is_ok_and(|m| m.is_dir())
}

/// Removes the staging folders of output `name` in `parent` left by builds that died,
/// first putting back an output a two-step swap had moved aside (`dir` is the output).
/// Returns the folders removed.
pub fn clean_stale(parent: &Path, name: &str, dir: &Path) -> Result<Vec<PathBuf>> {
    let prefix = prefix(name);
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let folder = entry.path();
        let own = pid.parse::<u32>().ok() == Some(std::process::id());
        if own || pid.parse().is_ok_and(process_alive) {
            continue;
        }
        if !is_ours(&folder) {
            // A build killed between creating its folder and writing the marker left
            // it empty: removing an empty folder loses nothing (and fails on any other).
            let dead = pid.parse::<u32>().is_ok();
            if dead && std::fs::remove_dir(&folder).is_ok() {
                removed.push(folder);
            }
            continue;
        }
        restore_output(&folder, dir)?;
        remove(&folder)?;
        removed.push(folder);
    }
    Ok(removed)
}

/// Moves `old/` of a dead build's staging folder back to `dir` if the output is missing.
fn restore_output(folder: &Path, dir: &Path) -> Result<()> {
    let old = folder.join("old");
    if old.is_dir() && std::fs::symlink_metadata(dir).is_err() {
        std::fs::rename(&old, dir)
            .with_context(|| format!("cannot restore {} from {}", dir.display(), old.display()))?;
    }
    Ok(())
}

/// Is process `pid` still running? (Then its staging folder is in use.)
#[cfg(unix)]
pub(crate) fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // Signal 0 only checks: success or "not permitted" both mean the process exists.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
pub(crate) fn process_alive(_pid: u32) -> bool {
    false
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(error) if error.kind() != ErrorKind::NotFound => {
            Err(error).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid that no process has: above the kernel's maximum.
    const DEAD: u32 = 99_999_999;

    fn folder(parent: &Path, pid: u32, marker: bool) -> PathBuf {
        let folder = parent.join(format!("{}{pid}", prefix("public")));
        std::fs::create_dir_all(folder.join("site")).unwrap();
        if marker {
            std::fs::write(folder.join(MARKER), MARKER_TEXT).unwrap();
        }
        folder
    }

    #[test]
    fn removes_only_marked_folders_of_dead_builds() {
        let temp = tempfile::tempdir().unwrap();
        let dead = folder(temp.path(), DEAD, true);
        let unmarked = folder(temp.path(), DEAD - 1, false);
        let mine = folder(temp.path(), std::process::id(), true);
        let other_name = temp.path().join(".docs.survey-staging-99999999");
        std::fs::create_dir(&other_name).unwrap();
        std::fs::write(other_name.join(MARKER), "").unwrap();
        let dir = temp.path().join("public");
        let removed = clean_stale(temp.path(), "public", &dir).unwrap();
        assert_eq!(removed, std::slice::from_ref(&dead));
        assert!(!dead.exists());
        assert!(unmarked.exists() && mine.exists() && other_name.exists());
    }

    #[test]
    fn removes_the_empty_unmarked_folder_of_a_build_killed_before_its_marker() {
        let temp = tempfile::tempdir().unwrap();
        let empty = temp.path().join(format!("{}{DEAD}", prefix("public")));
        std::fs::create_dir(&empty).unwrap();
        let unmarked = folder(temp.path(), DEAD - 1, false);
        let removed = clean_stale(temp.path(), "public", &temp.path().join("public")).unwrap();
        assert_eq!(removed, std::slice::from_ref(&empty));
        assert!(!empty.exists() && unmarked.join("site").is_dir());
    }

    #[test]
    fn a_marker_that_is_a_folder_does_not_count() {
        let temp = tempfile::tempdir().unwrap();
        let fake = folder(temp.path(), DEAD, false);
        std::fs::create_dir(fake.join(MARKER)).unwrap();
        clean_stale(temp.path(), "public", &temp.path().join("public")).unwrap();
        assert!(fake.exists());
    }

    #[test]
    fn puts_back_an_output_moved_aside_by_a_dead_build() {
        let temp = tempfile::tempdir().unwrap();
        let dead = folder(temp.path(), DEAD, true);
        std::fs::create_dir(dead.join("old")).unwrap();
        std::fs::write(dead.join("old/index.html"), "old").unwrap();
        let dir = temp.path().join("public");
        clean_stale(temp.path(), "public", &dir).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("index.html")).unwrap(),
            "old"
        );
        assert!(!dead.exists());
    }

    #[test]
    fn creates_a_marked_folder_with_an_empty_site() {
        let temp = tempfile::tempdir().unwrap();
        let staging = Staging::create(temp.path(), "public").unwrap();
        assert!(is_ours(&staging.folder));
        assert!(staging.site().is_dir());
        let folder = staging.folder.clone();
        staging.remove().unwrap();
        assert!(!folder.exists());
    }
}
