//! `grader new`: a complete exercise folder of a kind, with a sample task,
//! tests, a reference, a starter and a mutant (a patch against the
//! reference: the one mistake it makes), that passes `grader check`
//! as it is, for the author to rewrite.
//!
//! The files come from `crates/grader/templates/<kind>/`, built into the
//! binary; `{{slug}}`, `{{title}}` and `{{module}}` are filled in.

use std::path::{Path, PathBuf};

use crate::dispatch::with_kind;
use crate::exercise::Kind;
use crate::kind::ExerciseKind;

/// Why a scaffold could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("`{0}` is not a slug: use lowercase letters, digits and `-`")]
    BadSlug(String),
    #[error("{} already exists; choose another slug or remove it", .0.display())]
    Exists(PathBuf),
    #[error("write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Creates the exercise `slug` of `kind` in `track_dir` (e.g.
/// `exercises/python`); returns its folder and the files written.
pub fn create(
    track_dir: &Path,
    slug: &str,
    kind: Kind,
) -> Result<(PathBuf, Vec<PathBuf>), ScaffoldError> {
    let valid = !slug.is_empty()
        && slug.len() <= 64
        && !slug.starts_with('-')
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(ScaffoldError::BadSlug(slug.to_owned()));
    }
    let templates = with_kind!(kind, |k| k.scaffold());
    let dir = track_dir.join(slug);
    if dir.exists() {
        return Err(ScaffoldError::Exists(dir));
    }
    let mut module = slug.replace('-', "_");
    if module.starts_with(|c: char| c.is_ascii_digit()) {
        // A Python module name cannot start with a digit.
        module.insert_str(0, "exercise_");
    }
    let fill = |text: &str| {
        text.replace("{{slug}}", slug)
            .replace("{{title}}", &title(slug))
            .replace("{{module}}", &module)
    };
    let mut written = Vec::new();
    for (path, text) in templates {
        let path = dir.join(fill(path));
        let write = |path: &Path| -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            // create_new: never overwrite anything.
            use std::io::Write;
            std::fs::File::create_new(path)?.write_all(fill(text).as_bytes())
        };
        write(&path).map_err(|source| ScaffoldError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok((dir, written))
}

/// `word-count` → `Word count`.
fn title(slug: &str) -> String {
    let words = slug.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_slugs() {
        assert_eq!(title("word-count"), "Word count");
        assert_eq!(title("sql2"), "Sql2");
    }

    #[test]
    fn bad_slugs_and_existing_folders_are_refused() {
        let temp = tempfile::tempdir().unwrap();
        assert!(matches!(
            create(temp.path(), "Word Count", Kind::Python),
            Err(ScaffoldError::BadSlug(_))
        ));
        create(temp.path(), "word-count", Kind::Python).unwrap();
        let again = create(temp.path(), "word-count", Kind::Sql).unwrap_err();
        assert!(
            again
                .to_string()
                .ends_with("word-count already exists; choose another slug or remove it")
        );
    }
}
