//! The grading library: exercises, the exercise kinds, results and their
//! renderings. It knows nothing of Docker; it hands [`grader_sandbox::Job`]s
//! to a [`grader_sandbox::Runner`].
//!
//! - [`exercise`]: exercise.yaml as data; `package.rs` loads and
//!   validates a folder into an [`Exercise`].
//! - `submission.rs`: a learner's files, checked before anything runs.
//! - [`fsread`]: reading their files and an exercise's, never through a link.
//! - `grade.rs`: the [`Grader`] and its jobs; `dispatch.rs`: one submission
//!   through its kind to a [`result::GradeResult`]; `kind.rs` is the seam
//!   every kind implements.
//! - `python.rs` + [`report`]: the python kind and its harness's report.
//! - [`pytest`]: the pytest kind: the learner's tests against a correct
//!   implementation and its described bugs.
//! - [`sql`]: the sql kind, its query check and its row comparison.
//! - [`api`]: the api kind: the learner's app behind a tunnel, HTTP scenarios.
//! - [`shell`]: the shell kind: the learner's scripts against bats files,
//!   run as a user of their own through a broker.
//! - [`mutant`]: a mutant's files, from its folder or its patch.
//! - [`render`]: the result for people (terminal); machines get
//!   `GradeResult::to_json`.
//!
//! In layers: a module uses only those before it in this list (no import
//! circle): `units`, `fsread`, `channel`, `templates`, `spec` (the kinds'
//! sections as data), `exercise` (exercise.yaml as data), `result`,
//! `submission`, `mutant`, `report`, `ending`, `hints`, `manifest`, `grade` (the
//! `Grader` and its jobs), `kind` (the trait), the kinds (`python`,
//! `pytest`, `sql`, `api`, `shell`), `dispatch` (`with_kind!`, `Grader::grade`),
//! `package` (`Exercise::load`), `check`, `scaffold`, `junit`, `export`,
//! `render`. Only what other crates use is `pub`.

pub mod api;
pub mod channel;
pub mod check;
mod dispatch;
mod ending;
pub mod exercise;
pub mod export;
pub mod fsread;
mod grade;
pub mod hints;
pub mod junit;
mod kind;
pub mod manifest;
pub mod mutant;
pub mod null;
mod package;
pub mod pytest;
mod python;
pub mod render;
pub mod report;
pub mod result;
pub mod scaffold;
pub mod shell;
pub mod similar;
mod spec;
pub mod sql;
mod submission;
mod templates;
pub mod units;

pub use exercise::Exercise;
pub use grade::{Grader, Images, JobError};
pub use package::ExerciseError;
pub use result::{GradeResult, Status, View};
pub use submission::{Submission, SubmissionError};
