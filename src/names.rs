//! Person names as the survey writes them ("Given Family", one string) split into
//! parts the way BibTeX does ("Henrique Ponde de Oliveira Pinto" -> given "Henrique
//! Ponde", particle "de", family "Oliveira Pinto").
//!
//! Invariant: every consumer (labels, CSL formatting, BibTeX and CSL-JSON exports)
//! splits a name with [`PersonName::parse`], so a name reads the same everywhere and a
//! `.bib` file read back by a BibTeX parser yields the same parts.

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
}

impl PersonName {
    /// Splits a full name by BibTeX's rules (the `biblatex` crate's parser).
    pub fn parse(full_name: &str) -> PersonName {
        let chunks = [Spanned::detached(Chunk::Normal(
            full_name.trim().to_string(),
        ))];
        let person = biblatex::Person::parse(&chunks);
        PersonName {
            given: person.given_name,
            particle: person.prefix,
            family: person.name,
            suffix: person.suffix,
        }
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
    }
}
