//! A malformed exercise.yaml, one kind of mistake at a time: each error
//! message names the file, the field or line, and what was expected.

use grader::Exercise;

use crate::support::{redactions, scratch_copy};

/// Loads a copy of calculate-discount after `edit` changed it, and returns
/// the error message with the temporary path redacted.
fn error_after(edit: impl FnOnce(&std::path::Path)) -> String {
    error_after_in("python/calculate-discount", edit)
}

/// The same for a copy of exercise `id`.
fn error_after_in(id: &str, edit: impl FnOnce(&std::path::Path)) -> String {
    let (temp, dir) = scratch_copy(id);
    edit(&dir);
    let error = Exercise::load(&dir).expect_err("the exercise should be refused");
    error
        .to_string()
        .replace(&temp.path().display().to_string(), "[TEMP]")
}

fn edit_yaml(dir: &std::path::Path, change: impl FnOnce(String) -> String) {
    edit_file(dir, "exercise.yaml", change);
}

fn edit_file(dir: &std::path::Path, file: &str, change: impl FnOnce(String) -> String) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, change(text)).unwrap();
}

macro_rules! case {
    ($name:ident, $edit:expr) => {
        #[test]
        fn $name() {
            let message = error_after($edit);
            redactions().bind(|| insta::assert_snapshot!(stringify!($name), message));
        }
    };
}

case!(unknown_field, |dir| edit_yaml(dir, |t| t
    .replace("difficulty: easy", "difficulty: easy\ntimeout: 5s")));
case!(missing_field, |dir| edit_yaml(dir, |t| t
    .replace("title: Calculate a discount\n", "")));
case!(bad_duration, |dir| edit_yaml(dir, |t| t
    .replace("test_timeout: 5s", "test_timeout: 5 seconds")));
case!(bad_size, |dir| edit_yaml(dir, |t| t.replace(
    "    - name: discount.py",
    "    - name: discount.py\n      max_size: 64"
)));
case!(unknown_difficulty, |dir| edit_yaml(dir, |t| t
    .replace("difficulty: easy", "difficulty: trivial")));
case!(wrong_type, |dir| edit_yaml(dir, |t| t.replacen(
    "        points: 2",
    "        points: two",
    1
)));
case!(yaml_syntax, |dir| edit_yaml(dir, |t| t
    .replace("kind: python", "kind: [python")));
case!(wrong_version, |dir| edit_yaml(dir, |t| t
    .replace("version: 1", "version: 2")));
case!(slug_not_folder, |dir| edit_yaml(dir, |t| t
    .replace("slug: calculate-discount", "slug: discount")));
case!(missing_test_file, |dir| std::fs::remove_file(
    dir.join("tests/test_discount_hidden.py")
)
.unwrap());
case!(unlisted_test_file, |dir| std::fs::write(
    dir.join("tests/test_extra.py"),
    ""
)
.unwrap());
case!(missing_mutant_folder, |dir| std::fs::remove_dir_all(
    dir.join("mutants/no-rounding")
)
.unwrap());
case!(mutant_fails_unknown_file, |dir| edit_yaml(dir, |t| t
    .replace(
        "      - test_discount.py::test_rounds_to_two_decimals",
        "      - test_rounding.py::test_rounds_to_two_decimals"
    )));
case!(reserved_submission_name, |dir| edit_yaml(dir, |t| t
    .replace("- name: discount.py", "- name: conftest.py")));
// Exercism's task ids count from 1.
case!(task_zero, |dir| edit_yaml(dir, |t| t.replace(
    "  - file: test_discount.py\n    visibility: visible",
    "  - file: test_discount.py\n    visibility: visible\n    task: 0"
)));
case!(limits_out_of_range, |dir| edit_yaml(dir, |t| format!(
    "{t}limits:\n  wall_time: 2h\n  memory: 1MiB\n  pids: 100000\n"
)));

#[test]
fn sql_section_problems() {
    let message = error_after_in("sql/cheap-products", |dir| {
        edit_yaml(dir, |t| {
            t.replace("engines: [sqlite, postgres]", "engines: [sqlite, sqlite]")
                .replace(
                    "  mode: query\n",
                    "  mode: query\n  statement_timeout: 5m\n  schema: ../schema.sql\n  search_path: [shop, pg_catalog]\n  checks:\n    - {name: Bad, sql: \"SELECT 1; SELECT 2\"}\n",
                )
        })
    });
    redactions().bind(|| insta::assert_snapshot!("sql_section_problems", message));
}

#[test]
fn pytest_section_problems() {
    let message = error_after_in("pytest/test-slugify", |dir| {
        edit_yaml(dir, |t| {
            t.replace("    - name: test_slugify.py", "    - name: slug_checks.py")
                .replace(
                    "files: [slugify.py]",
                    "files: [slugify.py, ../evil.py, helper.py, slugify.py]",
                )
                .replace("test_timeout: 2s", "test_timeout: 10ms")
                .replace("  - name: drops-digits", "  - name: Drops_Digits")
                .replace(
                    "description: the cut keeps one character fewer than max_length",
                    "description: \"  \"\n      points: -1",
                )
                + "tests:\n  - file: test_x.py\nmutants:\n  - {name: m, fails: [test_x.py::test_a]}\n"
        });
        std::fs::remove_file(dir.join("bugs/no-collapse.patch")).unwrap();
    });
    redactions().bind(|| insta::assert_snapshot!("pytest_section_problems", message));
}

#[test]
fn a_pytest_exercise_without_its_section_says_what_it_needs() {
    let message = error_after_in("pytest/test-slugify", |dir| {
        edit_yaml(dir, |t| {
            let start = t.find("pytest:").unwrap();
            t[..start].to_owned()
        })
    });
    assert!(
        message
            .contains("pytest: expected a `pytest` section (files, bugs) for a `pytest` exercise"),
        "{message}"
    );
}

#[test]
fn api_env_problems() {
    let message = error_after_in("api/notes-crud", |dir| {
        edit_yaml(dir, |t| {
            t.replace(
                "api:\n",
                "api:\n  env:\n    BCRYPT_ROUNDS: \"4\"\n    JWT_SECRET: mine\n    GRADER_KEY: x\n    log-level: debug\n",
            )
        })
    });
    redactions().bind(|| insta::assert_snapshot!("api_env_problems", message));
}

#[test]
fn api_case_file_problems() {
    let message = error_after_in("api/notes-crud", |dir| {
        edit_file(dir, "tests/visible.yaml", |t| {
            t.replace("method: DELETE", "method: REMOVE").replace(
                "path: \"/notes/{{id}}\"}\n        expect: {status: 404}",
                "path: \"/notes/{{note}}\"}\n        expect: {status: 404}",
            )
        })
    });
    redactions().bind(|| insta::assert_snapshot!("api_case_file_problems", message));
}

#[test]
fn a_missing_exercise_yaml_names_the_path() {
    let message = error_after(|dir| std::fs::remove_file(dir.join("exercise.yaml")).unwrap());
    assert_eq!(
        message,
        "read `[TEMP]/python/calculate-discount/exercise.yaml`"
    );
}
