//! Integration tests of the grading library, against the real Docker
//! engine and the python runner image (`grader images build`). Without
//! either they fail and say so.

mod check;
mod errors;
mod format;
mod outputs;
mod support;
