//! The manifest: what the last build wrote into the output, so the next one can keep
//! the files whose bytes did not change instead of writing them again.
//!
//! It lives beside the output (`.<output>.survey-manifest`), one line per file: the
//! BLAKE3 hash of its bytes, then the inode, size and modification time the file had when
//! the build left it, then its path. An entry is trusted only while the file on disk
//! still has that inode, size and time, so a file edited or replaced by hand (or a
//! manifest left stale by a killed build) is never taken for the build's own: the file
//! is written again. A manifest that cannot be read is an empty one.

use std::fmt::Write as _;
use std::fs::Metadata;
use std::path::Path;

use anyhow::{Context, Result};

use crate::hash::FastMap;

/// What identifies a file as the one a build wrote, and what its bytes hash to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub hash: [u8; 32],
    pub stamp: Stamp,
}

/// The identity of one file on disk: inode, size, modification time in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub inode: u64,
    pub size: u64,
    pub modified: i128,
}

impl Stamp {
    pub fn of(metadata: &Metadata) -> Option<Stamp> {
        let modified = metadata.modified().ok()?;
        let nanos = match modified.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => after.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        };
        Some(Stamp {
            inode: inode(metadata),
            size: metadata.len(),
            modified: nanos,
        })
    }
}

#[cfg(unix)]
fn inode(metadata: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(metadata)
}

#[cfg(not(unix))]
fn inode(_metadata: &Metadata) -> u64 {
    0
}

/// The BLAKE3 hash of `bytes`: as collision-resistant as SHA-256 and, on the
/// 10-50 KB pages of a site, about three times as fast (every output is hashed).
pub fn hash(bytes: &[u8]) -> [u8; 32] {
    blake3::hash(bytes).into()
}

/// Output path (relative, `/`-separated as rendered) -> entry.
#[derive(Debug, Default)]
pub struct Manifest {
    pub entries: FastMap<String, Entry>,
}

impl Manifest {
    /// The manifest at `path`; empty if it is missing or unreadable.
    pub fn load(path: &Path) -> Manifest {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let entries = text.lines().filter_map(parse_line).collect();
        Manifest { entries }
    }

    /// Writes the manifest to `path` (a file in the staging folder; the caller renames
    /// it into place).
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut paths: Vec<&String> = self.entries.keys().collect();
        paths.sort();
        let mut text = String::with_capacity(paths.len() * 128);
        // A path with a line break cannot be one line: it is left out (written again).
        for path in paths.into_iter().filter(|p| !p.contains(['\n', '\r'])) {
            let Entry { hash, stamp } = &self.entries[path];
            push_hex(&mut text, hash);
            let _ = writeln!(
                text,
                " {} {} {} {path}",
                stamp.inode, stamp.size, stamp.modified
            );
        }
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
    }
}

/// Appends `bytes` to `text` in lowercase hexadecimal (a manifest has 64 digits a
/// line, and `write!` a byte at a time was most of the time taken to save one).
fn push_hex(text: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
}

/// The value of one hexadecimal digit, either case.
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

fn parse_line(line: &str) -> Option<(String, Entry)> {
    let mut fields = line.splitn(5, ' ');
    let hex = fields.next()?;
    let inode = fields.next()?.parse().ok()?;
    let size = fields.next()?.parse().ok()?;
    let modified = fields.next()?.parse().ok()?;
    let path = fields.next()?.to_string();
    if hex.len() != 64 || path.is_empty() {
        return None;
    }
    let mut hash = [0; 32];
    for (byte, pair) in hash.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        *byte = hex_value(pair[0])? << 4 | hex_value(pair[1])?;
    }
    let stamp = Stamp {
        inode,
        size,
        modified,
    };
    Some((path, Entry { hash, stamp }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_manifest_loads_the_same() {
        let temp = tempfile::tempdir().unwrap();
        let mut manifest = Manifest::default();
        let stamp = Stamp {
            inode: 7,
            size: 3,
            modified: -5,
        };
        for path in ["a b/index.html", "x.css"] {
            let hash = hash(path.as_bytes());
            manifest.entries.insert(path.into(), Entry { hash, stamp });
        }
        let file = temp.path().join("m");
        manifest.save(&file).unwrap();
        assert_eq!(Manifest::load(&file).entries, manifest.entries);
    }

    #[test]
    fn unreadable_lines_and_files_are_skipped() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("m");
        std::fs::write(&file, "zz 1 2 3 a\n\n00 1 2\n").unwrap();
        assert!(Manifest::load(&file).entries.is_empty());
        assert!(
            Manifest::load(&temp.path().join("missing"))
                .entries
                .is_empty()
        );
    }
}
