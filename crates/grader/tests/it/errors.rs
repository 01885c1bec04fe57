//! Submissions that cannot be graded normally get an `error` a learner
//! understands — or, when only one test misbehaves, a failed test.

use grader::result::{ErrorKind, Status, TestStatus};
use grader::{Exercise, Submission};

use crate::support::{grade, grader, reference, scratch_copy};

const EXERCISE: &str = "python/calculate-discount";

#[tokio::test]
async fn a_missing_file_is_an_invalid_submission_and_nothing_runs() {
    let result = grade(EXERCISE, &[]).await;
    assert_eq!(result.status, Status::Error);
    let error = result.error.unwrap();
    assert_eq!(error.kind, ErrorKind::InvalidSubmission);
    assert_eq!(error.message, "the submission is missing discount.py");
    assert!(result.tests.is_empty());
}

#[tokio::test]
async fn an_unexpected_or_oversized_file_is_an_invalid_submission() {
    let source = reference(EXERCISE, "discount.py");
    let result = grade(EXERCISE, &[("discount.py", &source), ("conftest.py", "")]).await;
    let error = result.error.unwrap();
    assert_eq!(error.kind, ErrorKind::InvalidSubmission);
    assert!(
        error
            .message
            .contains("conftest.py is not a file this exercise takes"),
        "{}",
        error.message
    );

    let huge = "#".repeat(65 * 1024);
    let result = grade(EXERCISE, &[("discount.py", &huge)]).await;
    let error = result.error.unwrap();
    assert_eq!(error.kind, ErrorKind::InvalidSubmission);
    assert!(
        error.message.contains("more than the 64KiB"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_syntax_error_names_the_file_and_line() {
    let result = grade(
        EXERCISE,
        &[(
            "discount.py",
            "def calculate_discount(price, percent)\n    return price\n",
        )],
    )
    .await;
    assert_eq!(result.status, Status::Error);
    let error = result.error.unwrap();
    assert_eq!(error.kind, ErrorKind::Crashed);
    assert!(
        error.message.contains("syntax error: discount.py, line 1"),
        "{}",
        error.message
    );
    assert!(error.learner_fault);
}

#[tokio::test]
async fn an_import_error_says_what_could_not_be_loaded() {
    let result = grade(EXERCISE, &[("discount.py", "def other():\n    pass\n")]).await;
    let error = result.error.unwrap();
    assert_eq!(error.kind, ErrorKind::Crashed);
    assert!(
        error
            .message
            .contains("cannot import name 'calculate_discount'"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn code_that_hangs_at_import_times_out() {
    let (_temp, dir) = scratch_copy(EXERCISE);
    let yaml = dir.join("exercise.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{text}limits:\n  wall_time: 3s\n")).unwrap();
    let exercise = Exercise::load(&dir).unwrap();
    let submission = Submission {
        files: [(
            "discount.py".to_owned(),
            b"while True:\n    pass\n".to_vec(),
        )]
        .into(),
    };
    let result = grader().await.grade(&exercise, &submission).await;
    assert_eq!(result.status, Status::Error);
    let error = result.error.unwrap();
    assert_eq!(error.kind, ErrorKind::Timeout);
    assert!(error.learner_fault);
    assert!(
        error.message.contains("did not finish within 3s"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn one_looping_test_fails_at_the_test_timeout_and_the_others_still_run() {
    let (_temp, dir) = scratch_copy(EXERCISE);
    let yaml = dir.join("exercise.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(
        &yaml,
        text.replace("test_timeout: 5s", "test_timeout: 500ms"),
    )
    .unwrap();
    let exercise = Exercise::load(&dir).unwrap();
    let source = reference(EXERCISE, "discount.py").replace(
        "    return round(",
        "    while percent == 12.5:\n        pass\n    return round(",
    );
    let submission = Submission {
        files: [("discount.py".to_owned(), source.into_bytes())].into(),
    };
    let result = grader().await.grade(&exercise, &submission).await;
    assert_eq!(result.status, Status::Failed, "{:?}", result.error);
    let looping = result
        .tests
        .iter()
        .find(|test| test.id == "test_discount_hidden.py::test_float_percent")
        .unwrap();
    assert_eq!(looping.status, TestStatus::Failed);
    assert!(
        looping
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("took longer than 0.5s"),
        "{looping:?}"
    );
    let passed = result
        .tests
        .iter()
        .filter(|t| t.status == TestStatus::Passed)
        .count();
    assert_eq!(passed, result.tests.len() - 1);
}

#[tokio::test]
async fn a_memory_hog_is_an_error_of_kind_memory() {
    let source = reference(EXERCISE, "discount.py").replace(
        "    return round(",
        "    hog = b'x' * (1 << 30)\n    return round(",
    );
    let result = grade(EXERCISE, &[("discount.py", &source)]).await;
    let error = result.error.unwrap();
    assert_eq!(error.kind, ErrorKind::Memory);
    assert!(error.message.contains("256 MiB"), "{}", error.message);
}

#[tokio::test]
async fn a_flood_of_output_in_a_test_is_capped_and_grading_goes_on() {
    let source = reference(EXERCISE, "discount.py").replace(
        "    return round(",
        "    if percent == 12.5:\n        print('y' * (50 << 20))\n    return round(",
    );
    let result = grade(EXERCISE, &[("discount.py", &source)]).await;
    // The learner's process prints into a pipe the test process drains and
    // caps: the test is judged on what the code returned.
    assert_eq!(result.status, Status::Passed, "{:?}", result.error);
    let flooding = result
        .tests
        .iter()
        .find(|test| test.id == "test_discount_hidden.py::test_float_percent")
        .unwrap();
    assert_eq!(flooding.status, TestStatus::Passed);
    let output = flooding
        .output
        .as_ref()
        .expect("the flood's first bytes are kept");
    assert!(output.truncated, "{flooding:?}");
    for test in &result.tests {
        if let Some(output) = &test.output {
            assert!(
                output.text.len() <= 4096,
                "{} kept {} bytes",
                test.id,
                output.text.len()
            );
        }
    }
}

/// Regression: the error of a run whose hidden test file could not import
/// the learner's code quoted that file's error, which names what the
/// hidden tests import, and the learner view kept it.
#[tokio::test]
async fn a_hidden_test_file_that_cannot_load_tells_the_learner_no_hidden_detail() {
    let (_temp, dir) = scratch_copy("python/fizzbuzz");
    let hidden = dir.join("tests/test_fizzbuzz_hidden.py");
    let text = std::fs::read_to_string(&hidden).unwrap();
    std::fs::write(
        &hidden,
        text.replace(
            "from fizzbuzz import fizzbuzz\n",
            "from fizzbuzz import fizzbuzz, secret_helper\n",
        ),
    )
    .unwrap();
    let exercise = Exercise::load(&dir).unwrap();
    let submission = Submission {
        files: [(
            "fizzbuzz.py".to_owned(),
            reference("python/fizzbuzz", "fizzbuzz.py").into_bytes(),
        )]
        .into(),
    };
    let result = grader().await.grade(&exercise, &submission).await;
    let error = result.error.clone().unwrap();
    assert_eq!(error.kind, ErrorKind::Crashed, "{}", error.message);

    let learner = result.for_view(grader::View::Learner).to_json();
    assert!(!learner.contains("secret_helper"), "{learner}");
    assert!(
        learner.contains("a hidden test file could not import"),
        "{learner}"
    );
    let log = result.log.unwrap().text;
    assert!(log.contains("secret_helper"), "the author reads why: {log}");
}

/// A visible test file's error is the learner's to read.
#[tokio::test]
async fn a_visible_test_file_that_cannot_load_names_its_error() {
    let result = grade(
        "python/fizzbuzz",
        &[("fizzbuzz.py", "def fizz_buzz(n):\n    return []\n")],
    )
    .await;
    let learner = result.for_view(grader::View::Learner);
    let error = learner.error.unwrap();
    assert_eq!(error.kind, ErrorKind::Crashed);
    assert!(
        error
            .message
            .starts_with("the tests could not load your code:\ntests/test_fizzbuzz.py:3")
            && error.message.contains("cannot import name 'fizzbuzz'"),
        "{}",
        error.message
    );
}

/// Regression: the error of code that raised while the tests imported it
/// kept only the exception's last line, though the lines above it are
/// the useful ones.
#[tokio::test]
async fn code_that_raises_at_import_shows_every_line_of_its_exception() {
    let result = grade(
        "python/fizzbuzz",
        &[(
            "fizzbuzz.py",
            "raise ImportError(\"the settings file is missing: create it first\\n\
             Did you misname or forget to define it?\")\n",
        )],
    )
    .await;
    let learner = result.for_view(grader::View::Learner);
    let error = learner.error.unwrap();
    assert_eq!(error.kind, ErrorKind::Crashed);
    for wanted in [
        "the tests could not load your code:\n",
        "tests/test_fizzbuzz.py:3: in <module>\n    from fizzbuzz import fizzbuzz",
        "the settings file is missing: create it first",
        "Did you misname or forget to define it?",
    ] {
        assert!(
            error.message.contains(wanted),
            "{wanted:?} in {}",
            error.message
        );
    }
    assert!(!error.message.contains("/opt/grader"), "{}", error.message);
    assert!(!error.message.contains("Hint:"), "{}", error.message);
}
