//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Grades learners' submissions against an exercise's hidden tests, in
/// locked-down containers.
#[derive(Debug, Parser)]
#[command(name = "grader", version, about)]
pub struct Cli {
    /// Folder of runner image recipes [default: the nearest `runner-images/`
    /// above the current folder or the grader binary].
    #[arg(long, global = true, env = "GRADER_IMAGES_DIR", value_name = "DIR")]
    pub images_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Grade one submission of one exercise.
    ///
    /// Exit code: 0 = all tests passed, 1 = some failed, 2 = could not grade.
    Grade(GradeArgs),
    /// Check exercises: valid folder, reference earns full marks, each mutant
    /// fails exactly its declared tests, the starter does not pass.
    ///
    /// Exit code: 0 = every exercise holds, 1 = some does not, 2 = could not check.
    Check(CheckArgs),
    /// Build and list the runner images.
    #[command(subcommand)]
    Images(ImagesCommand),
    /// Create a new exercise that passes `grader check` as it is: a sample
    /// task with its tests, reference, starter and a mutant, to rewrite.
    New(NewArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// `<track>/<slug>`, e.g. `python/word-count`.
    pub exercise: String,
    /// The exercise's kind.
    #[arg(long, value_enum)]
    pub kind: NewKind,
    /// The folder of tracks the exercise goes into.
    #[arg(long, default_value = "exercises")]
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NewKind {
    Python,
    Sql,
    Api,
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// The exercise folder (holding exercise.yaml).
    pub exercise: PathBuf,
    /// The submission: its files, or one folder holding them.
    #[arg(required = true)]
    pub submission: Vec<PathBuf>,
    /// Output format [default: human on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Whose view of hidden tests: a learner sees their status and points only.
    #[arg(long, value_enum, default_value_t = View::Author)]
    pub view: View,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Exercise folders, or folders to search for them.
    #[arg(default_value = "exercises")]
    pub paths: Vec<PathBuf>,
    /// How many exercises to check at once.
    #[arg(long, short, default_value_t = 2)]
    pub jobs: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// JUnit XML.
    Junit,
    /// Exercism test-runner results.json, version 3.
    Exercism,
    /// Gradescope autograder results.json.
    Gradescope,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum View {
    Learner,
    Author,
}

#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// Build every runner image whose recipe changed (or is not built yet).
    Build {
        /// Rebuild even images that are current.
        #[arg(long)]
        force: bool,
        /// Show every line of the bootstrap's output.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Show each runner image and whether it is built and current.
    List,
}
