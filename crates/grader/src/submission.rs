//! A learner's submission: named files, checked against what the exercise
//! takes before anything runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::exercise::Exercise;
use crate::units::ByteSize;

/// The files of one submission, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submission {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// What is wrong with a submission; a learner reads this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
}

impl Submission {
    /// Reads a submission from disk: one folder (the exercise's files are
    /// taken from it, others ignored), or the files themselves.
    pub fn from_paths(
        exercise: &Exercise,
        paths: &[PathBuf],
    ) -> Result<Submission, SubmissionError> {
        let mut files = BTreeMap::new();
        if let [dir] = paths
            && dir.is_dir()
        {
            for spec in &exercise.spec.submission.files {
                let path = dir.join(&spec.name);
                if path.is_file() {
                    files.insert(spec.name.clone(), read(&path, spec.max_size())?);
                }
            }
            let submission = Submission { files };
            submission.check(exercise)?;
            return Ok(submission);
        }
        for path in paths {
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let limit = exercise
                .spec
                .submission
                .files
                .iter()
                .find(|spec| spec.name == name)
                .map_or(u64::MAX, |spec| spec.max_size());
            files.insert(name, read(path, limit)?);
        }
        let submission = Submission { files };
        submission.check(exercise)?;
        Ok(submission)
    }

    /// Checks the files against the exercise: each one it takes, no other,
    /// none too large.
    pub fn check(&self, exercise: &Exercise) -> Result<(), SubmissionError> {
        let specs = &exercise.spec.submission.files;
        let expected = specs
            .iter()
            .map(|spec| spec.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        for (name, contents) in &self.files {
            let Some(spec) = specs.iter().find(|spec| &spec.name == name) else {
                return Err(SubmissionError::Unexpected {
                    name: name.clone(),
                    expected,
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

/// Reads a file, refusing one larger than `limit` without reading it all.
fn read(path: &Path, limit: u64) -> Result<Vec<u8>, SubmissionError> {
    use std::io::Read;
    let unreadable = |error: std::io::Error| SubmissionError::Unreadable {
        path: path.to_owned(),
        message: error.to_string(),
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut contents = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut contents)
        .map_err(unreadable)?;
    if contents.len() as u64 > limit {
        let size = std::fs::metadata(path).map_or(contents.len() as u64, |meta| meta.len());
        return Err(SubmissionError::TooLarge {
            name: path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            size,
            limit: ByteSize(limit),
        });
    }
    Ok(contents)
}
