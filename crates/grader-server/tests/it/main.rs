//! Integration tests of the submission service: a real service on a
//! loopback port, grading with the real Docker engine and the runner
//! images (`grader images build`). Without them the tests fail and say so.

// A test that unwraps fails with the error it met.
#![allow(clippy::unwrap_used)]

mod intake;
mod metrics;
mod openapi;
mod outage;
mod service;
mod store;
mod support;
mod webhooks;
