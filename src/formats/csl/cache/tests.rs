use super::super::style;
use super::*;

fn papers(titles: &[&str]) -> BTreeMap<String, Paper> {
    (titles.iter().enumerate())
        .map(|(index, title)| {
            let (key, author) = (format!("paper{index}"), format!("Ann Author{index}"));
            let paper = Paper::for_tests(&key, &[&author], 2023, title);
            (key, paper)
        })
        .collect()
}

#[test]
fn common_styles_are_context_free() {
    for name in ["apa", "ieee", "chicago-author-date"] {
        assert!(context_free(&style(name).unwrap()), "{name}");
    }
}

#[test]
fn references_that_read_other_entries_are_refused() {
    let mut apa = style("apa").unwrap();
    let bibliography = apa.bibliography.as_mut().unwrap();
    bibliography.subsequent_author_substitute = Some("———".into());
    assert!(!context_free(&apa));
    // Chicago tests ambiguity in its citation, through macros; in references it
    // would make them depend on the other papers.
    let mut chicago = style("chicago-author-date").unwrap();
    let citation = chicago.citation.layout.elements.clone();
    chicago.bibliography.as_mut().unwrap().layout.elements = citation;
    assert!(!context_free(&chicago));
}

#[test]
fn numbers_inside_references_make_every_change_a_full_run() {
    let papers = papers(&["One", "Two"]);
    let ieee = Styles::new(style("ieee").unwrap(), "en");
    assert!(!numbered(&Parts::full(
        &papers.values().collect::<Vec<_>>(),
        &ieee
    )));
    // Without a margin field, hayagriva leaves "[1]" inside the reference.
    let mut inline = style("ieee").unwrap();
    inline.bibliography.as_mut().unwrap().second_field_align = None;
    let inline = Styles::new(inline, "en");
    assert!(numbered(&Parts::full(
        &papers.values().collect::<Vec<_>>(),
        &inline
    )));
}

#[test]
fn an_edit_updates_in_place_and_no_edit_reuses_the_bibliography() {
    let mut papers = papers(&["Beta", "Alpha", "Gamma"]);
    let mut cache = Cache::default();
    let first = cache.format(&papers, "apa", "en");
    assert!(Arc::ptr_eq(&first, &cache.format(&papers, "apa", "en")));
    papers.get_mut("paper1").unwrap().fields.authors = vec!["Zed Last".into()];
    let edited = cache.format(&papers, "apa", "en");
    assert!(cache.last.as_ref().is_some_and(|last| last.incremental));
    let ranks = ["paper0", "paper1", "paper2"].map(|key| edited.rank(key));
    assert_eq!(ranks, [0, 2, 1], "Author0, Author2, then Last");
}
