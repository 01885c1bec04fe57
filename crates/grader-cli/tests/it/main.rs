//! Integration tests of the `grader` binary itself: what only a real
//! process shows, such as a service killed with SIGKILL and restarted.
//! They use the real Docker engine and the runner images
//! (`grader images build`).

// A test that unwraps fails with the error it met.
#![allow(clippy::unwrap_used)]

mod browser;
mod chaos;
mod grade;
mod nodes;
mod page;
mod serve;
mod similar;
mod support;
