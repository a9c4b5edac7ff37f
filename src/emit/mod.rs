//! The emit stage: the only code that writes the built site.
//!
//! Invariants:
//! - All or nothing. The new tree is built in a staging folder beside the output
//!   ([`staging`]) and put in place in one step ([`swap`]): a build that fails, or is
//!   killed at any moment, leaves the previous output as it was, or (once swapped)
//!   the complete new one. The next build removes the staging folders killed builds
//!   left, and only those (name and marker file).
//! - Only what changed is written. The new tree starts from the spare one, the tree the
//!   last build swapped out ([`staging`]): a file there whose bytes equal the new ones
//!   (its manifest says so, and it is untouched since) stays; else a file whose bytes
//!   equal what the last build wrote in the output (its [`manifest`]) is hard-linked
//!   from there, keeping its inode and modification time; every other file is written
//!   anew ([`tree`]). A file is never written in place: it may be a hard link shared
//!   with the live output. What the new site does not have is pruned at the end.
//! - Pages need not wait in memory. An [`Emitter`] is opened before the build renders,
//!   takes each page as it is rendered ([`Emitter::place`]), and puts the tree in place
//!   when the build has succeeded ([`Emitter::finish`]); `survey build` holds no
//!   page's bytes longer than it takes to write them.
//! - Nothing outside the output. Every path is checked before its file is written
//!   ([`safe_relative`]), and every folder on the way is a real folder of the new tree.

mod hook;
mod manifest;
mod output;
mod staging;
mod swap;
mod tree;

use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use anyhow::{Context, Result, bail};

use manifest::{Manifest, Stamp};
pub use output::{Kept, Output};
use staging::Staging;
pub(crate) use staging::process_alive;
use tree::{File, NewTree, Part};

/// Writes `outputs` as the new content of `dir`, atomically replacing what was there.
pub fn emit(dir: &Path, outputs: &[Output]) -> Result<()> {
    emit_keeping(dir, outputs, &[])
}

/// [`emit`], with the `kept` files, which `dir` already holds ([`unchanged`]), in the
/// new site as they are.
pub fn emit_keeping(dir: &Path, outputs: &[Output], kept: &[Kept]) -> Result<()> {
    Emitter::begin(dir)?.finish(outputs, kept)
}

/// The new content of an output folder, filled while the build runs and put in place,
/// all at once, by [`Emitter::finish`]. Dropped unfinished (the build failed), it
/// leaves the output as it was and its tree as the spare for the next build.
pub struct Emitter {
    dir: PathBuf,
    parent: PathBuf,
    name: String,
    /// `None` once finished.
    staging: Mutex<Option<Staging>>,
    tree: NewTree,
    /// The first file [`Emitter::place`] could not write: the build cannot finish.
    failure: Mutex<Option<anyhow::Error>>,
    /// The one folder left to prune, once [`Emitter::place_all_but`] pruned the rest.
    pruned: Mutex<Option<PathBuf>>,
}

impl Emitter {
    /// Opens the new content of `dir`: removes what killed builds left (see [`staging`])
    /// and starts the new tree from the spare one.
    pub fn begin(dir: &Path) -> Result<Emitter> {
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
        // Without a live output there is nothing to link from: its manifest, left by
        // an output removed since, is not read (25 ms at 10 000 papers).
        let previous = match dir.is_dir() {
            true => Manifest::load(&manifest_path(dir)),
            false => Manifest::default(),
        };
        let tree = NewTree::new(
            staging.site(),
            dir.to_path_buf(),
            previous,
            staging.spare_manifest(),
        );
        Ok(Emitter {
            dir: dir.to_path_buf(),
            parent,
            name,
            staging: Mutex::new(Some(staging)),
            tree,
            failure: Mutex::new(None),
            pruned: Mutex::new(None),
        })
    }

    /// Writes `output` into the new tree now; its bytes are no longer needed after.
    /// Returns it as a file the new tree holds, or `None` if it could not be written
    /// (then [`Emitter::finish`] fails with the reason).
    pub fn place(&self, output: &Output) -> Option<Kept> {
        self.put(&File::Written(output))
    }

    /// Puts `outputs` and the `kept` files of the current output in the new tree, and
    /// prunes it of all but the top folder `to_come`, now rather than in
    /// [`Emitter::finish`], which then only completes `to_come`: a build does this
    /// while the search index, all of `to_come`, is made. Returns the files as the new
    /// tree holds them (without those that could not be written: then `finish` fails
    /// with the reason).
    pub fn place_all_but(&self, outputs: &[Output], kept: &[Kept], to_come: &str) -> Vec<Kept> {
        let files: Vec<File> = (outputs.iter().map(File::Written))
            .chain(kept.iter().map(File::Kept))
            .collect();
        let placed = files.par_iter().filter_map(|file| self.put(file)).collect();
        let mut pruned = self.pruned.lock().unwrap_or_else(PoisonError::into_inner);
        match self.tree.prune(Part::AllBut(Path::new(to_come))) {
            Ok(()) => *pruned = Some(PathBuf::from(to_come)),
            Err(error) => self.fail(error),
        }
        placed
    }

    fn put(&self, file: &File) -> Option<Kept> {
        match self.tree.place(file) {
            Ok(entry) => Some(Kept {
                path: file.path().to_string(),
                hash: entry.hash,
                size: entry.stamp.size,
            }),
            Err(error) => {
                self.fail(error);
                None
            }
        }
    }

    /// Records `error`, unless one came first: [`Emitter::finish`] fails with it.
    fn fail(&self, error: anyhow::Error) {
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        failure.get_or_insert(error);
    }

    /// The bytes of a file [`Emitter::place`] wrote (for the search index).
    pub fn read(&self, path: &str) -> Result<Vec<u8>> {
        self.tree.read(path)
    }

    /// Puts the remaining `outputs` and the `kept` files of the current output in the
    /// new tree, prunes what the new site does not have, and swaps the tree in for the
    /// output folder; afterwards the manifest beside it records what it holds (a
    /// killed build may leave the previous manifest: its entries are checked file by
    /// file, see [`manifest`]). On failure the output is as it was.
    pub fn finish(mut self, outputs: &[Output], kept: &[Kept]) -> Result<()> {
        let staging = self
            .staging
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(staging) = staging else {
            bail!("{} was already emitted", self.dir.display());
        };
        match self.fill_and_swap(&staging, outputs, kept) {
            // The staging folder holds the previous output: the next build starts from it.
            Ok(previous) => staging.keep_as_spare(&self.parent, &self.name, &previous)?,
            Err(error) => {
                let _ = staging.remove();
                return Err(error);
            }
        }
        hook::report();
        Ok(())
    }

    /// Completes the tree in `staging` and swaps it in; returns the manifest of the
    /// tree swapped out, now in the staging folder.
    fn fill_and_swap(
        &mut self,
        staging: &Staging,
        outputs: &[Output],
        kept: &[Kept],
    ) -> Result<Manifest> {
        let failure = self
            .failure
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(error) = failure.take() {
            return Err(error);
        }
        let kept = kept
            .iter()
            .filter(|file| self.tree.placed(&file.path, file.hash).is_none());
        let files: Vec<File> = (outputs.iter().map(File::Written))
            .chain(kept.map(File::Kept))
            .collect();
        // Checks every path first: nothing more is written if one would escape.
        for file in &files {
            safe_relative(file.path())?;
        }
        files
            .par_iter()
            .try_for_each(|file| self.tree.place(file).map(drop))?;
        let pruned = self
            .pruned
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        match pruned {
            Some(to_come) => self.tree.prune(Part::Only(to_come))?,
            None => self.tree.prune(Part::All)?,
        }
        let written = self.tree.manifest();
        let pending = staging.folder.join("manifest");
        written.save(&pending)?;
        hook::checkpoint();
        swap::swap(&staging.site(), &self.dir, &staging.old())?;
        hook::checkpoint();
        let manifest = manifest_path(&self.dir);
        std::fs::rename(&pending, &manifest)
            .with_context(|| format!("cannot write {}", manifest.display()))?;
        hook::checkpoint();
        Ok(self.tree.take_previous())
    }
}

impl Drop for Emitter {
    /// The build failed: the output stays as it was, and the tree is kept as the spare
    /// again. Its manifest may name files this build replaced; those no longer match
    /// their stamps, so the next build writes them again rather than trust them.
    fn drop(&mut self) {
        let staging = self
            .staging
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(staging) = staging {
            let _ = staging.keep_as_spare(&self.parent, &self.name, &self.tree.as_spare());
        }
    }
}

/// The BLAKE3 hash of an output's bytes, as the manifest records it.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    manifest::hash(bytes)
}

/// Which of the `(path, hash)` files the last build wrote into `dir` are still exactly
/// that: the manifest gives the path that hash, and the file on disk is still the one
/// the build left (inode, size, modification time). `None` for any other: missing,
/// edited or replaced by hand, or never written by this tool. Reads no file's bytes.
pub fn unchanged(dir: &Path, wanted: &[(&str, [u8; 32])]) -> Vec<Option<Kept>> {
    unchanged_in(dir, &Manifest::load(&manifest_path(dir)), wanted)
}

/// [`unchanged`] for a build whose output is `output`, through its `emitter` when it
/// has one for that folder: the emitter read the manifest when it began, and a build
/// asks three times (for its cache, its search bundles and its tree), each read of the
/// manifest 10 ms of a warm build at 10 000 papers. Nothing is kept without an output.
pub fn unchanged_of(
    output: Option<&Path>,
    emitter: Option<&Emitter>,
    wanted: &[(&str, [u8; 32])],
) -> Vec<Option<Kept>> {
    let Some(output) = output else {
        return vec![None; wanted.len()];
    };
    match emitter.filter(|emitter| emitter.dir == output) {
        Some(emitter) => unchanged_in(output, emitter.tree.previous(), wanted),
        None => unchanged(output, wanted),
    }
}

fn unchanged_in(dir: &Path, manifest: &Manifest, wanted: &[(&str, [u8; 32])]) -> Vec<Option<Kept>> {
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
        .map(|file| Ok(Output::new(file.path.clone(), read_kept_file(dir, file)?)))
        .collect()
}

/// The bytes of one kept file, as [`read_kept`] reads them.
pub fn read_kept_file(dir: &Path, file: &Kept) -> Result<Vec<u8>> {
    read_verified(&dir.join(safe_relative(&file.path)?), file.hash)
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
mod tests;
