//! The emit stage: the only code that writes the built site.
//!
//! Invariants:
//! - All or nothing. The new tree is built in a staging folder beside the output
//!   ([`staging`]) and put in place in one step ([`swap`]): a build that fails, or is
//!   killed at any moment, leaves the previous output as it was, or (once swapped)
//!   the complete new one. The next build removes the staging folders killed builds
//!   left, and only those (name and marker file).
//! - Only what changed is written. The new tree starts from the spare one, the tree the
//!   last build swapped out ([`staging`]), pruned of every file and folder the new
//!   site does not have: a file there whose bytes equal the new ones (its manifest says
//!   so, and it is untouched since) stays; else a file whose bytes equal what the last
//!   build wrote in the output (its [`manifest`]) is hard-linked from there, keeping its
//!   inode and modification time; every other file is written anew. A file is never
//!   written in place: it may be a hard link shared with the live output.
//! - Nothing outside the output. Every path is checked before anything is written
//!   ([`safe_relative`]).

mod hook;
mod manifest;
mod output;
mod staging;
mod swap;

use std::collections::{BTreeSet, HashSet};
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use anyhow::{Context, Result, bail};

use manifest::{Entry, Manifest, Stamp};
pub use output::{Kept, Output};
use staging::Staging;

/// Writes `outputs` as the new content of `dir`, atomically replacing what was there.
pub fn emit(dir: &Path, outputs: &[Output]) -> Result<()> {
    emit_keeping(dir, outputs, &[])
}

/// [`emit`], with the `kept` files, which `dir` already holds ([`unchanged`]), in the
/// new site as they are.
pub fn emit_keeping(dir: &Path, outputs: &[Output], kept: &[Kept]) -> Result<()> {
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
    let manifest = manifest_path(dir);
    match fill_and_swap(&staging, dir, &manifest, outputs, kept) {
        // The staging folder holds the previous output: the next build starts from it.
        Ok(previous) => staging.keep_as_spare(&parent, &name, &previous)?,
        Err(error) => {
            let _ = staging.remove();
            return Err(error);
        }
    }
    hook::report();
    Ok(())
}

/// The bytes of the kept file at `path`, which must still hash to `hash`: a file
/// changed since [`unchanged`] vouched for it is an error, never passed off as built.
fn read_verified(path: &Path, hash: [u8; 32]) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if manifest::hash(&bytes) != hash {
        bail!("{} changed during the build: run it again", path.display());
    }
    Ok(bytes)
}

/// Where the manifest of the output folder `dir` lives: beside it, as
/// `.<name>.survey-manifest`.
fn manifest_path(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!(".{name}.survey-manifest"))
}

/// The SHA-256 of an output's bytes, as the manifest records it.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    manifest::hash(bytes)
}

/// Which of the `(path, hash)` files the last build wrote into `dir` are still exactly
/// that: the manifest gives the path that hash, and the file on disk is still the one
/// the build left (inode, size, modification time). `None` for any other: missing,
/// edited or replaced by hand, or never written by this tool. Reads no file's bytes.
pub fn unchanged(dir: &Path, wanted: &[(&str, [u8; 32])]) -> Vec<Option<Kept>> {
    let manifest = Manifest::load(&manifest_path(dir));
    wanted
        .par_iter()
        .map(|(path, hash)| {
            let entry = manifest.entries.get(*path).filter(|e| e.hash == *hash)?;
            let file = dir.join(safe_relative(path).ok()?);
            let metadata = std::fs::symlink_metadata(&file).ok()?;
            let still = metadata.is_file() && Stamp::of(&metadata) == Some(entry.stamp);
            still.then(|| Kept {
                path: path.to_string(),
                hash: *hash,
                size: entry.stamp.size,
            })
        })
        .collect()
}

/// The bytes of `kept` files, read from `dir` (for the search index, which reads every
/// page). Fails if one changed since [`unchanged`] vouched for it.
pub fn read_kept(dir: &Path, kept: &[Kept]) -> Result<Vec<Output>> {
    kept.par_iter()
        .map(|file| {
            let bytes = read_verified(&dir.join(safe_relative(&file.path)?), file.hash)?;
            Ok(Output::new(file.path.clone(), bytes))
        })
        .collect()
}

/// Builds the new tree in `staging`, swaps it in for `dir`, then records what it wrote
/// in the manifest at `manifest` (a killed build may leave the previous manifest:
/// its entries are checked file by file, see [`manifest`]). Returns the manifest of
/// the tree swapped out, now in the staging folder.
fn fill_and_swap(
    staging: &Staging,
    dir: &Path,
    manifest: &Path,
    outputs: &[Output],
    kept: &[Kept],
) -> Result<Manifest> {
    let previous = Manifest::load(manifest);
    let spare = staging.spare_manifest();
    let files: Vec<File> = (outputs.iter().map(File::Written))
        .chain(kept.iter().map(File::Kept))
        .collect();
    let written = write_all(&staging.site(), dir, &files, &previous, &spare)?;
    let pending = staging.folder.join("manifest");
    written.save(&pending)?;
    hook::checkpoint();
    swap::swap(&staging.site(), dir, &staging.old())?;
    hook::checkpoint();
    std::fs::rename(&pending, manifest)
        .with_context(|| format!("cannot write {}", manifest.display()))?;
    hook::checkpoint();
    Ok(previous)
}

/// Checks every path first (nothing is written if one would escape), creates each
/// directory once, then places the files in parallel: on slow file systems the
/// per-file latency, not the bytes, dominates a build.
fn write_all(
    site: &Path,
    current: &Path,
    outputs: &[File],
    previous: &Manifest,
    spare: &Manifest,
) -> Result<Manifest> {
    let relatives: Vec<PathBuf> = outputs
        .iter()
        .map(|output| safe_relative(output.path()))
        .collect::<Result<_>>()?;
    let directories: BTreeSet<&Path> = (relatives.iter())
        .filter_map(|path| path.parent())
        .flat_map(Path::ancestors)
        .filter(|folder| !folder.as_os_str().is_empty())
        .collect();
    let files: HashSet<&Path> = relatives.iter().map(PathBuf::as_path).collect();
    prune(site, Path::new(""), &files, &directories)
        .with_context(|| format!("cannot clear {}", site.display()))?;
    for directory in directories {
        let directory = site.join(directory);
        std::fs::create_dir_all(&directory)
            .with_context(|| format!("cannot create {}", directory.display()))?;
    }
    let entries: Vec<(String, Entry)> = relatives
        .par_iter()
        .zip(outputs)
        .map(|(relative, output)| {
            let entry = place(site, current, relative, output, [previous, spare])?;
            hook::checkpoint();
            Ok((output.path().to_string(), entry))
        })
        .collect::<Result<_>>()?;
    Ok(Manifest {
        entries: entries.into_iter().collect(),
    })
}

/// Removes from the tree at `folder` (`relative` to the site) every file and folder
/// that is not among the new site's `files` and `folders`. Links are removed, never
/// followed (a `DirEntry`'s file type is the entry's own).
fn prune(
    folder: &Path,
    relative: &Path,
    files: &HashSet<&Path>,
    folders: &BTreeSet<&Path>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            if folders.contains(path.as_path()) {
                prune(&entry.path(), &path, files, folders)?;
            } else {
                std::fs::remove_dir_all(entry.path())?;
            }
        } else if !files.contains(path.as_path()) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// One file of the new site: rendered now, or kept from the current output.
enum File<'a> {
    Written(&'a Output),
    Kept(&'a Kept),
}

impl File<'_> {
    fn path(&self) -> &str {
        match self {
            File::Written(output) => &output.path,
            File::Kept(kept) => &kept.path,
        }
    }

    fn hash(&self) -> [u8; 32] {
        match self {
            File::Written(output) => manifest::hash(&output.bytes),
            File::Kept(kept) => kept.hash,
        }
    }
}

/// Puts one file at `site/relative`: the spare tree's file if it is still exactly
/// what its manifest says, with the same bytes; else a hard link to the current
/// output's file when that one is; else a new file (a kept file is copied then).
fn place(
    site: &Path,
    current: &Path,
    relative: &Path,
    file: &File,
    [previous, spare]: [&Manifest; 2],
) -> Result<Entry> {
    let hash = file.hash();
    let target = site.join(relative);
    let existing = std::fs::symlink_metadata(&target).ok();
    if let Some(entry) = spare.entries.get(file.path()).filter(|e| e.hash == hash)
        && existing
            .as_ref()
            .is_some_and(|m| m.is_file() && Stamp::of(m) == Some(entry.stamp))
    {
        return Ok(*entry);
    }
    if existing.is_some() {
        // Never written in place: it may be a hard link to a file of the live output.
        std::fs::remove_file(&target)
            .with_context(|| format!("cannot replace {}", target.display()))?;
    }
    let live = current.join(relative);
    if let Some(entry) = previous.entries.get(file.path()).filter(|e| e.hash == hash) {
        let unchanged = std::fs::symlink_metadata(&live)
            .is_ok_and(|m| m.is_file() && Stamp::of(&m) == Some(entry.stamp));
        // A link can fail (another device, too many links): then the file is written.
        if unchanged && std::fs::hard_link(&live, &target).is_ok() {
            return Ok(*entry);
        }
    }
    let stamp = match file {
        File::Written(output) => write_file(&target, &output.bytes)?,
        File::Kept(kept) => write_file(&target, &read_verified(&live, kept.hash)?)?,
    };
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
        emit(&dir, &[output("a.html", "1")]).unwrap();
        emit(&dir, &[output("b.html", "2")]).unwrap();
        assert!(!dir.join("a.html").exists());
        assert_eq!(std::fs::read(dir.join("b.html")).unwrap(), b"2");
        assert_eq!(
            names_in(temp.path()),
            [".public.survey-manifest", ".public.survey-spare", "public"],
            "no staging folder is left behind, only the spare tree"
        );
    }

    /// Builds that start from the spare tree (the output before last) write exactly the
    /// new site, drop what it no longer has, and never change a file of the live output
    /// through a hard link the spare shares with it.
    #[cfg(unix)]
    #[test]
    fn the_spare_tree_becomes_exactly_the_new_site() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("public");
        let spare_site = temp.path().join(".public.survey-spare/site");
        let site = |files: &[(&str, &str)]| -> Vec<Output> {
            files
                .iter()
                .map(|(path, bytes)| output(path, bytes))
                .collect()
        };
        emit(
            &dir,
            &site(&[("a.html", "1"), ("x/b.html", "1"), ("y/c.html", "1")]),
        )
        .unwrap();
        emit(
            &dir,
            &site(&[("a.html", "1"), ("x/b.html", "2"), ("y/c.html", "1")]),
        )
        .unwrap();
        // The spare holds the first site; its a.html is the live one's, hard-linked.
        assert_eq!(
            inode(&spare_site.join("a.html")),
            inode(&dir.join("a.html"))
        );
        emit(
            &dir,
            &site(&[("a.html", "3"), ("x/b.html", "2"), ("z/d.html", "4")]),
        )
        .unwrap();
        let read = |path: &Path| std::fs::read_to_string(path).unwrap();
        assert_eq!(read(&dir.join("a.html")), "3");
        assert_eq!(read(&dir.join("x/b.html")), "2");
        assert_eq!(read(&dir.join("z/d.html")), "4");
        assert!(
            !dir.join("y").exists(),
            "a folder the new site lacks is gone"
        );
        assert_eq!(names_in(&dir), ["a.html", "x", "z"]);
        // The spare now holds the second site, unchanged by the third build.
        assert_eq!(read(&spare_site.join("a.html")), "1");
        assert_eq!(read(&spare_site.join("x/b.html")), "2");
        // A spare file edited by hand is not trusted.
        std::fs::write(spare_site.join("x/b.html"), "edited").unwrap();
        emit(&dir, &site(&[("a.html", "3"), ("x/b.html", "2")])).unwrap();
        assert_eq!(read(&dir.join("x/b.html")), "2");
        assert_eq!(names_in(&dir), ["a.html", "x"]);
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn output(path: &str, text: &str) -> Output {
        Output::new(path, text.as_bytes())
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
    fn kept_files_stay_without_their_bytes_and_only_while_unchanged() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("public");
        emit(&dir, &[output("a.html", "a"), output("b.html", "b")]).unwrap();
        let wanted = [
            ("a.html", content_hash(b"a")),
            ("b.html", content_hash(b"other")),
            ("c.html", content_hash(b"c")),
        ];
        let found = unchanged(&dir, &wanted);
        let kept = found[0].clone().expect("a.html is as written");
        assert_eq!(kept.size, 1);
        assert!(found[1].is_none(), "another hash than the manifest's");
        assert!(found[2].is_none(), "never written");
        // The new site: a.html kept as it is, b.html rendered anew.
        emit_keeping(&dir, &[output("b.html", "B")], std::slice::from_ref(&kept)).unwrap();
        assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"a");
        assert_eq!(std::fs::read(dir.join("b.html")).unwrap(), b"B");
        assert_eq!(
            read_kept(&dir, std::slice::from_ref(&kept)).unwrap()[0].bytes[..],
            *b"a"
        );
        // A kept file that changed in between is never passed off as the build's.
        std::fs::write(dir.join("a.html"), "edited").unwrap();
        assert!(unchanged(&dir, &wanted[..1])[0].is_none());
        assert!(read_kept(&dir, std::slice::from_ref(&kept)).is_err());
        assert!(emit_keeping(&dir, &[], &[kept]).is_err());
        assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"edited");
    }

    #[test]
    fn a_failed_write_leaves_the_previous_output() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("public");
        emit(&dir, &[output("a.html", "1")]).unwrap();
        assert!(emit(&dir, &[output("../evil", "")]).is_err());
        assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"1");
    }
}
