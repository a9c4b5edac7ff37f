//! The emit stage: the only code that writes the built site.
//!
//! Invariants:
//! - All or nothing. The new tree is built in a staging folder beside the output
//!   ([`staging`]) and put in place in one step ([`swap`]): a build that fails, or is
//!   killed at any moment, leaves the previous output as it was, or (once swapped)
//!   the complete new one. The next build removes the staging folders killed builds
//!   left, and only those (name and marker file).
//! - Only what changed is written. A file whose bytes equal what the last build wrote
//!   there (its [`manifest`]) is hard-linked from the current output into the new tree,
//!   keeping its inode and modification time; every other file is written.
//! - Nothing outside the output. Every path is checked before anything is written
//!   ([`safe_relative`]).

mod hook;
mod manifest;
mod staging;
mod swap;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use anyhow::{Context, Result, bail};

use crate::render::Output;
use manifest::{Entry, Manifest, Stamp};
use staging::Staging;

/// Writes `outputs` as the new content of `dir`, atomically replacing what was there.
pub fn emit(dir: &Path, outputs: &[Output]) -> Result<()> {
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let name = dir
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    staging::clean_stale(&parent, &name, dir)?;
    let staging = Staging::create(&parent, &name)?;
    let manifest = parent.join(format!(".{name}.survey-manifest"));
    let swapped = fill_and_swap(&staging, dir, &manifest, outputs);
    // Now the staging folder holds a failed tree or the previous output: either goes.
    let removed = staging.remove();
    swapped?;
    removed?;
    hook::report();
    Ok(())
}

/// Builds the new tree in `staging`, swaps it in for `dir`, then records what it wrote
/// in the manifest at `manifest` (a killed build may leave the previous manifest:
/// its entries are checked file by file, see [`manifest`]).
fn fill_and_swap(staging: &Staging, dir: &Path, manifest: &Path, outputs: &[Output]) -> Result<()> {
    let previous = Manifest::load(manifest);
    let written = write_all(&staging.site(), dir, outputs, &previous)?;
    let pending = staging.folder.join("manifest");
    written.save(&pending)?;
    hook::checkpoint();
    swap::swap(&staging.site(), dir, &staging.old())?;
    hook::checkpoint();
    std::fs::rename(&pending, manifest)
        .with_context(|| format!("cannot write {}", manifest.display()))?;
    hook::checkpoint();
    Ok(())
}

/// Checks every path first (nothing is written if one would escape), creates each
/// directory once, then places the files in parallel: on slow file systems the
/// per-file latency, not the bytes, dominates a build.
fn write_all(
    site: &Path,
    current: &Path,
    outputs: &[Output],
    previous: &Manifest,
) -> Result<Manifest> {
    let relatives: Vec<PathBuf> = outputs
        .iter()
        .map(|output| safe_relative(&output.path))
        .collect::<Result<_>>()?;
    let directories: BTreeSet<&Path> = relatives.iter().filter_map(|path| path.parent()).collect();
    for directory in directories {
        let directory = site.join(directory);
        std::fs::create_dir_all(&directory)
            .with_context(|| format!("cannot create {}", directory.display()))?;
    }
    let entries: Vec<(String, Entry)> = relatives
        .par_iter()
        .zip(outputs)
        .map(|(relative, output)| {
            let entry = place(site, current, relative, output, previous)?;
            hook::checkpoint();
            Ok((output.path.clone(), entry))
        })
        .collect::<Result<_>>()?;
    Ok(Manifest {
        entries: entries.into_iter().collect(),
    })
}

/// Puts one output at `site/relative`: a hard link to the current output's file when
/// that file is still exactly what the last build wrote with the same bytes, else a
/// new file.
fn place(
    site: &Path,
    current: &Path,
    relative: &Path,
    output: &Output,
    previous: &Manifest,
) -> Result<Entry> {
    let hash = manifest::hash(&output.bytes);
    let target = site.join(relative);
    if let Some(entry) = previous
        .entries
        .get(&output.path)
        .filter(|e| e.hash == hash)
    {
        let existing = current.join(relative);
        let unchanged = std::fs::symlink_metadata(&existing)
            .is_ok_and(|m| m.is_file() && Stamp::of(&m) == Some(entry.stamp));
        // A link can fail (another device, too many links): then the file is written.
        if unchanged && std::fs::hard_link(&existing, &target).is_ok() {
            return Ok(*entry);
        }
    }
    let stamp = write_file(&target, &output.bytes)?;
    Ok(Entry { hash, stamp })
}

/// Writes `bytes` to the new file `target` and returns its stamp.
fn write_file(target: &Path, bytes: &[u8]) -> Result<Stamp> {
    let context = || format!("cannot write {}", target.display());
    let mut file = std::fs::File::create(target).with_context(context)?;
    file.write_all(bytes).with_context(context)?;
    let metadata = file.metadata().with_context(context)?;
    Stamp::of(&metadata).with_context(context)
}

/// `path` as a relative path with only normal components: nothing from content can
/// name a file outside the output directory.
pub fn safe_relative(path: &str) -> Result<PathBuf> {
    let candidate = Path::new(path);
    let safe = !path.is_empty()
        && candidate
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if !safe {
        bail!("refusing to write `{path}`: it would leave the output directory");
    }
    Ok(candidate.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_escape() {
        for path in ["../x", "/etc/passwd", "a/../../b", "", "./a"] {
            assert!(safe_relative(path).is_err(), "{path}");
        }
        assert!(safe_relative("papers/x/index.html").is_ok());
    }

    #[test]
    fn replaces_the_previous_output() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("public");
        emit(
            &dir,
            &[Output {
                path: "a.html".into(),
                bytes: b"1".to_vec(),
            }],
        )
        .unwrap();
        emit(
            &dir,
            &[Output {
                path: "b.html".into(),
                bytes: b"2".to_vec(),
            }],
        )
        .unwrap();
        assert!(!dir.join("a.html").exists());
        assert_eq!(std::fs::read(dir.join("b.html")).unwrap(), b"2");
        assert_eq!(
            names_in(temp.path()),
            [".public.survey-manifest", "public"],
            "no staging folder is left behind"
        );
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn output(path: &str, bytes: &str) -> Output {
        Output {
            path: path.into(),
            bytes: bytes.as_bytes().to_vec(),
        }
    }

    #[cfg(unix)]
    fn inode(path: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
    }

    #[cfg(unix)]
    #[test]
    fn keeps_unchanged_files_and_writes_changed_ones() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("public");
        let first = [
            output("a/index.html", "a"),
            output("b.html", "b"),
            output("c.html", "c"),
        ];
        emit(&dir, &first).unwrap();
        let (a, b) = (inode(&dir.join("a/index.html")), inode(&dir.join("b.html")));
        let second = [output("a/index.html", "a"), output("b.html", "B")];
        emit(&dir, &second).unwrap();
        assert_eq!(
            inode(&dir.join("a/index.html")),
            a,
            "unchanged: the same file"
        );
        assert_ne!(inode(&dir.join("b.html")), b, "changed: written again");
        assert_eq!(std::fs::read(dir.join("b.html")).unwrap(), b"B");
        assert!(!dir.join("c.html").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_edited_by_hand_is_written_again() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("public");
        emit(&dir, &[output("a.html", "built")]).unwrap();
        let a = inode(&dir.join("a.html"));
        std::fs::write(dir.join("a.html"), "edited by hand").unwrap();
        emit(&dir, &[output("a.html", "built")]).unwrap();
        assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"built");
        assert_ne!(inode(&dir.join("a.html")), a);
    }

    #[test]
    fn a_failed_write_leaves_the_previous_output() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("public");
        emit(
            &dir,
            &[Output {
                path: "a.html".into(),
                bytes: b"1".to_vec(),
            }],
        )
        .unwrap();
        assert!(
            emit(
                &dir,
                &[Output {
                    path: "../evil".into(),
                    bytes: vec![]
                }]
            )
            .is_err()
        );
        assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"1");
    }
}
