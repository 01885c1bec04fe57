//! The files `grader new` writes for each kind, from
//! `crates/grader/templates/<kind>/`, built into the binary; `{{slug}}`,
//! `{{title}}` and `{{module}}` are filled in by `crate::scaffold`. Each
//! kind names its own set (`ExerciseKind::scaffold`).

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

pub(crate) const SHELL: &[Template] = &[
    (
        "exercise.yaml",
        include_str!("../templates/shell/exercise.yaml"),
    ),
    ("README.md", include_str!("../templates/shell/README.md")),
    (
        "reference/{{module}}.sh",
        include_str!("../templates/shell/reference.sh"),
    ),
    (
        "starter/{{module}}.sh",
        include_str!("../templates/shell/starter.sh"),
    ),
    (
        "mutants/case-sensitive.patch",
        include_str!("../templates/shell/mutant.patch"),
    ),
    (
        "tests/{{module}}.bats",
        include_str!("../templates/shell/visible.bats"),
    ),
    (
        "tests/{{module}}_hidden.bats",
        include_str!("../templates/shell/hidden.bats"),
    ),
    (
        "fixtures/app.log",
        include_str!("../templates/shell/app.log"),
    ),
    (
        "fixtures/mixed.log",
        include_str!("../templates/shell/mixed.log"),
    ),
];
