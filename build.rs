//! Gives the crate `SURVEY_BUILD_ID`: a hash of everything that decides how this build
//! of the tool renders (its sources, the locked dependency versions, the compiler), so
//! that the persistent cache (src/engine/persist.rs) is used only by the build of
//! the tool that wrote it, without reading the executable at run time.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

const FOLDERS: [&str; 3] = ["src", "templates", "static"];

fn main() {
    let mut hasher = DefaultHasher::new();
    let mut files = Vec::new();
    // The sources, and the templates and static files they embed.
    for folder in FOLDERS {
        collect_files(Path::new(folder), &mut files);
        println!("cargo:rerun-if-changed={folder}");
    }
    files.sort();
    for file in files.iter().chain([&PathBuf::from("Cargo.lock")]) {
        file.hash(&mut hasher);
        std::fs::read(file).unwrap_or_default().hash(&mut hasher);
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc).arg("-vV").output();
    version
        .map(|out| out.stdout)
        .unwrap_or_default()
        .hash(&mut hasher);
    println!("cargo:rustc-env=SURVEY_BUILD_ID={:016x}", hasher.finish());
    println!("cargo:rerun-if-changed=Cargo.lock");
}

fn collect_files(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}
