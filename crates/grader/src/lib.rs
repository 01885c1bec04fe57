//! The grading library: exercises, the exercise kinds, results and their
//! renderings. It knows nothing of Docker; it hands [`grader_sandbox::Job`]s
//! to a [`grader_sandbox::Runner`].
//!
//! - [`exercise`]: exercise.yaml and its folder, loaded and validated.
//! - [`submission`]: a learner's files, checked before anything runs.
//! - [`fsread`]: reading their files and an exercise's, never through a link.
//! - [`grade`]: one submission through its kind to a [`result::GradeResult`];
//!   `kind.rs` is the seam every kind implements.
//! - [`python`] + [`report`]: the python kind and its harness's report.
//! - [`pytest`]: the pytest kind: the learner's tests against a correct
//!   implementation and its described bugs.
//! - [`sql`]: the sql kind, its query check and its row comparison.
//! - [`api`]: the api kind: the learner's app behind a tunnel, HTTP scenarios.
//! - [`mutant`]: a mutant's files, from its folder or its patch.
//! - [`render`]: the result for people (terminal) and machines (JSON).

pub mod api;
pub mod channel;
pub mod check;
mod ending;
pub mod exercise;
pub mod export;
pub mod fsread;
pub mod grade;
pub mod junit;
mod kind;
pub mod mutant;
pub mod pytest;
pub mod python;
pub mod render;
pub mod report;
pub mod result;
pub mod scaffold;
pub mod sql;
pub mod submission;
pub mod units;

pub use exercise::{Exercise, ExerciseError};
pub use grade::{Grader, Images, JobError};
pub use result::{GradeResult, Status, View};
pub use submission::{Submission, SubmissionError};
