//! Tests of CSL formatting.

use super::*;

#[test]
fn year_letters_follow_the_last_year() {
    assert_eq!(
        suffix_after_year("(Wang et al., 2023b)", 2023).as_deref(),
        Some("b")
    );
    assert_eq!(suffix_after_year("(Survey 2023 Edition, 2023)", 2023), None);
    assert_eq!(suffix_after_year("[12]", 2023), None);
}

/// Papers come in key order, as the site passes them, and keys sort opposite to
/// the titles: letters given in key order would run backwards down the list.
#[test]
fn year_letters_follow_the_reference_list_not_the_keys() {
    let authors = ["Ann Alpha", "Bob Beta", "Cy Chen"];
    let papers = [
        ("x3", "Gamma study"),
        ("y2", "Beta study"),
        ("z1", "Alpha study"),
    ]
    .map(|(key, title)| Paper::for_tests(key, &authors, 2023, title));
    for name in ["apa", "chicago-author-date"] {
        for bibliography in [
            format(&papers, &style(name).unwrap(), "en"),
            format_in_one_run(&papers, &style(name).unwrap(), "en"),
        ] {
            let mut keys = ["x3", "y2", "z1"];
            keys.sort_by_key(|key| bibliography.rank(key));
            assert_eq!(keys, ["z1", "y2", "x3"], "{name}: the order is by title");
            let suffixes = bibliography.year_suffixes().unwrap();
            let letters = keys.map(|key| suffixes[key].as_str());
            assert_eq!(letters, ["a", "b", "c"], "{name}");
        }
    }
}

#[test]
fn bundled_styles_load_by_name_and_unknown_ones_do_not() {
    for name in ["apa", "ieee", "chicago-author-date"] {
        assert!(style(name).is_some(), "{name}");
    }
    assert!(style("apa-7th").is_none() || style_names().contains(&"apa-7th"));
    assert!(style("no-such-style").is_none());
    assert!(style_names().contains(&"ieee"));
}
