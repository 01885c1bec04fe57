//! The kinds' sections of exercise.yaml (`api:`, `pytest:`, `shell:`, `sql:`), as
//! data: what `crate::exercise::ExerciseSpec` holds. They depend on
//! nothing of the grader but `units`; each kind checks its own section
//! (`<kind>/spec.rs`).

pub mod api;
pub mod pytest;
pub mod shell;
pub mod sql;
