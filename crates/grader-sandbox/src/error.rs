//! Errors of the sandbox: every one of them is the infrastructure's fault,
//! never the job's. What a job does wrong (crash, timeout, too much output)
//! is an [`Outcome`](crate::Outcome), not an error.

use std::path::PathBuf;

/// An error of the sandbox or the engine; a job that hits one was not run to
/// its end through no fault of its own.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("connect to the Docker engine (is it running, and may this user use its socket?)")]
    Connect(#[source] bollard::errors::Error),

    #[error("find runner image `{image}`: build it with `grader images build`")]
    ImageMissing { image: String },

    #[error("{action} container {container}")]
    Container {
        action: &'static str,
        container: String,
        #[source]
        source: bollard::errors::Error,
    },

    #[error("{action}")]
    Engine {
        action: &'static str,
        #[source]
        source: bollard::errors::Error,
    },

    #[error("send the job's files to container {container}")]
    Input {
        container: String,
        #[source]
        source: std::io::Error,
    },

    #[error("read the image recipe at {}", path.display())]
    Recipe {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("build image `{image}`: {message}")]
    Build { image: String, message: String },

    #[error("{message}")]
    Other { message: String },
}
