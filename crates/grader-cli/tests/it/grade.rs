//! `grader grade` as a process: which view each format gets.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `grader grade` of fizzbuzz's `checks-three-first` mutant, which fails
/// visible and hidden tests, with `args` after it; its stdout as JSON.
fn grade_mutant(args: &[&str]) -> serde_json::Value {
    let exercise = root().join("exercises/python/fizzbuzz");
    let output = Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("grade")
        .arg(&exercise)
        .arg(exercise.join("mutants/checks-three-first/fizzbuzz.py"))
        .args(args)
        .arg("--images-dir")
        .arg(root().join("runner-images"))
        .output()
        .expect("the grader binary runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "the mutant fails some tests (is the Docker engine running and \
         `grader images build` done?); stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The Gradescope entries of the hidden tests that failed.
fn failed_hidden(results: &serde_json::Value) -> Vec<&serde_json::Value> {
    results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|test| test["name"].as_str().unwrap().contains("_hidden.py::"))
        .filter(|test| test["status"] == "failed")
        .collect()
}

/// Regression: hidden tests went to Gradescope as `after_published` with
/// their output, in the author's view, so learners read them once grades
/// were published.
#[test]
fn gradescope_hides_hidden_tests_and_defaults_to_the_learner_view() {
    let learner = grade_mutant(&["--format", "gradescope"]);
    let hidden = failed_hidden(&learner);
    assert_eq!(hidden.len(), 3, "{learner:#}");
    for test in hidden {
        assert_eq!(test["visibility"], "hidden", "{test:#}");
        assert_eq!(test["output"], "", "{test:#}");
    }

    let author = grade_mutant(&["--format", "gradescope", "--view", "author"]);
    for test in failed_hidden(&author) {
        assert_eq!(test["visibility"], "hidden", "{test:#}");
        assert_ne!(test["output"], "", "the author reads why: {test:#}");
    }
}

/// Exercism's results are read by learners: a hidden test's message there
/// is only the note that it is hidden, and it shows no code.
#[test]
fn exercism_defaults_to_the_learner_view() {
    let results = grade_mutant(&["--format", "exercism"]);
    let failed: Vec<_> = results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|test| test["status"] == "fail")
        .collect();
    let hidden: Vec<_> = failed
        .iter()
        .filter(|test| test["message"] == "hidden test: its details are not shown")
        .collect();
    // The mutant fails one visible test and three hidden ones.
    assert_eq!((failed.len(), hidden.len()), (4, 3), "{results:#}");
    for test in hidden {
        // The runner always has the key; a hidden test's is empty.
        assert_eq!(test["test_code"], "", "{test:#}");
    }
}

/// The formats a person or a tool of the author's reads keep the author's
/// view by default.
#[test]
fn json_defaults_to_the_author_view() {
    let result = grade_mutant(&["--format", "json"]);
    assert_eq!(result["view"], "author");
}

/// Exercism's interface: "the runner must exit with an exit code of 0 if
/// it has run successfully, regardless of the status of the tests", and
/// write `results.json` to the output folder. `--exit-zero` and `--output`.
#[test]
fn an_exercism_runner_exits_zero_and_writes_results_json() {
    let exercise = root().join("exercises/python/fizzbuzz");
    let out = tempfile::tempdir().unwrap();
    let results = out.path().join("results.json");
    let output = Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("grade")
        .arg(&exercise)
        // A folder holding the solution among other files, as Exercism
        // hands a runner its input folder.
        .arg(exercise.join("mutants/checks-three-first"))
        .args(["--format", "exercism", "--exit-zero", "--output"])
        .arg(&results)
        .arg("--images-dir")
        .arg(root().join("runner-images"))
        .output()
        .expect("the grader binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "a failed submission, graded: exit 0; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty(), "the result went to the file");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&results).unwrap()).unwrap();
    assert_eq!(written["version"], 3);
    assert_eq!(written["status"], "fail");

    // Without the flag, the same grading exits 1.
    let plain = Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("grade")
        .arg(&exercise)
        .arg(exercise.join("mutants/checks-three-first"))
        .args(["--format", "exercism", "--output"])
        .arg(&results)
        .arg("--images-dir")
        .arg(root().join("runner-images"))
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(1));
}

/// A mutant kept as a patch is graded by naming the patch: the reference
/// with it applied.
#[test]
fn a_mutants_patch_is_graded_as_the_reference_with_it_applied() {
    let exercise = root().join("exercises/sql/cheap-products");
    let output = Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("grade")
        .arg(&exercise)
        .arg(exercise.join("mutants/no-tie-break.patch"))
        .args(["--format", "json", "--images-dir"])
        .arg(root().join("runner-images"))
        .output()
        .expect("the grader binary runs");
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{result:#}");
    let failed: Vec<&str> = result["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|test| test["status"] == "failed")
        .map(|test| test["id"].as_str().unwrap())
        .collect();
    assert!(!failed.is_empty(), "{result:#}");
}

/// Regression (issue 26): a learner's syntax error exited 2, the code of
/// "could not grade" (and of `grader submit`'s unreachable service). The
/// submission's own error is its failure: 1; 2 stays for what must not
/// count (the grader's failure, a usage error).
#[test]
fn a_learners_own_error_exits_1_and_a_usage_error_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fizzbuzz.py"), "def fizzbuzz(n:\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["grade", "exercises/python/fizzbuzz"])
        .arg(dir.path())
        .args(["--format", "json"])
        .current_dir(root())
        .output()
        .unwrap();
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["status"], "error");
    assert_eq!(result["error"]["learner_fault"], true);
    assert_eq!(output.status.code(), Some(1));

    let missing = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["grade", "exercises/python/no-such-exercise"])
        .arg(dir.path())
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

/// Regression (issue 26): `tokens create --role author` said "a author".
#[test]
fn tokens_are_announced_with_the_right_article() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    for (role, said) in [
        ("author", "an author token"),
        ("learner", "a learner token"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_grader"))
            .args(["tokens", "create", "--name", "pat", "--role", role, "--db"])
            .arg(&db)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(stderr.contains(said), "{stderr}");
    }
}
