//! A learner's submission: named files, checked against what the exercise
//! takes before anything runs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::exercise::Exercise;
use crate::fsread::{self, FsReadError};
use crate::units::ByteSize;

/// The files of one submission, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submission {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// What is wrong with a submission; a learner reads this.
#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    #[error("the submission is missing {name}")]
    Missing { name: String },
    #[error("{name} is not a file this exercise takes (it takes {expected})")]
    Unexpected { name: String, expected: String },
    #[error("{name} is {size} bytes, more than the {limit} this exercise allows")]
    TooLarge {
        name: String,
        size: u64,
        limit: ByteSize,
    },
    #[error("could not read {}: {message}", path.display())]
    Unreadable { path: PathBuf, message: String },
    /// A link, or not a regular file.
    #[error(transparent)]
    Refused(FsReadError),
}

impl Submission {
    /// Reads a submission from disk: one folder (the exercise's files are
    /// taken from it, others ignored), or the files themselves. The folder
    /// named is followed; a file in it, or a file named directly, that is a
    /// link or not a regular file is refused.
    pub fn from_paths(
        exercise: &Exercise,
        paths: &[PathBuf],
    ) -> Result<Submission, SubmissionError> {
        let specs = &exercise.spec.submission.files;
        let mut files = BTreeMap::new();
        if let [dir] = paths
            && dir.is_dir()
        {
            for spec in specs {
                match fsread::read(&dir.join(&spec.name), spec.max_size()) {
                    Ok(contents) => {
                        files.insert(spec.name.clone(), contents);
                    }
                    // `check()` says it is missing.
                    Err(error) if error.is_not_found() => {}
                    Err(error) => return Err(error.into()),
                }
            }
        } else {
            for path in paths {
                let name = path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                // Refused before reading: an unexpected file has no size limit.
                let Some(spec) = specs.iter().find(|spec| spec.name == name) else {
                    return Err(SubmissionError::Unexpected {
                        name,
                        expected: expected(exercise),
                    });
                };
                files.insert(name, fsread::read(path, spec.max_size())?);
            }
        }
        let submission = Submission { files };
        submission.check(exercise)?;
        Ok(submission)
    }

    /// Checks the files against the exercise: each one it takes, no other,
    /// none too large.
    pub fn check(&self, exercise: &Exercise) -> Result<(), SubmissionError> {
        let specs = &exercise.spec.submission.files;
        for (name, contents) in &self.files {
            let Some(spec) = specs.iter().find(|spec| &spec.name == name) else {
                return Err(SubmissionError::Unexpected {
                    name: name.clone(),
                    expected: expected(exercise),
                });
            };
            if contents.len() as u64 > spec.max_size() {
                return Err(SubmissionError::TooLarge {
                    name: name.clone(),
                    size: contents.len() as u64,
                    limit: ByteSize(spec.max_size()),
                });
            }
        }
        for spec in specs {
            if !self.files.contains_key(&spec.name) {
                return Err(SubmissionError::Missing {
                    name: spec.name.clone(),
                });
            }
        }
        Ok(())
    }
}

/// The names of the files the exercise takes, for a message.
fn expected(exercise: &Exercise) -> String {
    exercise
        .spec
        .submission
        .files
        .iter()
        .map(|spec| spec.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<FsReadError> for SubmissionError {
    fn from(error: FsReadError) -> SubmissionError {
        match error {
            FsReadError::TooLarge { path, size, limit } => SubmissionError::TooLarge {
                name: path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                size,
                limit,
            },
            FsReadError::Io { path, source } => SubmissionError::Unreadable {
                path,
                message: source.to_string(),
            },
            refused => SubmissionError::Refused(refused),
        }
    }
}
