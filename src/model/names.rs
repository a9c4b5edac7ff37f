//! Person names as the survey writes them ("Given Family", one string) split into
//! parts the way BibTeX does ("Henrique Ponde de Oliveira Pinto" -> given "Henrique
//! Ponde", particle "de", family "Oliveira Pinto").
//!
//! Invariants: every consumer (labels, CSL formatting, BibTeX and CSL-JSON exports)
//! splits a name with [`PersonName::parse`], so a name reads the same everywhere and a
//! `.bib` file read back by a BibTeX parser yields the same parts. No name is ever
//! dropped or altered: a name the BibTeX rules cannot split into parts that read back
//! as the name written (one with `=`, which BibTeX takes for `family=...` syntax, or
//! with commas, which reorder it, or markup-like text) is a *literal* name, kept whole
//! as its family part with no other parts.

use biblatex::{Chunk, Spanned};

/// One author's name in parts. Empty strings mean "absent".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub given: String,
    /// A lowercase particle such as "von" or "de".
    pub particle: String,
    pub family: String,
    /// "Jr.", "III".
    pub suffix: String,
    /// The whole name is `family`: the BibTeX rules could not split it faithfully
    /// (an organisation's or a one-word name splits fine and is not literal).
    pub literal: bool,
}

impl PersonName {
    /// Splits a full name by BibTeX's rules (the `biblatex` crate's parser), or keeps
    /// it whole as a literal name when the parts would not read back as the name.
    pub fn parse(full_name: &str) -> PersonName {
        let full: String = full_name.split_whitespace().collect::<Vec<_>>().join(" ");
        let chunks = [Spanned::detached(Chunk::Normal(full.clone()))];
        let person = biblatex::Person::parse(&chunks);
        let parsed = PersonName {
            given: person.given_name,
            particle: person.prefix,
            family: person.name,
            suffix: person.suffix,
            literal: false,
        };
        if parsed.reads_as(&full) {
            parsed
        } else {
            PersonName {
                given: String::new(),
                particle: String::new(),
                family: full,
                suffix: String::new(),
                literal: true,
            }
        }
    }

    /// Whether the parts, in reading order, are exactly `full` (and a family name).
    fn reads_as(&self, full: &str) -> bool {
        let parts = [&self.given, &self.particle, &self.family, &self.suffix];
        let words: Vec<&str> = parts.iter().flat_map(|p| p.split_whitespace()).collect();
        !self.family.trim().is_empty() && words.join(" ") == full
    }

    /// The parts as the `biblatex` crate holds them, for BibTeX export.
    pub fn to_biblatex(&self) -> biblatex::Person {
        biblatex::Person {
            name: self.family.clone(),
            given_name: self.given.clone(),
            prefix: self.particle.clone(),
            suffix: self.suffix.clone(),
            id: None,
            prefix_initials: None,
            given_initials: None,
            use_prefix: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(name: &str) -> (String, String, String) {
        let p = PersonName::parse(name);
        (p.given, p.particle, p.family)
    }

    fn owned(given: &str, particle: &str, family: &str) -> (String, String, String) {
        (given.into(), particle.into(), family.into())
    }

    #[test]
    fn last_capitalised_word_is_the_family_name() {
        assert_eq!(
            parts("Christopher D. Manning"),
            owned("Christopher D.", "", "Manning")
        );
        assert_eq!(parts("Teven Le Scao"), owned("Teven Le", "", "Scao"));
    }

    #[test]
    fn lowercase_particles_are_kept_apart() {
        assert_eq!(parts("Dimitri von Rütte"), owned("Dimitri", "von", "Rütte"));
        assert_eq!(
            parts("Henrique Ponde de Oliveira Pinto"),
            owned("Henrique Ponde", "de", "Oliveira Pinto")
        );
    }

    #[test]
    fn a_single_word_is_a_family_name() {
        assert_eq!(parts("OpenAI"), owned("", "", "OpenAI"));
        assert_eq!(parts("Plato"), owned("", "", "Plato"));
        assert!(!PersonName::parse("Plato").literal);
    }

    #[test]
    fn a_leading_particle_stays_a_particle() {
        assert_eq!(parts("van der Berg"), owned("", "van der", "Berg"));
        assert_eq!(parts("Anna van der Berg"), owned("Anna", "van der", "Berg"));
    }

    #[test]
    fn non_latin_names_keep_every_character() {
        assert_eq!(parts("张伟"), owned("", "", "张伟"));
        assert_eq!(parts("Σωκράτης Παππάς"), owned("Σωκράτης", "", "Παππάς"));
    }

    /// Regression: a name with `=` was read as BibTeX's `family=...` syntax and came
    /// out with no parts at all, so references and descriptions lost the author.
    #[test]
    fn names_the_rules_cannot_split_are_kept_whole() {
        for name in [
            "<span class=\"x\">Bob</span>",
            "a=b",
            "OpenAI, Inc.",
            "Smith, John",
        ] {
            let parsed = PersonName::parse(name);
            assert!(parsed.literal, "{name}");
            assert_eq!(parts(name), owned("", "", name), "{name}");
        }
    }

    #[test]
    fn markup_like_text_without_equals_is_split_and_kept() {
        let parsed = PersonName::parse("<b>Bob</b>");
        assert_eq!(parsed.family, "<b>Bob</b>");
        let spaced = PersonName::parse("Alice <i>Liddell</i>");
        let words = format!("{} {}", spaced.given, spaced.family);
        assert_eq!(words, "Alice <i>Liddell</i>");
    }

    #[test]
    fn spaces_are_collapsed_not_lost() {
        assert_eq!(parts("  Ada   Lovelace "), owned("Ada", "", "Lovelace"));
    }
}
