//! Integration tests of the submission service: a real service on a
//! loopback port, grading with the real Docker engine and the runner
//! images (`grader images build`). Without them the tests fail and say so.

mod openapi;
mod service;
mod support;
