//! The new tree in a staging folder, filled file by file from any thread.
//!
//! The tree starts as the spare (the output before last, see [`super::staging`]) or
//! empty. Each file is put in place as soon as it is given ([`NewTree::place`]),
//! so a build can hand over a page the moment it is rendered and forget its bytes;
//! at the end, [`NewTree::prune`] removes whatever the spare held that the new site
//! does not have. Folders are made once each, and a spare's file or link standing
//! where the new site needs a folder is replaced by a real folder first: nothing is
//! ever written through a link.

use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::manifest::{self, Entry, Manifest, Stamp};
use super::{Kept, Output, hook, read_verified, safe_relative};
use crate::hash::{FastMap, FastSet};

/// One file of the new site: its bytes, or a file the current output holds.
pub(super) enum File<'a> {
    Written(&'a Output),
    Kept(&'a Kept),
}

impl File<'_> {
    pub(super) fn path(&self) -> &str {
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

/// The tree being built at `site`, with what is known about the files it may reuse.
pub(super) struct NewTree {
    site: PathBuf,
    /// The live output, whose unchanged files are hard-linked rather than written.
    current: PathBuf,
    /// What the last build wrote into `current`.
    previous: Manifest,
    /// What the spare tree held when it was kept.
    spare: Manifest,
    placed: Mutex<FastMap<String, Entry>>,
    /// Folders (relative to `site`) known to be real folders of the new tree.
    folders: Mutex<FastSet<PathBuf>>,
    /// Whether the tree started empty: then nothing in it is a spare's, so no file is
    /// in the way of a folder, no target needs looking up first, and nothing needs
    /// pruning. A cold build saves two lookups a file and a walk of the whole tree.
    fresh: bool,
}

impl NewTree {
    pub(super) fn new(
        site: PathBuf,
        current: PathBuf,
        previous: Manifest,
        spare: Manifest,
    ) -> Self {
        let fresh = std::fs::read_dir(&site).is_ok_and(|mut entries| entries.next().is_none());
        NewTree {
            site,
            current,
            previous,
            spare,
            placed: Mutex::default(),
            folders: Mutex::default(),
            fresh,
        }
    }

    #[cfg(test)]
    pub(super) fn site(&self) -> &Path {
        &self.site
    }

    /// The manifest of the live output as the tree found it.
    pub(super) fn previous(&self) -> &Manifest {
        &self.previous
    }

    /// The manifest of the live output as the tree found it, taken out.
    pub(super) fn take_previous(&mut self) -> Manifest {
        std::mem::take(&mut self.previous)
    }

    /// Puts one file in the tree (see [`place`]) and records it.
    pub(super) fn place(&self, file: &File) -> Result<Entry> {
        let relative = safe_relative(file.path())?;
        if let Some(parent) = relative.parent() {
            match self.fresh {
                true => self.make_fresh_folder(parent)?,
                false => self.make_folder(parent)?,
            }
        }
        // In a fresh tree a file is there only if this build placed it already.
        let look = !self.fresh || self.is_placed(file.path());
        let entry = place(
            &self.site,
            &self.current,
            &relative,
            file,
            [&self.previous, &self.spare],
            look,
        )?;
        hook::checkpoint();
        let mut placed = self.placed.lock().unwrap_or_else(PoisonError::into_inner);
        placed.insert(file.path().to_string(), entry);
        Ok(entry)
    }

    /// The entry of the file placed at `path` with bytes hashing to `hash`, if any.
    pub(super) fn placed(&self, path: &str, hash: [u8; 32]) -> Option<Entry> {
        let placed = self.placed.lock().unwrap_or_else(PoisonError::into_inner);
        placed.get(path).filter(|entry| entry.hash == hash).copied()
    }

    fn is_placed(&self, path: &str) -> bool {
        let placed = self.placed.lock().unwrap_or_else(PoisonError::into_inner);
        placed.contains_key(path)
    }

    /// The bytes of the file placed at `path`.
    pub(super) fn read(&self, path: &str) -> Result<Vec<u8>> {
        let file = self.site.join(safe_relative(path)?);
        std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))
    }

    /// Makes `relative` and every folder above it real folders of the tree. The lock
    /// is held throughout, so two threads never replace the same spare file at once;
    /// a folder already made costs one lookup.
    fn make_folder(&self, relative: &Path) -> Result<()> {
        let mut folders = self.folders.lock().unwrap_or_else(PoisonError::into_inner);
        if relative.as_os_str().is_empty() || folders.contains(relative) {
            return Ok(());
        }
        let mut folder = PathBuf::new();
        for component in relative.components() {
            folder.push(component);
            if folders.contains(&folder) {
                continue;
            }
            let path = self.site.join(&folder);
            let context = || format!("cannot create {}", path.display());
            match std::fs::symlink_metadata(&path) {
                Ok(metadata) if metadata.is_dir() => {}
                Ok(_) => {
                    std::fs::remove_file(&path).with_context(context)?;
                    std::fs::create_dir(&path).with_context(context)?;
                }
                Err(_) => std::fs::create_dir(&path).with_context(context)?,
            }
            folders.insert(folder.clone());
        }
        Ok(())
    }

    /// [`NewTree::make_folder`] in a fresh tree, where only this build's folders and
    /// files are: no lock is held while a folder is made, so threads make theirs at
    /// once (the file system's cost, not ours, on a cold build).
    fn make_fresh_folder(&self, relative: &Path) -> Result<()> {
        let known = |folder: &Path| {
            let folders = self.folders.lock().unwrap_or_else(PoisonError::into_inner);
            folders.contains(folder)
        };
        if relative.as_os_str().is_empty() || known(relative) {
            return Ok(());
        }
        let mut folder = PathBuf::new();
        for component in relative.components() {
            folder.push(component);
            if known(&folder) {
                continue;
            }
            let path = self.site.join(&folder);
            match std::fs::create_dir(&path) {
                Ok(()) => {}
                // Another thread made it a moment ago.
                Err(error) if error.kind() == ErrorKind::AlreadyExists && path.is_dir() => {}
                Err(error) => {
                    return Err(error).with_context(|| format!("cannot create {}", path.display()));
                }
            }
            let mut folders = self.folders.lock().unwrap_or_else(PoisonError::into_inner);
            folders.insert(folder.clone());
        }
        Ok(())
    }

    /// Removes every file and folder of the tree that no placed file needs (none in a
    /// fresh tree: all it holds was placed), in `part` of the tree.
    pub(super) fn prune(&self, part: Part) -> Result<()> {
        if self.fresh {
            return Ok(());
        }
        let placed = self.placed.lock().unwrap_or_else(PoisonError::into_inner);
        let folders = self.folders.lock().unwrap_or_else(PoisonError::into_inner);
        let pruned = match part {
            Part::All => prune(&self.site, Path::new(""), &placed, &folders, None),
            Part::AllBut(folder) => {
                prune(&self.site, Path::new(""), &placed, &folders, Some(folder))
            }
            Part::Only(folder) if folders.contains(folder) => {
                prune(&self.site.join(folder), folder, &placed, &folders, None)
            }
            // No file came for the folder: whatever the spare has there goes.
            Part::Only(folder) => {
                let path = self.site.join(folder);
                match std::fs::symlink_metadata(&path) {
                    Ok(metadata) if metadata.is_dir() => std::fs::remove_dir_all(&path),
                    Ok(_) => std::fs::remove_file(&path),
                    Err(_) => Ok(()),
                }
            }
        };
        pruned.with_context(|| format!("cannot clear {}", self.site.display()))
    }

    /// The manifest of the tree as a spare for the next build, before it is pruned:
    /// the spare's entries, then the placed files'.
    pub(super) fn as_spare(&self) -> Manifest {
        let mut entries = self.spare.entries.clone();
        entries.extend(self.manifest().entries);
        Manifest { entries }
    }

    /// What the tree holds, as its manifest.
    pub(super) fn manifest(&self) -> Manifest {
        let placed = self.placed.lock().unwrap_or_else(PoisonError::into_inner);
        Manifest {
            entries: placed.clone(),
        }
    }
}

/// Which part of the tree [`NewTree::prune`] prunes (folders relative to the site).
#[derive(Clone, Copy)]
pub(super) enum Part<'a> {
    All,
    /// All but this top folder, whose files are still to come.
    AllBut(&'a Path),
    /// This top folder, once its files came.
    Only(&'a Path),
}

/// Removes from the tree at `folder` (`relative` to the site) every file that is not
/// `placed` and every folder that is not among `folders`, leaving the folder `spared`
/// as it is. Links are removed, never followed (a `DirEntry`'s file type is the
/// entry's own). Folders are walked in parallel: a site is mostly folders of one
/// `index.html` (1 800 on the real site), and walking them one by one was most of a
/// warm build's emit time.
fn prune(
    folder: &Path,
    relative: &Path,
    placed: &FastMap<String, Entry>,
    folders: &FastSet<PathBuf>,
    spared: Option<&Path>,
) -> std::io::Result<()> {
    let entries = std::fs::read_dir(folder)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.par_iter().try_for_each(|entry| {
        let path = relative.join(entry.file_name());
        if Some(path.as_path()) == spared {
            return Ok(());
        }
        if entry.file_type()?.is_dir() {
            if folders.contains(&path) {
                prune(&entry.path(), &path, placed, folders, spared)?;
            } else {
                std::fs::remove_dir_all(entry.path())?;
            }
        } else if !path.to_str().is_some_and(|path| placed.contains_key(path)) {
            std::fs::remove_file(entry.path())?;
        }
        Ok(())
    })
}

/// Puts one file at `site/relative`: the spare tree's file if it is still exactly
/// what its manifest says, with the same bytes; else a hard link to the current
/// output's file when that one is; else a new file (a kept file is copied then).
/// Without `look`, the caller knows nothing is at `site/relative` yet.
fn place(
    site: &Path,
    current: &Path,
    relative: &Path,
    file: &File,
    [previous, spare]: [&Manifest; 2],
    look: bool,
) -> Result<Entry> {
    let hash = file.hash();
    let target = site.join(relative);
    let existing = look
        .then(|| std::fs::symlink_metadata(&target).ok())
        .flatten();
    if let Some(entry) = spare.entries.get(file.path()).filter(|e| e.hash == hash)
        && existing
            .as_ref()
            .is_some_and(|m| m.is_file() && Stamp::of(m) == Some(entry.stamp))
    {
        return Ok(*entry);
    }
    if let Some(existing) = existing {
        // Never written in place: it may be a hard link to a file of the live output.
        let removed = if existing.is_dir() {
            std::fs::remove_dir_all(&target)
        } else {
            std::fs::remove_file(&target)
        };
        match removed {
            Err(error) if error.kind() != ErrorKind::NotFound => {
                return Err(error).with_context(|| format!("cannot replace {}", target.display()));
            }
            _ => {}
        }
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
