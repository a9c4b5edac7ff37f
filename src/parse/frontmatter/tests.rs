use super::*;

fn file(text: &str) -> SourceFile {
    SourceFile {
        path: "content/papers/x.md".into(),
        text: text.to_string(),
    }
}

/// Values the YAML tree holds as numbers are read as text where the schema wants
/// text, exactly as from the file itself.
#[test]
fn numbers_in_text_fields_are_read_as_written() {
    let f = file("---\ntitle: 1.10\nyear: 2023\narxiv: 2307.12960\nmonth: 5\n---\n");
    let fields: PaperFields = parse(&f, &split(&f).unwrap()).unwrap();
    assert_eq!(fields.title, "1.10");
    assert_eq!(fields.arxiv.as_deref(), Some("2307.12960"));
    assert_eq!((fields.year, fields.month), (2023, Some(5)));
    let from_text: PaperFields = serde_yaml::from_str(split(&f).unwrap().yaml).unwrap();
    assert_eq!(fields, from_text);
}

#[test]
fn splits_front_matter_from_body() {
    let f = file("---\ntitle: A\n---\nBody\n");
    let split = split(&f).unwrap();
    assert_eq!(split.yaml, "title: A\n");
    assert_eq!(split.body, "Body\n");
    assert_eq!(split.body_offset, 17);
}

#[test]
fn rejects_unclosed_front_matter() {
    let error = split(&file("---\ntitle: A\n")).unwrap_err();
    assert!(error.message.contains("never closed"));
}

fn problems(text: &str) -> Vec<Diagnostic> {
    let f = file(text);
    let s = split(&f).unwrap();
    parse::<PaperFields>(&f, &s).unwrap_err()
}

#[test]
fn rejects_unknown_field_with_suggestion_at_file_position() {
    let error = &problems("---\ntitle: A\nauthor: [B]\nyear: 2020\n---\n")[0];
    assert_eq!((error.line, error.column, error.span), (3, 1, 6));
    assert_eq!(error.message, "unknown field `author`");
    assert!(
        error
            .help
            .as_ref()
            .unwrap()
            .starts_with("did you mean `authors`?")
    );
}

#[test]
fn reports_every_unknown_and_missing_field_at_once() {
    let all = problems("---\nauthor: [B]\nvenu: X\n---\n");
    let messages: Vec<_> = all.iter().map(|d| (d.line, d.message.as_str())).collect();
    assert_eq!(
        messages,
        [
            (2, "unknown field `author`"),
            (3, "unknown field `venu`"),
            (4, "missing field `title`"),
            (4, "missing field `year`")
        ]
    );
}

#[test]
fn explains_a_wrong_type_in_words() {
    let error = &problems("---\ntitle: A\nyear: \"twenty\"\n---\n")[0];
    assert_eq!((error.line, error.column), (3, 7));
    assert_eq!(
        error.message,
        "`year` should be a whole number, not the text \"twenty\""
    );
}

#[test]
fn reports_a_repeated_field_at_its_second_line() {
    let all = problems("---\ntitle: A\nyear: 2020\ntitle: B\n---\n");
    assert_eq!((all[0].line, all[0].column), (4, 1), "{all:?}");
    assert!(all[0].message.contains("`title`"), "{all:?}");
}

#[test]
fn captures_the_field_names_of_a_struct() {
    assert_eq!(
        field_names::<PageFields>(),
        ["title", "weight", "description", "topics"]
    );
}

#[test]
fn finds_list_item_positions() {
    let f = file("---\ntitle: A\nauthors:\n  - B\n  - C\n---\n");
    let s = split(&f).unwrap();
    assert_eq!(
        list_item_position(&f, &s, "authors", 1),
        Position { line: 5, column: 5 }
    );
    let g = file("---\nauthors: [B, C]\n---\n");
    let s = split(&g).unwrap();
    assert_eq!(
        list_item_position(&g, &s, "authors", 1),
        Position {
            line: 2,
            column: 14
        }
    );
}
