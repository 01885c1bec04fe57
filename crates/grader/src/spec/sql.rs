//! The `sql:` section of exercise.yaml, as data; the sql kind checks it
//! (`sql/spec.rs`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::units::HumanDuration;

/// The statement timeout unless the exercise says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Rows kept of one statement's result unless the exercise says otherwise.
pub const DEFAULT_MAX_ROWS: usize = 1000;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlSpec {
    /// Every submission runs on each of these, in this order.
    pub engines: Vec<Engine>,
    #[serde(default)]
    pub mode: Mode,
    /// Relative to the exercise folder; loaded into every fresh database
    /// before the dataset. Default `schema.sql`.
    #[serde(default = "default_schema")]
    pub schema: String,
    #[serde(default)]
    pub compare: Rules,
    /// Longest a statement of the submission may run.
    #[serde(default)]
    pub statement_timeout: Option<HumanDuration>,
    /// Rows kept of a result; a submission returning more than the
    /// reference fails.
    #[serde(default)]
    pub max_rows: Option<usize>,
    /// `script` mode: the statements whose outcomes judge the script.
    #[serde(default)]
    pub checks: Vec<CheckSpec>,
    /// PostgreSQL: the schemas the learner's SQL finds tables in, in
    /// order; the learner's role gets what it needs on each (default:
    /// `public`).
    #[serde(default)]
    pub search_path: Vec<String>,
}

fn default_schema() -> String {
    "schema.sql".to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One read-only statement whose rows are compared.
    #[default]
    Query,
    /// DDL/DML run in a writable database, judged by the checks.
    Script,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// A test's name: lowercase letters, digits and `_`.
    pub name: String,
    /// One statement, run after the script with the owner's rights. Its
    /// rows, or that it failed, must be what they are after the reference.
    pub sql: String,
}

impl SqlSpec {
    pub fn timeout(&self) -> Duration {
        self.statement_timeout
            .map_or(DEFAULT_TIMEOUT, |timeout| timeout.0)
    }

    pub fn max_rows(&self) -> usize {
        self.max_rows.unwrap_or(DEFAULT_MAX_ROWS)
    }

    /// The names of the tests each dataset gives, per engine: `query`, or
    /// each check's name.
    pub fn test_names(&self) -> Vec<&str> {
        match self.mode {
            Mode::Query => vec!["query"],
            Mode::Script => self
                .checks
                .iter()
                .map(|check| check.name.as_str())
                .collect(),
        }
    }
}

/// How rows are compared (`sql.compare` in exercise.yaml).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    pub ordered: bool,
    pub column_names: bool,
    pub tolerance: f64,
    pub coerce: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            ordered: false,
            column_names: true,
            tolerance: 1e-6,
            coerce: false,
        }
    }
}
