//! Integration tests of the grading library, against the real Docker
//! engine and the runner images (`grader images build`). Without
//! either they fail and say so.

// A test that unwraps fails with the error it met.
#![allow(clippy::unwrap_used)]

mod adversarial;
mod api;
mod capstone;
mod check;
mod errors;
mod exercism;
mod forks;
mod format;
mod hostile;
mod judgement;
mod links;
mod manifests;
mod mutants;
mod one_process;
mod outputs;
mod properties;
mod proxy;
mod pytest_chance;
mod pytest_kind;
mod scaffold;
mod services;
mod shell;
mod sql;
mod support;
