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

/// Pages placed while the build runs and files given at the end make one site,
/// exactly as [`emit`] would write it; until `finish`, the output is the old one.
#[test]
fn pages_placed_during_the_build_join_the_rest_at_the_end() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("public");
    emit(&dir, &[output("old.html", "old")]).unwrap();
    let emitter = Emitter::begin(&dir).unwrap();
    let placed = emitter.place(&output("papers/a/index.html", "a")).unwrap();
    assert_eq!(placed.hash, content_hash(b"a"));
    assert_eq!(placed.size, 1);
    assert_eq!(emitter.read("papers/a/index.html").unwrap(), b"a");
    assert_eq!(
        names_in(&dir),
        ["old.html"],
        "nothing visible before finish"
    );
    emitter
        .finish(&[output("index.html", "home")], &[])
        .unwrap();
    assert_eq!(names_in(&dir), ["index.html", "papers"]);
    assert_eq!(
        std::fs::read(dir.join("papers/a/index.html")).unwrap(),
        b"a"
    );
}

#[test]
fn an_unfinished_emitter_leaves_the_output_and_its_tree_as_the_spare() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("public");
    emit(&dir, &[output("a.html", "1")]).unwrap();
    let emitter = Emitter::begin(&dir).unwrap();
    emitter.place(&output("a.html", "2")).unwrap();
    drop(emitter);
    assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"1");
    assert_eq!(
        names_in(temp.path()),
        [".public.survey-manifest", ".public.survey-spare", "public"],
        "no staging folder: the tree is the spare again"
    );
    // The spare's a.html is this build's, and the next build still writes the site.
    emit(&dir, &[output("a.html", "2"), output("b.html", "b")]).unwrap();
    assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"2");
    emit(&dir, &[output("a.html", "1")]).unwrap();
    assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"1");
    assert_eq!(names_in(&dir), ["a.html"]);
    // A page that cannot be placed fails the build at finish, output untouched.
    let emitter = Emitter::begin(&dir).unwrap();
    assert!(emitter.place(&output("../evil.html", "x")).is_none());
    assert!(emitter.finish(&[output("a.html", "3")], &[]).is_err());
    assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"1");
    assert!(!temp.path().join("evil.html").exists());
}

/// The spare tree may hold a file where the new site needs a folder, a folder where
/// it needs a file, or a link anywhere: each is replaced, nothing is written through
/// a link, and the result is exactly the new site.
#[cfg(unix)]
#[test]
fn whatever_the_spare_holds_in_the_way_is_replaced() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("public");
    let spare = temp.path().join(".public.survey-spare/site");
    emit(&dir, &[output("x", "file"), output("y/index.html", "y")]).unwrap();
    emit(&dir, &[output("z.html", "z")]).unwrap();
    let outside = temp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, spare.join("w")).unwrap();
    let emitter = Emitter::begin(&dir).unwrap();
    emitter
        .place(&output("x/index.html", "now a folder"))
        .unwrap();
    emitter.place(&output("y", "now a file")).unwrap();
    emitter
        .place(&output("w/index.html", "not through the link"))
        .unwrap();
    emitter.finish(&[], &[]).unwrap();
    assert_eq!(names_in(&dir), ["w", "x", "y"]);
    assert_eq!(std::fs::read(dir.join("y")).unwrap(), b"now a file");
    assert!(std::fs::symlink_metadata(dir.join("w")).unwrap().is_dir());
    assert!(
        names_in(&outside).is_empty(),
        "nothing written through the link"
    );
}

/// A build with search puts every other file in the tree and prunes all but the
/// search folder while the index is made; `finish` then prunes that folder alone.
/// What the spare held, inside the folder and out, is gone all the same, and a spare
/// file where the folder comes is replaced.
#[test]
fn files_placed_before_the_index_leave_only_its_folder_to_finish() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("public");
    let old_site = [
        output("a.html", "1"),
        output("gone/b.html", "1"),
        output("search/old.pf", "1"),
        output("search/part-1/old.pf", "1"),
    ];
    emit(&dir, &old_site).unwrap();
    emit(&dir, &[output("a.html", "2")]).unwrap();
    // The spare now holds the old site; its files must not survive the next build.
    let emitter = Emitter::begin(&dir).unwrap();
    let placed = emitter.place_all_but(
        &[output("a.html", "3"), output("c.html", "3")],
        &[],
        "search",
    );
    assert_eq!(placed.len(), 2);
    let tree = emitter.tree.site().to_path_buf();
    assert_eq!(
        names_in(&tree),
        ["a.html", "c.html", "search"],
        "all but the folder pruned"
    );
    assert_eq!(
        names_in(&tree.join("search")),
        ["old.pf", "part-1"],
        "the folder is left as it was"
    );
    emitter
        .finish(&[output("search/new.pf", "3")], &[])
        .unwrap();
    assert_eq!(names_in(&dir), ["a.html", "c.html", "search"]);
    assert_eq!(names_in(&dir.join("search")), ["new.pf"]);

    // Without any file in the folder, finish removes what the spare held there.
    emit(&dir, &old_site).unwrap();
    let emitter = Emitter::begin(&dir).unwrap();
    emitter.place_all_but(&[output("a.html", "4")], &[], "search");
    emitter.finish(&[], &[]).unwrap();
    assert_eq!(names_in(&dir), ["a.html"]);

    // A spare file where the folder comes is left for `finish`, which replaces it.
    emit(&dir, &[output("search", "a file")]).unwrap();
    emit(&dir, &[output("a.html", "5")]).unwrap();
    let emitter = Emitter::begin(&dir).unwrap();
    emitter.place_all_but(&[output("a.html", "6")], &[], "search");
    assert!(emitter.tree.site().join("search").is_file());
    emitter
        .finish(&[output("search/new.pf", "6")], &[])
        .unwrap();
    assert_eq!(names_in(&dir.join("search")), ["new.pf"]);
}
