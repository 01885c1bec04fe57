//! `grader new`: a complete exercise folder of a kind, with a sample task,
//! tests, a reference, a starter and a mutant (a patch against the
//! reference: the one mistake it makes), that passes `grader check`
//! as it is, for the author to rewrite.
//!
//! The files come from `crates/grader/templates/<kind>/`, built into the
//! binary; `{{slug}}`, `{{title}}` and `{{module}}` are filled in.

use std::path::{Path, PathBuf};

use crate::exercise::Kind;
use crate::kind::{ExerciseKind, with_kind};

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

/// (path in the exercise folder, template text)
pub(crate) type Template = (&'static str, &'static str);

pub(crate) const PYTHON: &[Template] = &[
    (
        "exercise.yaml",
        include_str!("../templates/python/exercise.yaml"),
    ),
    ("README.md", include_str!("../templates/python/README.md")),
    (
        "reference/{{module}}.py",
        include_str!("../templates/python/reference.py"),
    ),
    (
        "starter/{{module}}.py",
        include_str!("../templates/python/starter.py"),
    ),
    (
        "mutants/case-sensitive.patch",
        include_str!("../templates/python/mutant.patch"),
    ),
    (
        "tests/test_{{module}}.py",
        include_str!("../templates/python/test_visible.py"),
    ),
    (
        "tests/test_{{module}}_hidden.py",
        include_str!("../templates/python/test_hidden.py"),
    ),
];

pub(crate) const SQL: &[Template] = &[
    (
        "exercise.yaml",
        include_str!("../templates/sql/exercise.yaml"),
    ),
    ("README.md", include_str!("../templates/sql/README.md")),
    ("schema.sql", include_str!("../templates/sql/schema.sql")),
    (
        "tests/visible.sql",
        include_str!("../templates/sql/visible.sql"),
    ),
    (
        "tests/hidden.sql",
        include_str!("../templates/sql/hidden.sql"),
    ),
    (
        "reference/query.sql",
        include_str!("../templates/sql/reference.sql"),
    ),
    (
        "starter/query.sql",
        include_str!("../templates/sql/starter.sql"),
    ),
    (
        "mutants/hard-coded-ids.patch",
        include_str!("../templates/sql/mutant.patch"),
    ),
];

pub(crate) const API: &[Template] = &[
    (
        "exercise.yaml",
        include_str!("../templates/api/exercise.yaml"),
    ),
    ("README.md", include_str!("../templates/api/README.md")),
    (
        "reference/app.py",
        include_str!("../templates/api/reference.py"),
    ),
    (
        "starter/app.py",
        include_str!("../templates/api/starter.py"),
    ),
    (
        "mutants/no-validation.patch",
        include_str!("../templates/api/mutant.patch"),
    ),
    (
        "tests/visible.yaml",
        include_str!("../templates/api/visible.yaml"),
    ),
    (
        "tests/hidden.yaml",
        include_str!("../templates/api/hidden.yaml"),
    ),
];

pub(crate) const PYTEST: &[Template] = &[
    (
        "exercise.yaml",
        include_str!("../templates/pytest/exercise.yaml"),
    ),
    ("README.md", include_str!("../templates/pytest/README.md")),
    (
        "implementation/{{module}}.py",
        include_str!("../templates/pytest/implementation.py"),
    ),
    (
        "bugs/case-sensitive.patch",
        include_str!("../templates/pytest/bug_case.patch"),
    ),
    (
        "bugs/counts-y.patch",
        include_str!("../templates/pytest/bug_y.patch"),
    ),
    (
        "reference/test_{{module}}.py",
        include_str!("../templates/pytest/reference.py"),
    ),
    (
        "starter/test_{{module}}.py",
        include_str!("../templates/pytest/starter.py"),
    ),
];

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
