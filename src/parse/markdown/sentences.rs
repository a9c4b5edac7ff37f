//! The sentence around a citation, for the mentions a paper page quotes: where
//! sentences break, skipping abbreviations such as "et al." and "e.g.".

use super::Segment;

/// The segments of the sentence that contains `segments[position]`.
pub(super) fn sentence_around(segments: &[Segment], position: usize) -> Vec<Segment> {
    let mut start = 0;
    let mut first_text = None;
    for (i, segment) in segments[..position].iter().enumerate().rev() {
        if let Segment::Text(text) = segment
            && let Some(cut) = last_sentence_start(text)
        {
            start = i;
            first_text = Some(text[cut..].to_string());
            break;
        }
    }
    let mut end = segments.len();
    let mut last_text = None;
    for (i, segment) in segments.iter().enumerate().skip(position + 1) {
        if let Segment::Text(text) = segment
            && let Some(cut) = first_sentence_end(text)
        {
            end = i + 1;
            last_text = Some(text[..cut].to_string());
            break;
        }
    }
    let mut sentence: Vec<Segment> = segments[start..end].to_vec();
    if let Some(text) = first_text {
        sentence[0] = Segment::Text(text);
    }
    if let Some(text) = last_text {
        let last = sentence.len() - 1;
        if start == end - 1 {
            // The same text segment both starts and ends the sentence: cannot happen, as
            // the citation lies between them.
        } else {
            sentence[last] = Segment::Text(text);
        }
    }
    trim_segments(sentence)
}

fn trim_segments(mut sentence: Vec<Segment>) -> Vec<Segment> {
    if let Some(Segment::Text(first)) = sentence.first_mut() {
        *first = first.trim_start().to_string();
    }
    if let Some(Segment::Text(last)) = sentence.last_mut() {
        *last = last.trim_end().to_string();
    }
    sentence.retain(|segment| !matches!(segment, Segment::Text(text) if text.is_empty()));
    sentence
}

/// Byte index just after the last sentence end (". " before a capital) in `text`.
fn last_sentence_start(text: &str) -> Option<usize> {
    sentence_breaks(text).last()
}

/// Byte index just after the first sentence-ending punctuation in `text`.
fn first_sentence_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| {
        let ends = matches!(bytes[i], b'.' | b'?' | b'!')
            && bytes
                .get(i + 1)
                .is_none_or(|next| next.is_ascii_whitespace());
        (ends && !is_abbreviation(&text[..i])).then_some(i + 1)
    })
}

/// Positions where a new sentence starts: after `. `, `? ` or `! ` before a capital.
fn sentence_breaks(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    (1..bytes.len()).filter(move |&i| {
        let starts_word = !bytes[i].is_ascii_whitespace();
        let after_space = bytes[i - 1].is_ascii_whitespace();
        let mut j = i - 1;
        while j > 0 && bytes[j].is_ascii_whitespace() {
            j -= 1;
        }
        starts_word
            && after_space
            && matches!(bytes[j], b'.' | b'?' | b'!')
            && !is_abbreviation(&text[..j])
            && (bytes[i].is_ascii_uppercase()
                || bytes[i] == b'['
                || bytes[i] == b'@'
                || !bytes[i].is_ascii())
    })
}

fn is_abbreviation(before_dot: &str) -> bool {
    let word = before_dot
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    matches!(
        word,
        "e.g" | "i.e" | "et al" | "al" | "vs" | "cf" | "etc" | "Fig" | "Eq" | "approx"
    )
}
