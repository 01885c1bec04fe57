//! A mutant's files: a known-wrong solution kept either as a folder
//! (`mutants/<name>/`, the submission's files whole) or as a patch
//! (`mutants/<name>.patch`, a unified diff against the reference, applied
//! with diffy), so that a mutant reads as the one mistake it makes and a
//! fix to the reference carries over to it.
//!
//! A patch is applied exactly: every hunk's context must still be in the
//! reference (anywhere in the file; no fuzz). When the reference has moved
//! on and a hunk no longer fits, [`load`] says which mutant, file and hunk,
//! and `grader check` reports it as that mutant's failure.

use std::path::{Path, PathBuf};

use diffy::patch_set::{FileOperation, ParseOptions, PatchSet};

use crate::exercise::Exercise;
use crate::fsread::{self, FsReadError};
use crate::submission::{Submission, SubmissionError};

/// Largest patch file read.
const MAX_PATCH: u64 = 256 * 1024;

/// Where a mutant's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `mutants/<name>/`, holding the submission's files.
    Folder(PathBuf),
    /// `mutants/<name>.patch`, a diff against `reference/`.
    Patch(PathBuf),
}

/// Why a mutant's files could not be made; each names the mutant's file.
#[derive(Debug, thiserror::Error)]
pub enum MutantError {
    #[error("expected mutants/{name}/ or mutants/{name}.patch")]
    Missing { name: String },
    #[error("mutants/{name}/ and mutants/{name}.patch both exist; keep one")]
    Both { name: String },
    #[error("{folder}: {source}")]
    Folder {
        folder: String,
        #[source]
        source: SubmissionError,
    },
    #[error("reference/, which {patch} applies to: {source}")]
    Reference {
        patch: String,
        #[source]
        source: SubmissionError,
    },
    #[error("could not read {patch}: {}", source.with_cause())]
    Read {
        patch: String,
        #[source]
        source: FsReadError,
    },
    #[error("{patch} is not a unified diff: {message}")]
    Parse { patch: String, message: String },
    #[error("{patch} changes nothing: it holds no hunk")]
    Empty { patch: String },
    #[error("{patch} {what} `{file}`; a {base_role} may only change {expected}")]
    NotASubmissionFile {
        patch: String,
        what: &'static str,
        file: String,
        expected: String,
        base_role: &'static str,
    },
    #[error(
        "{patch} no longer applies: hunk {hunk} of {file} ({header}) does not match {}/{file}; \
         make the mistake again on the {} and regenerate the patch with \
         `diff -u --label a/{file} --label b/{file} {}/{file} <the {}'s {file}>`",
        base.folder, base.name, base.folder, base.made
    )]
    Stale {
        patch: String,
        file: String,
        hunk: usize,
        header: String,
        base: &'static Base,
    },
    #[error("{patch}: {file} is not UTF-8 text, which a patch can change")]
    NotText { patch: String, file: String },
}

/// Where the mutant `name` of `exercise` lives, if anywhere.
pub fn source(exercise_dir: &Path, name: &str) -> Result<Source, MutantError> {
    let folder = exercise_dir.join("mutants").join(name);
    let patch = exercise_dir.join("mutants").join(format!("{name}.patch"));
    // `symlink_metadata`: a link is neither; `Exercise::load` refuses it.
    let is_folder = folder.symlink_metadata().is_ok_and(|meta| meta.is_dir());
    let is_patch = patch.symlink_metadata().is_ok_and(|meta| meta.is_file());
    match (is_folder, is_patch) {
        (true, true) => Err(MutantError::Both {
            name: name.to_owned(),
        }),
        (true, false) => Ok(Source::Folder(folder)),
        (false, true) => Ok(Source::Patch(patch)),
        (false, false) => Err(MutantError::Missing {
            name: name.to_owned(),
        }),
    }
}

/// The files of the mutant `name`: its folder's, or the reference's with
/// its patch applied.
pub fn load(exercise: &Exercise, name: &str) -> Result<Submission, MutantError> {
    match source(&exercise.dir, name)? {
        Source::Folder(_) => {
            let folder = format!("mutants/{name}");
            // Inside the exercise: not followed if it is a link.
            let dir = fsread::dir_in(&exercise.dir, Path::new(&folder)).map_err(|source| {
                MutantError::Folder {
                    folder: folder.clone(),
                    source: SubmissionError::Refused(source),
                }
            })?;
            Submission::from_paths(exercise, &[dir])
                .map_err(|source| MutantError::Folder { folder, source })
        }
        Source::Patch(_) => {
            let relative = format!("mutants/{name}.patch");
            let text = fsread::read_to_string_in(&exercise.dir, Path::new(&relative), MAX_PATCH)
                .map_err(|source| MutantError::Read {
                    patch: relative.clone(),
                    source,
                })?;
            apply(exercise, &relative, &text)
        }
    }
}

/// The reference's files with the patch at `path` (anywhere: a person named
/// it, e.g. to `grader grade`) applied.
pub fn load_patch(exercise: &Exercise, path: &Path) -> Result<Submission, MutantError> {
    let shown = path.display().to_string();
    let text = fsread::read_to_string(path, MAX_PATCH).map_err(|source| MutantError::Read {
        patch: shown.clone(),
        source,
    })?;
    apply(exercise, &shown, &text)
}

/// Applies `text`, the patch called `patch` in messages, to the reference.
pub fn apply(exercise: &Exercise, patch: &str, text: &str) -> Result<Submission, MutantError> {
    let reference = fsread::dir_in(&exercise.dir, Path::new("reference"))
        .map_err(SubmissionError::Refused)
        .and_then(|dir| Submission::from_paths(exercise, &[dir]))
        .map_err(|source| MutantError::Reference {
            patch: patch.to_owned(),
            source,
        })?;
    let names: Vec<&str> = exercise
        .spec
        .submission
        .files
        .iter()
        .map(|file| file.name.as_str())
        .collect();
    let files = patch_files(&Base::REFERENCE, reference.files, &names, patch, text)?;
    let submission = Submission { files };
    submission
        .check(exercise)
        .map_err(|source| MutantError::Folder {
            folder: patch.to_owned(),
            source,
        })?;
    Ok(submission)
}

/// What a patch applies to, as its messages name it.
#[derive(Debug, Clone, Copy)]
pub struct Base {
    /// The folder holding the files it changes.
    pub folder: &'static str,
    /// What that folder holds, in a sentence.
    pub name: &'static str,
    /// What the patch is, in a sentence.
    pub role: &'static str,
    /// What the patched files make.
    pub made: &'static str,
}

impl Base {
    /// A mutant's patch, against `reference/`.
    pub const REFERENCE: Base = Base {
        folder: "reference",
        name: "reference",
        role: "mutant's patch",
        made: "mutant",
    };

    fn expected(&self, names: &[&str]) -> String {
        if self.folder == "reference" {
            format!("the submission's files ({})", names.join(", "))
        } else {
            format!("the files of {}/ ({})", self.folder, names.join(", "))
        }
    }
}

/// Applies `text`, the patch called `patch` in messages, to `files` (those
/// of `base`), which it may change but not add to or remove from; `names`
/// are the files it may change.
pub fn patch_files(
    base: &'static Base,
    files: std::collections::BTreeMap<String, Vec<u8>>,
    names: &[&str],
    patch: &str,
    text: &str,
) -> Result<std::collections::BTreeMap<String, Vec<u8>>, MutantError> {
    let not_a_file = |what: &'static str, file: &str| MutantError::NotASubmissionFile {
        patch: patch.to_owned(),
        what,
        file: file.to_owned(),
        expected: base.expected(names),
        base_role: base.role,
    };
    let mut files = files;
    let mut hunks = 0;
    for file_patch in PatchSet::parse(text, ParseOptions::unidiff()) {
        let file_patch = file_patch.map_err(|error| MutantError::Parse {
            patch: patch.to_owned(),
            message: error.to_string(),
        })?;
        let path = match file_patch.operation() {
            FileOperation::Modify { modified, .. } => modified.as_ref(),
            FileOperation::Create(path) => return Err(not_a_file("creates", path)),
            FileOperation::Delete(path) => return Err(not_a_file("deletes", path)),
            FileOperation::Rename { to, .. } => return Err(not_a_file("renames to", to)),
            FileOperation::Copy { to, .. } => return Err(not_a_file("copies to", to)),
        };
        let Some(name) = submission_name(path, names) else {
            return Err(not_a_file("changes", path));
        };
        let Some(diff) = file_patch.patch().as_text() else {
            return Err(MutantError::NotText {
                patch: patch.to_owned(),
                file: name.to_owned(),
            });
        };
        let Some(current) = files.get(name) else {
            return Err(not_a_file("changes", path));
        };
        let current = std::str::from_utf8(current).map_err(|_| MutantError::NotText {
            patch: patch.to_owned(),
            file: name.to_owned(),
        })?;
        let changed = diffy::apply(current, diff).map_err(|error| {
            let hunk = hunk_number(&error.to_string()).unwrap_or(1);
            let header = diff.hunks().get(hunk - 1).map_or_else(String::new, |hunk| {
                let (old, new) = (hunk.old_range(), hunk.new_range());
                format!(
                    "@@ -{},{} +{},{} @@",
                    old.start(),
                    old.len(),
                    new.start(),
                    new.len()
                )
            });
            MutantError::Stale {
                patch: patch.to_owned(),
                file: name.to_owned(),
                hunk,
                header,
                base,
            }
        })?;
        hunks += diff.hunks().len();
        files.insert(name.to_owned(), changed.into_bytes());
    }
    if hunks == 0 {
        return Err(MutantError::Empty {
            patch: patch.to_owned(),
        });
    }
    Ok(files)
}

/// The submission file a diff's path names: the path itself (`app.py`),
/// or the path past its first folder (`a/app.py`, `reference/app.py`).
fn submission_name<'a>(path: &str, names: &[&'a str]) -> Option<&'a str> {
    let stripped = path.split_once('/').map(|(_, rest)| rest);
    names
        .iter()
        .find(|name| **name == path)
        .or_else(|| names.iter().find(|name| Some(**name) == stripped))
        .copied()
}

/// diffy says `error applying hunk #N`.
fn hunk_number(message: &str) -> Option<usize> {
    message.rsplit('#').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_names_a_file_with_or_without_its_first_folder() {
        let names = ["app.py", "models/user.py"];
        assert_eq!(submission_name("app.py", &names), Some("app.py"));
        assert_eq!(submission_name("a/app.py", &names), Some("app.py"));
        assert_eq!(
            submission_name("b/models/user.py", &names),
            Some("models/user.py")
        );
        assert_eq!(submission_name("a/other.py", &names), None);
    }

    #[test]
    fn the_hunk_number_is_read_from_diffys_message() {
        assert_eq!(hunk_number("error applying hunk #3"), Some(3));
        assert_eq!(hunk_number("something else"), None);
    }
}
