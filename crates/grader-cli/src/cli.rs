//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use grader::exercise::Kind;

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
    /// Check exercises: valid folder, reference earns full marks, every
    /// `overrides` key names a collected test, each mutant fails exactly its
    /// declared tests, the starter does not pass.
    ///
    /// Exit code: 0 = every exercise holds, 1 = some does not, 2 = could not check.
    Check(CheckArgs),
    /// Build and list the runner images.
    #[command(subcommand)]
    Images(ImagesCommand),
    /// Create a new exercise that passes `grader check` as it is: a sample
    /// task with its tests, reference, starter and a mutant, to rewrite.
    New(NewArgs),
    /// Run the HTTP submission service: the API and its grading workers.
    Serve(ServeArgs),
    /// Run a grading node: workers that claim from the service's database
    /// (PostgreSQL, for nodes on several machines) and serve no HTTP.
    Worker(WorkerArgs),
    /// Manage the service's API tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Submit files to a running service and print the result as `grader
    /// grade` does.
    ///
    /// Exit code: 0 = all tests passed, 1 = some failed, 2 = could not grade.
    Submit(SubmitArgs),
    /// What a class did with an exercise, from a running service (an
    /// author's or admin's token): learners, attempts, the share passing,
    /// the median attempts to a first pass, best scores, the tests failed
    /// and the hints shown most.
    Stats(StatsArgs),
    /// Rank pairs of learners' submissions of one exercise by similarity,
    /// best first, with the passages that match (python, pytest and api
    /// exercises' Python files; sql exercises' SQL).
    Similar(SimilarArgs),
    /// The class's gradebook from a running service (an author's or
    /// admin's token): one row per learner, one column per exercise (the
    /// best score), as CSV (`> grades.csv`) or JSON.
    Gradebook(GradebookArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GRADER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[command(flatten)]
    pub node: NodeArgs,
    /// Queued submissions above which new ones get 503 with Retry-After.
    #[arg(long, default_value_t = 1000)]
    pub queue_capacity: i64,
    /// Submissions one token may have waiting or grading at once (429 above).
    #[arg(long, default_value_t = 10)]
    pub pending_per_token: i64,
    /// Largest request body in bytes (413 above).
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body: usize,
    /// Requests a token may make in a burst (429 above) ...
    #[arg(long, default_value_t = 30)]
    pub rate_burst: u32,
    /// ... and per second after it.
    #[arg(long, default_value_t = 2.0)]
    pub rate_per_second: f64,
    /// A host a submission's `callback_url` may point at, `host:port` (or
    /// `host` for port 80); repeat or separate with commas. None by
    /// default: submissions with a callback are refused (400).
    #[arg(long, value_name = "HOST[:PORT]", value_delimiter = ',')]
    pub webhook_allow: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub node: NodeArgs,
}

/// How learners' jobs are kept apart (`--isolation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Isolation {
    Fork,
    Container,
}

/// What every node of the service has: a database, exercises, workers.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The database: a PostgreSQL URL (`postgres://user@host/db`, shared by
    /// every node), or a SQLite file (created if missing; nodes on this
    /// machine only). Tokens, submissions, the queue.
    #[arg(long, env = "GRADER_DB", default_value = "grader.db")]
    pub db: String,
    /// The folder of exercise tracks to grade (and serve).
    #[arg(long, env = "GRADER_EXERCISES", default_value = "exercises")]
    pub exercises: std::path::PathBuf,
    /// Gradings at once on this node (`serve --workers 0`: a front end
    /// that only takes submissions, for `grader worker` nodes to grade).
    #[arg(long, env = "GRADER_WORKERS", default_value_t = 2)]
    pub workers: usize,
    /// Containers kept started and waiting for each kind of job seen, so a
    /// submission skips the container's start (0 turns this off).
    #[arg(long, env = "GRADER_WARM", default_value_t = 1)]
    pub warm: usize,
    /// How learners' jobs are kept apart: `fork` runs each in a
    /// long-lived container, forked from a process that imported what its
    /// kind needs, as a user of its own, and clears everything of it
    /// before the next (needs the engine on this machine); `container`
    /// gives each a container of its own, created and removed.
    #[arg(long, env = "GRADER_ISOLATION", value_enum, default_value_t = Isolation::Fork)]
    pub isolation: Isolation,
    /// How long a claimed submission stays this node's without a
    /// heartbeat (renewed every third of it while grading): if the node
    /// dies, its submissions are queued again this long after, by any
    /// node. Nodes on one database never take each other's live work.
    #[arg(long, default_value = "60s", value_parser = duration)]
    pub lease: std::time::Duration,
    /// On SIGTERM or Ctrl-C: how long the gradings in hand may go on
    /// (nothing new is claimed). What is not done by then is handed back
    /// to the queue; then every container this process started is removed
    /// and it exits 0.
    #[arg(long, default_value = "30s", value_parser = duration)]
    pub grace: std::time::Duration,
    /// The key that signs webhook deliveries (HMAC-SHA256, see the
    /// README); every node that may deliver needs the same one. Without
    /// it this node delivers none.
    #[arg(long, env = "GRADER_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
}

/// A human-readable duration of at least a second: `3s`, `1.5m`.
fn duration(text: &str) -> Result<std::time::Duration, String> {
    match grader::units::parse_duration(text) {
        Some(duration) if duration >= std::time::Duration::from_secs(1) => Ok(duration),
        Some(_) => Err("expected at least 1s".to_owned()),
        None => Err(format!(
            "expected a duration such as `30s`, `500ms` or `2m`, found `{text}`"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token and print it (only its hash is stored).
    Create {
        /// Who it is for, e.g. a learner's login.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = TokenRole::Learner)]
        role: TokenRole,
        /// The database: a PostgreSQL URL or a SQLite file.
        #[arg(long, env = "GRADER_DB", default_value = "grader.db")]
        db: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenRole {
    Learner,
    Author,
    Admin,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The exercise's id, `<track>/<slug>`.
    pub exercise: String,
    /// The files, one folder holding them, or a mutant's `.patch` (the
    /// exercise's reference with it applied, read from `--exercises`).
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// Where the exercise's folder is, for a `.patch`.
    #[arg(long, env = "GRADER_EXERCISES", default_value = "exercises")]
    pub exercises: PathBuf,
    /// The service's base URL.
    #[arg(long, env = "GRADER_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// The API token.
    #[arg(long, env = "GRADER_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Output format [default: human on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Only submit; print the submission's id and do not wait.
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The exercise's id, `<track>/<slug>`.
    pub exercise: String,
    /// The service's base URL.
    #[arg(long, env = "GRADER_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// An author's or admin's API token.
    #[arg(long, env = "GRADER_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Human)]
    pub format: StatsFormat,
}

#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// The exercise folder (its starter's code counts for nobody).
    pub exercise: PathBuf,
    /// A folder with one sub-folder per learner, each holding that
    /// learner's files.
    pub submissions: PathBuf,
    /// Pairs shown at most (all with `0`).
    #[arg(long, default_value_t = 50)]
    pub top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Human)]
    pub format: StatsFormat,
}

#[derive(Debug, Args)]
pub struct GradebookArgs {
    /// The service's base URL.
    #[arg(long, env = "GRADER_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// An author's or admin's API token.
    #[arg(long, env = "GRADER_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GradebookFormat::Csv)]
    pub format: GradebookFormat,
}

/// `grader gradebook --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GradebookFormat {
    Csv,
    Json,
}

/// `grader stats --format`, `grader similar --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// `<track>/<slug>`, e.g. `python/word-count`.
    pub exercise: String,
    /// The exercise's kind.
    #[arg(long, value_parser = kind_parser())]
    pub kind: Kind,
    /// The folder of tracks the exercise goes into.
    #[arg(long, default_value = "exercises")]
    pub dir: PathBuf,
}

/// `--kind`: one of `Kind::ALL`, by its exercise.yaml name.
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = Kind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Kind::ALL.map(Kind::as_str))
        .try_map(|name| name.parse::<Kind>())
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// The exercise folder (holding exercise.yaml).
    pub exercise: PathBuf,
    /// The submission: its files, or one folder holding them, or a mutant's
    /// `.patch` (the reference with the patch applied).
    #[arg(required = true)]
    pub submission: Vec<PathBuf>,
    /// Output format [default: human on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Whose view of hidden tests: a learner sees their status and points
    /// only [default: learner for exercism and gradescope, whose readers are
    /// learners; author otherwise].
    #[arg(long, value_enum)]
    pub view: Option<View>,
    /// Write the result to this file (replaced whole) instead of stdout,
    /// e.g. `<output dir>/results.json` for an Exercism test runner.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 0 whenever the submission was graded, whatever its result, as
    /// a test runner for a platform must (Exercism's interface); still 2
    /// when it could not be graded through no fault of the learner
    /// (`infra`: the attempt must not count; retry it).
    #[arg(long)]
    pub exit_zero: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Exercise folders, or folders to search for them.
    #[arg(default_value = "exercises")]
    pub paths: Vec<PathBuf>,
    /// How many exercises to check at once (default: one more than the
    /// machine's CPUs, since a check also waits: for an app's deadlines,
    /// its polls, its services).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Warnings fail the check too (a python exercise's tests that pass on
    /// a null solution).
    #[arg(long)]
    pub strict: bool,
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

impl Format {
    /// The view a format gets when none is asked for: the learner's for
    /// the formats learners read.
    pub fn default_view(self) -> View {
        match self {
            Format::Exercism | Format::Gradescope => View::Learner,
            Format::Human | Format::Json | Format::Junit => View::Author,
        }
    }
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
