//! Repairs of hayagriva's output that no style setting can make.
//!
//! - [`et_al`]: an incomplete author list ends in the [`ET_AL`] placeholder person; the
//!   style wrote "& et al." or "and et al." before it, and the "and" must go.
//! - [`punctuation`]: some styles leave a delimiter before a group that rendered
//!   nothing ("(2023,)", "Blog,."), or two spaces; those are removed.
//!
//! Both work on structure (name elements, text runs), never on HTML.

use hayagriva::citationberg::taxonomy::NameVariable;
use hayagriva::{Elem, ElemChild, ElemChildren, ElemMeta};

use super::entry::ET_AL;
use super::html::Leaf;

/// Drops the "and" (`&`, `and`) written before the [`ET_AL`] placeholder author.
pub fn et_al(children: &mut ElemChildren) {
    for child in &mut children.0 {
        if let ElemChild::Elem(elem) = child {
            if is_author_list(elem) {
                drop_and_before_last_name(elem);
                return;
            }
            et_al(&mut elem.children);
        }
    }
}

fn name_index(child: &ElemChild) -> Option<usize> {
    match child {
        ElemChild::Elem(Elem {
            meta: Some(ElemMeta::Name(NameVariable::Author, index)),
            ..
        }) => Some(*index),
        _ => None,
    }
}

fn is_author_list(elem: &Elem) -> bool {
    elem.children
        .0
        .iter()
        .any(|child| name_index(child).is_some())
}

fn drop_and_before_last_name(list: &mut Elem) {
    let names: Vec<usize> = (list.children.0.iter().enumerate())
        .filter(|(_, child)| name_index(child).is_some())
        .map(|(position, _)| position)
        .collect();
    let [.., previous, last] = names[..] else {
        return;
    };
    // The style may have merged the placeholder's final period into what follows.
    let stem = |text: &str| text.trim().trim_end_matches('.').to_string();
    if stem(&text_of(&list.children.0[last])) != stem(ET_AL) {
        return;
    }
    for child in &mut list.children.0[previous + 1..last] {
        if let ElemChild::Text(text) = child {
            text.text = without_and(&text.text);
        }
    }
}

fn text_of(child: &ElemChild) -> String {
    match child {
        ElemChild::Text(text) => text.text.clone(),
        ElemChild::Elem(elem) => elem.children.0.iter().map(text_of).collect(),
        ElemChild::Link { text, .. } => text.text.clone(),
        ElemChild::Markup(markup) => markup.clone(),
        ElemChild::Transparent { .. } => String::new(),
    }
}

/// ", & " -> ", "; " and " -> " ".
fn without_and(delimiter: &str) -> String {
    let kept: Vec<&str> = delimiter
        .split_whitespace()
        .filter(|word| !matches!(*word, "&" | "and"))
        .collect();
    if kept.is_empty() {
        " ".to_string()
    } else {
        format!("{} ", kept.join(" "))
    }
}

/// Removes a `,` `;` or `:` (and the spaces after it) that stands before `.`, `)` or
/// `,`, a period after a quotation that already ends in one, and double spaces.
/// Runs keep their formatting and links; the text of links is never changed.
pub fn punctuation(leaves: Vec<Leaf>) -> Vec<Leaf> {
    let mut kept: Vec<(char, usize)> = Vec::new();
    for (index, leaf) in leaves.iter().enumerate() {
        for c in leaf.text.chars() {
            if leaf.link.is_some() {
                kept.push((c, index));
            } else {
                push_tidy(&mut kept, c, index);
            }
        }
    }
    let mut texts = vec![String::new(); leaves.len()];
    for (c, index) in kept {
        texts[index].push(c);
    }
    leaves
        .into_iter()
        .zip(texts)
        .map(|(leaf, text)| Leaf { text, ..leaf })
        .filter(|leaf| !leaf.text.is_empty())
        .collect()
}

fn push_tidy(kept: &mut Vec<(char, usize)>, c: char, index: usize) {
    let last = kept.last().map(|(c, _)| *c);
    if c == ' ' && last == Some(' ') {
        return;
    }
    if c == '.' && ends_with_quoted_stop(kept) {
        return;
    }
    if matches!(c, '.' | ')' | ',') {
        let spaces = kept.iter().rev().take_while(|(c, _)| *c == ' ').count();
        let before = kept.len().checked_sub(spaces + 1).map(|i| kept[i].0);
        if matches!(before, Some(',' | ';' | ':')) {
            kept.truncate(kept.len() - spaces - 1);
        }
    }
    kept.push((c, index));
}

/// `…end.”` or `…end?"`: a closing quotation mark after sentence-ending punctuation.
fn ends_with_quoted_stop(kept: &[(char, usize)]) -> bool {
    match kept {
        [.., (stop, _), (quote, _)] => {
            matches!(stop, '.' | '?' | '!') && matches!(quote, '”' | '"' | '’')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hayagriva::Formatting;

    fn leaves(texts: &[&str]) -> Vec<Leaf> {
        texts
            .iter()
            .map(|text| Leaf {
                text: text.to_string(),
                formatting: Formatting::default(),
                link: None,
            })
            .collect()
    }

    fn tidy(texts: &[&str]) -> String {
        super::super::html::plain(&punctuation(leaves(texts)))
    }

    #[test]
    fn removes_delimiters_left_before_nothing() {
        assert_eq!(tidy(&["Lee, A. (2023", "a", ",", ")."]), "Lee, A. (2023a).");
        assert_eq!(
            tidy(&["In ", "Blog", ",", ". https://x"]),
            "In Blog. https://x"
        );
        assert_eq!(tidy(&["[Online].  Available: x"]), "[Online]. Available: x");
        assert_eq!(tidy(&["“Blog post.”", ". x"]), "“Blog post.” x");
    }

    #[test]
    fn keeps_ordinary_punctuation() {
        assert_eq!(
            tidy(&["A, B., & C. (2020). T: a (b), c."]),
            "A, B., & C. (2020). T: a (b), c."
        );
    }

    #[test]
    fn the_and_before_et_al_goes() {
        assert_eq!(without_and(", & "), ", ");
        assert_eq!(without_and(", and "), ", ");
        assert_eq!(without_and(" and "), " ");
        assert_eq!(without_and(" & "), " ");
    }
}
