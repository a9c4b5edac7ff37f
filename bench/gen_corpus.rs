//! Generates a synthetic survey in our content contract, for benchmarks.
//!
//! `cargo run --release --example gen_corpus -- --papers 10000 --out /tmp/corpus [--seed 1] [--code 25]`
//!
//! `--code PERCENT` adds one fenced code block (Python, Rust, shell, JSON or YAML) to
//! every section page and to about PERCENT % of the papers, so that build-time
//! highlighting is part of what a build benchmark measures. Which papers get one
//! depends only on the paper's index, never on the random stream, so every other byte
//! of the corpus is the same with or without code (the default, 0, adds none).
//!
//! Invariants: the output is a pure function of `--papers`, `--seed` and `--code` (a small
//! SplitMix64 generator, no clock, no hash-map order), and it passes `survey check`
//! without errors: unique keys, titles, arXiv ids and URLs; every topic a paper names
//! is declared by a section; every citation names a generated paper; every internal
//! link points at a generated page and heading. The shape follows the real survey:
//! chapters with sections, sections declaring finer topics, papers with full
//! front-matter and optional notes, and chapter prose with about one citation per
//! forty words.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "rng.rs"]
pub(crate) mod rng;
use rng::Rng;

const CHAPTERS: &[&str] = &[
    "data",
    "training",
    "evaluation",
    "safety",
    "efficiency",
    "applications",
];
const SECTIONS_PER_CHAPTER: std::ops::RangeInclusive<u64> = 4..=6;
const TOPICS_PER_SECTION: std::ops::RangeInclusive<u64> = 2..=4;

const GIVEN: &[&str] = &[
    "Ada", "Ben", "Chen", "Dana", "Elif", "Femi", "Gita", "Hiro", "Ines", "Jonas", "Kira", "Luca",
    "Mei", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Viktor", "Wen",
    "Xavier", "Yuki", "Zara", "Anil", "Bea", "Carlos", "Dmitri", "Eva", "Farid", "Grace", "Hana",
    "Ivan", "Jia", "Kofi", "Lena", "Mateo", "Noor",
];
const FAMILY: &[&str] = &[
    "Abe",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kim",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Sato",
    "Tanaka",
    "Ueda",
    "Varga",
    "Wang",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Li",
    "Liu",
    "Chen",
    "Singh",
    "Novak",
    "Olsen",
    "Park",
    "Reyes",
    "Schmidt",
    "Takahashi",
    "Usman",
    "Vogel",
    "Weber",
    "Young",
    "Zhou",
    "Alvarez",
    "Brown",
    "Cohen",
    "Diaz",
    "Evans",
    "Fujita",
    "Gupta",
    "Huang",
    "Iyer",
];
const ADJECTIVES: &[&str] = &[
    "Scalable",
    "Robust",
    "Efficient",
    "Direct",
    "Contrastive",
    "Sparse",
    "Adaptive",
    "Iterative",
    "Hierarchical",
    "Multilingual",
    "Self-Supervised",
    "Calibrated",
    "Faithful",
    "Interpretable",
    "Low-Rank",
    "Curriculum",
    "Reward-Free",
    "Preference-Aware",
    "Instruction-Tuned",
    "Compositional",
];
const NOUNS: &[&str] = &[
    "Alignment",
    "Feedback",
    "Distillation",
    "Fine-Tuning",
    "Reward Modeling",
    "Preference Learning",
    "Evaluation",
    "Red Teaming",
    "Data Selection",
    "Instruction Following",
    "Policy Optimization",
    "Critique Generation",
    "Self-Refinement",
    "Decoding",
    "Tool Use",
    "Reasoning",
    "Summarization",
    "Dialogue",
    "Code Generation",
    "Retrieval",
];
const OBJECTS: &[&str] = &[
    "Language Models",
    "Chat Assistants",
    "Small Models",
    "Multimodal Models",
    "Code Models",
    "Open Models",
    "Mixture-of-Experts Models",
    "Long-Context Models",
    "Agents",
    "Reward Models",
];
const NAMES: &[&str] = &[
    "Aurora", "Beacon", "Cascade", "Delta", "Ember", "Falcon", "Glimmer", "Harbor", "Iris",
    "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchid", "Pioneer", "Quartz", "Raven",
    "Sable", "Tundra",
];
const VENUES: &[&str] = &[
    "NeurIPS", "ICML", "ICLR", "ACL", "EMNLP", "NAACL", "TACL", "AAAI", "COLING", "arXiv",
];
const WORDS: &[&str] = &[
    "the",
    "model",
    "training",
    "data",
    "preference",
    "human",
    "reward",
    "method",
    "results",
    "show",
    "that",
    "a",
    "of",
    "with",
    "for",
    "and",
    "on",
    "is",
    "more",
    "than",
    "policy",
    "annotators",
    "benchmark",
    "responses",
    "quality",
    "improves",
    "compared",
    "baseline",
    "approach",
    "uses",
    "learned",
    "signal",
    "instructions",
    "tasks",
    "evaluation",
    "shows",
    "cost",
    "scale",
    "larger",
    "smaller",
    "across",
    "settings",
    "study",
    "finds",
    "while",
    "which",
    "when",
    "under",
    "fixed",
    "budget",
    "samples",
    "feedback",
    "pairs",
    "loss",
];

struct Section {
    chapter: usize,
    slug: String,
    title: String,
    topics: Vec<(String, String)>,
}

impl Section {
    fn id(&self) -> String {
        format!("{}/{}", CHAPTERS[self.chapter], self.slug)
    }
}

struct Paper {
    key: String,
    title: String,
    authors: Vec<String>,
    year: u64,
    month: u64,
    venue: String,
    arxiv: String,
    code: Option<String>,
    /// (section index, finer topic index or None for the section itself)
    topics: Vec<(usize, Option<usize>)>,
}

/// What to generate, and where (also used by `tests/serve_incremental.rs`).
pub struct Options {
    pub papers: usize,
    pub out: PathBuf,
    pub seed: u64,
    /// Share of papers (percent) whose notes end with a code block; section pages get
    /// one whenever this is above 0.
    pub code: u64,
}

fn main() {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!(
                "{message}\nusage: gen_corpus --papers N --out DIR [--seed S] [--code PERCENT]"
            );
            std::process::exit(2);
        }
    };
    if let Err(error) = generate(&options) {
        eprintln!("error: {error}");
        std::process::exit(2);
    }
    println!(
        "wrote {} papers into {}",
        options.papers,
        options.out.display()
    );
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        papers: 1000,
        out: PathBuf::from("/tmp/corpus"),
        seed: 1,
        code: 0,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--papers" => options.papers = value.parse().map_err(|_| "--papers: a number")?,
            "--seed" => options.seed = value.parse().map_err(|_| "--seed: a number")?,
            "--out" => options.out = PathBuf::from(value),
            "--code" => {
                options.code = value
                    .parse()
                    .ok()
                    .filter(|percent| *percent <= 100)
                    .ok_or("--code: a percentage from 0 to 100")?
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

pub fn generate(options: &Options) -> std::io::Result<()> {
    let mut rng = Rng(options.seed);
    let sections = make_sections(&mut rng);
    let papers = make_papers(&mut rng, &sections, options.papers);
    let out = &options.out;
    // Only what a previous run wrote is replaced; nothing else in `out` is touched.
    if out.join("content").exists() {
        std::fs::remove_dir_all(out.join("content"))?;
    }
    std::fs::create_dir_all(out.join("content/papers"))?;
    write(out, "site.yaml", &site_yaml())?;
    write(out, "content/_index.md", &home(&mut rng))?;
    for (index, chapter) in CHAPTERS.iter().enumerate() {
        let text = chapter_page(&mut rng, index, &sections, &papers);
        write(out, &format!("content/{chapter}/_index.md"), &text)?;
    }
    for (index, section) in sections.iter().enumerate() {
        let mut text = section_page(&mut rng, index, &sections, &papers);
        if options.code > 0 {
            text.push_str(&code_block(index));
        }
        write(out, &format!("content/{}.md", section.id()), &text)?;
    }
    for (index, paper) in papers.iter().enumerate() {
        let mut text = paper_file(&mut rng, paper, &sections, &papers, index);
        if has_code(index, options.code) {
            text.push_str(&code_block(index));
        }
        write(out, &format!("content/papers/{}.md", paper.key), &text)?;
    }
    Ok(())
}

fn write(root: &Path, relative: &str, text: &str) -> std::io::Result<()> {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

fn site_yaml() -> String {
    "title: A Generated Survey\n\
     description: A synthetic survey for benchmarks.\n\
     base_url: http://127.0.0.1:1111/\n\
     repo_url: https://github.com/example/generated-survey\n\
     language: en\n"
        .to_string()
}

fn make_sections(rng: &mut Rng) -> Vec<Section> {
    let mut sections = Vec::new();
    for chapter in 0..CHAPTERS.len() {
        for number in 0..rng.range(SECTIONS_PER_CHAPTER) {
            let noun = NOUNS[(chapter * 7 + number as usize * 3) % NOUNS.len()];
            let topics = (0..rng.range(TOPICS_PER_SECTION))
                .map(|t| {
                    let adjective = ADJECTIVES
                        [(chapter + number as usize * 5 + t as usize * 3) % ADJECTIVES.len()];
                    (
                        format!("topic-{}", t + 1),
                        format!("{adjective} {noun}, part {}", t + 1),
                    )
                })
                .collect();
            sections.push(Section {
                chapter,
                slug: format!("section-{}", number + 1),
                title: format!("{noun} ({})", number + 1),
                topics,
            });
        }
    }
    sections
}

fn make_papers(rng: &mut Rng, sections: &[Section], count: usize) -> Vec<Paper> {
    let mut keys = BTreeSet::new();
    let mut titles = BTreeSet::new();
    let mut papers = Vec::with_capacity(count);
    for index in 0..count {
        let title = unique_title(rng, &mut titles);
        let authors = make_authors(rng);
        let year = rng.range(2015..=2024);
        let family = authors[0].rsplit(' ').next().unwrap_or("anon");
        let first_word: String = title
            .split(|c: char| !c.is_ascii_alphanumeric())
            .find(|w| !w.is_empty())
            .unwrap_or("paper")
            .to_ascii_lowercase();
        let base = format!("{}{year}{first_word}", family.to_ascii_lowercase());
        let key = unique_key(&base, &mut keys);
        let topics = paper_topics(rng, sections);
        papers.push(Paper {
            key,
            title,
            authors,
            year,
            month: rng.range(1..=12),
            venue: rng.pick(VENUES).to_string(),
            arxiv: format!("{:02}{:02}.{:05}", year % 100, rng.range(1..=12), index),
            code: rng
                .chance(40)
                .then(|| format!("https://github.com/example/project-{index}")),
            topics,
        });
    }
    papers
}

fn unique_title(rng: &mut Rng, seen: &mut BTreeSet<String>) -> String {
    loop {
        let title = format!(
            "{}: {} {} for {}",
            rng.pick(NAMES),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.pick(OBJECTS)
        );
        let title = if seen.contains(&title) {
            format!("{title} at Scale {}", seen.len())
        } else {
            title
        };
        if seen.insert(title.clone()) {
            return title;
        }
    }
}

fn unique_key(base: &str, seen: &mut BTreeSet<String>) -> String {
    let mut key = base.to_string();
    let mut suffix = 1;
    while !seen.insert(key.clone()) {
        suffix += 1;
        key = format!("{base}-{suffix}");
    }
    key
}

fn make_authors(rng: &mut Rng) -> Vec<String> {
    let count = rng.range(1..=8);
    let mut authors: Vec<String> = (0..count)
        .map(|_| format!("{} {}", rng.pick(GIVEN), rng.pick(FAMILY)))
        .collect();
    if count > 5 && rng.chance(30) {
        authors.push("others".into());
    }
    authors
}

fn paper_topics(rng: &mut Rng, sections: &[Section]) -> Vec<(usize, Option<usize>)> {
    let mut topics = Vec::new();
    let how_many = if rng.chance(20) { 2 } else { 1 };
    while topics.len() < how_many {
        let section = rng.below(sections.len() as u64) as usize;
        let finer = sections[section].topics.len() as u64;
        let topic = (!rng.chance(20)).then(|| rng.below(finer) as usize);
        if !topics.contains(&(section, topic)) {
            topics.push((section, topic));
        }
    }
    topics
}

fn topic_id(sections: &[Section], (section, finer): (usize, Option<usize>)) -> String {
    let section = &sections[section];
    match finer {
        Some(t) => format!("{}/{}", section.id(), section.topics[t].0),
        None => section.id(),
    }
}

fn paper_file(
    rng: &mut Rng,
    paper: &Paper,
    sections: &[Section],
    papers: &[Paper],
    index: usize,
) -> String {
    let mut text = String::from("---\n");
    let _ = writeln!(text, "title: \"{}\"", paper.title);
    text.push_str("authors:\n");
    for author in &paper.authors {
        let _ = writeln!(text, "  - \"{author}\"");
    }
    let _ = writeln!(text, "year: {}\nmonth: {}", paper.year, paper.month);
    let _ = writeln!(text, "venue: \"{} {}\"", paper.venue, paper.year);
    let _ = writeln!(text, "arxiv: \"{}\"", paper.arxiv);
    let _ = writeln!(text, "url: https://arxiv.org/abs/{}", paper.arxiv);
    if let Some(code) = &paper.code {
        let _ = writeln!(text, "code: {code}");
    }
    text.push_str("topics:\n");
    for topic in &paper.topics {
        let _ = writeln!(text, "  - {}", topic_id(sections, *topic));
    }
    let _ = writeln!(
        text,
        "added: 2024-{:02}-{:02}",
        1 + index % 12,
        1 + index % 28
    );
    text.push_str("---\n");
    if rng.chance(40) {
        text.push_str(&sentence(rng, 25));
        if rng.chance(30) {
            let other = &papers[rng.below(papers.len() as u64) as usize];
            if other.key != paper.key {
                let _ = write!(text, " It builds on earlier work [@{}].", other.key);
            }
        }
        text.push('\n');
    }
    text
}

/// Whether paper number `index` gets a code block: spread evenly, about `percent` in
/// a hundred (37 is prime to 100, so `index * 37 % 100` visits every residue).
fn has_code(index: usize, percent: u64) -> bool {
    (index as u64 * 37) % 100 < percent
}

/// Snippets of the kind a survey's notes quote, one per highlighted language.
const SNIPPETS: &[(&str, &str)] = &[
    (
        "python",
        "import torch.nn.functional as F\n\n\
         def pairwise_loss(chosen, rejected, beta=0.1):\n\
         \x20   \"\"\"Logistic loss on the margin between two log-ratios.\"\"\"\n\
         \x20   margin = beta * (chosen - rejected)\n\
         \x20   return -F.logsigmoid(margin).mean()\n",
    ),
    (
        "rust",
        "/// Mean reward of the responses a judge preferred.\n\
         fn preferred_mean(rewards: &[f32], wins: &[bool]) -> Option<f32> {\n\
         \x20   let kept: Vec<f32> = rewards.iter().zip(wins).filter(|(_, w)| **w).map(|(r, _)| *r).collect();\n\
         \x20   (!kept.is_empty()).then(|| kept.iter().sum::<f32>() / kept.len() as f32)\n\
         }\n",
    ),
    (
        "bash",
        "# score every checkpoint on the held-out prompts\n\
         for step in 1000 2000 4000; do\n\
         \x20 python eval.py --checkpoint \"runs/ppo/step-$step\" --prompts data/heldout.jsonl \\\n\
         \x20   --out \"scores/$step.json\" || exit 1\n\
         done\n",
    ),
    (
        "json",
        "{\n\
         \x20 \"prompt\": \"Explain the trade-off in two sentences.\",\n\
         \x20 \"chosen\": \"Shorter answers are cheaper to rate but hide errors.\",\n\
         \x20 \"rejected\": \"It depends.\",\n\
         \x20 \"annotator_agreement\": 0.82\n\
         }\n",
    ),
    (
        "yaml",
        "model: base-7b\n\
         reward_model: rm-7b-v2\n\
         ppo:\n\
         \x20 learning_rate: 1.0e-6\n\
         \x20 kl_coefficient: 0.05\n\
         \x20 batch_size: 64\n",
    ),
];

/// A paragraph introducing one fenced code block, chosen by `index` alone.
fn code_block(index: usize) -> String {
    let (language, code) = SNIPPETS[index % SNIPPETS.len()];
    format!("\nA minimal sketch of the setup, in {language}:\n\n```{language}\n{code}```\n")
}

/// A sentence of `words` words from the vocabulary, capitalised, with a full stop.
fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut text = String::new();
    for i in 0..words {
        let word = rng.pick(WORDS);
        if i == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                text.extend(first.to_uppercase());
                text.push_str(chars.as_str());
            }
        } else {
            text.push(' ');
            text.push_str(word);
        }
    }
    text.push('.');
    text
}

/// A paragraph citing `cited` papers: one citation per sentence of about 40 words,
/// mixing parenthetical `[@a]`, grouped `[@a; @b]` and in-text `@a` forms.
fn paragraph(rng: &mut Rng, cited: &[&Paper]) -> String {
    let mut text = String::new();
    let mut rest = cited;
    while !rest.is_empty() {
        let take = if rest.len() >= 2 && rng.chance(25) {
            2
        } else {
            1
        };
        let (now, later) = rest.split_at(take);
        rest = later;
        let length = rng.range(30..=45) as usize;
        let body = sentence(rng, length);
        let body = body.trim_end_matches('.');
        match now {
            [one] if rng.chance(30) => {
                let _ = write!(text, "As @{} shows, {}. ", one.key, body.to_lowercase());
            }
            [one] => {
                let _ = write!(text, "{body} [@{}]. ", one.key);
            }
            [a, b] => {
                let _ = write!(text, "{body} [@{}; @{}]. ", a.key, b.key);
            }
            _ => {}
        }
    }
    text.push_str("\n\n");
    text
}

fn home(rng: &mut Rng) -> String {
    let mut text = String::from("---\ntitle: \"A Generated Survey\"\n---\n");
    for paragraph_number in 0..4 {
        let _ = write!(text, "{}", sentence(rng, 40));
        let chapter = CHAPTERS[paragraph_number % CHAPTERS.len()];
        let _ = write!(
            text,
            " See the [{chapter} chapter]({chapter}/_index.md).\n\n"
        );
    }
    text
}

fn chapter_page(rng: &mut Rng, chapter: usize, sections: &[Section], papers: &[Paper]) -> String {
    let name = CHAPTERS[chapter];
    let mut text = format!(
        "---\ntitle: \"{}\"\nweight: {}\ndescription: \"The {name} chapter of the generated survey.\"\n---\n",
        capitalise(name),
        chapter + 1
    );
    let mine: Vec<&Paper> = papers
        .iter()
        .filter(|p| {
            p.topics
                .iter()
                .any(|(s, _)| sections[*s].chapter == chapter)
        })
        .collect();
    for section in sections.iter().filter(|s| s.chapter == chapter) {
        let _ = writeln!(text, "## {}\n", section.title);
        let cited: Vec<&Paper> = if mine.is_empty() {
            Vec::new()
        } else {
            (0..3)
                .map(|_| mine[rng.below(mine.len() as u64) as usize])
                .collect()
        };
        text.push_str(&paragraph(rng, &cited));
        let _ = write!(
            text,
            "The section on [{}]({}.md) goes into detail.\n\n",
            section.title.to_lowercase(),
            section.slug
        );
    }
    text
}

fn section_page(rng: &mut Rng, index: usize, sections: &[Section], papers: &[Paper]) -> String {
    let section = &sections[index];
    let mut text = format!(
        "---\ntitle: \"{}\"\nweight: {}\ndescription: \"What the literature says about {}.\"\ntopics:\n",
        section.title,
        index + 1,
        section.title.to_lowercase()
    );
    for (id, title) in &section.topics {
        let _ = write!(text, "  - id: {id}\n    title: \"{title}\"\n");
    }
    text.push_str("---\n");
    let about = |topic: Option<usize>| -> Vec<&Paper> {
        papers
            .iter()
            .filter(|p| p.topics.contains(&(index, topic)))
            .collect()
    };
    cite_in_paragraphs(rng, &mut text, &about(None));
    for (number, (id, title)) in section.topics.iter().enumerate() {
        let _ = writeln!(text, "## {title} {{#{id}}}\n");
        cite_in_paragraphs(rng, &mut text, &about(Some(number)));
        if number > 0 {
            let _ = write!(
                text,
                "This extends the [previous topic](#{}).\n\n",
                section.topics[number - 1].0
            );
        }
    }
    text
}

/// Cites about 60% of `papers`, three citations to a paragraph.
fn cite_in_paragraphs(rng: &mut Rng, text: &mut String, papers: &[&Paper]) {
    let cited: Vec<&Paper> = papers.iter().copied().filter(|_| rng.chance(60)).collect();
    if cited.is_empty() {
        text.push_str(&sentence(rng, 40));
        text.push_str("\n\n");
    }
    for group in cited.chunks(3) {
        text.push_str(&paragraph(rng, group));
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
