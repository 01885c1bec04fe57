//! `grader similar <exercise> <folder>`: pairs of learners' submissions
//! ranked by similarity (`grader::similar`), one pair a line, best first:
//! the score, both learners' folder names and where they match; or JSON.

use std::process::ExitCode;

use anyhow::{Context, bail};
use grader::Exercise;
use grader::similar::{self, Document};

use crate::cli::{SimilarArgs, StatsFormat};

pub fn run(args: SimilarArgs) -> anyhow::Result<ExitCode> {
    let exercise = Exercise::load(&args.exercise)?;
    let Some(language) = similar::language_of(exercise.spec.kind) else {
        bail!(
            "{}: similarity reads Python (python, pytest, api) and SQL (sql) exercises, not {}",
            exercise.id,
            exercise.spec.kind.as_str()
        );
    };
    let mut documents = Vec::new();
    let entries = std::fs::read_dir(&args.submissions)
        .with_context(|| format!("could not read {}", args.submissions.display()))?;
    for entry in entries {
        let entry = entry?;
        // Folders only, never followed through a link.
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let files = similar::read_learner(&exercise, &entry.path());
        if files.keys().any(|name| language.reads(name)) {
            documents.push(Document {
                learner: entry.file_name().to_string_lossy().into_owned(),
                files,
            });
        }
    }
    documents.sort_by(|a, b| a.learner.cmp(&b.learner));
    if documents.len() < 2 {
        bail!(
            "{}: found {} learner folder(s) with the exercise's files; similarity needs two",
            args.submissions.display(),
            documents.len()
        );
    }
    let mut pairs = similar::rank(language, &documents, &similar::given(&exercise));
    if args.top > 0 {
        pairs.truncate(args.top);
    }
    match args.format {
        StatsFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "exercise": exercise.id,
                "submissions": documents.len(),
                "pairs": pairs,
            }))?
        ),
        StatsFormat::Human => {
            for pair in &pairs {
                let places: Vec<String> = pair
                    .fragments
                    .iter()
                    .take(3)
                    .map(|fragment| {
                        format!(
                            "{}:{}-{} ~ {}:{}-{}",
                            fragment.a.file,
                            fragment.a.start,
                            fragment.a.end,
                            fragment.b.file,
                            fragment.b.start,
                            fragment.b.end
                        )
                    })
                    .collect();
                println!(
                    "{:.2}  {}  {}  {}",
                    pair.score,
                    pair.a,
                    pair.b,
                    places.join(", ")
                );
            }
            if pairs.is_empty() {
                eprintln!(
                    "no two of {} submissions share code beyond the starter",
                    documents.len()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
