//! Every bundled exercise is sound, and `check` notices when one is not.

use grader::check;

use crate::support::{self, grader, scratch_copy};

#[tokio::test]
async fn every_bundled_exercise_passes_check() {
    let dirs = check::discover(&[support::root().join("exercises")]);
    assert!(dirs.len() >= 8, "found only {} exercises", dirs.len());
    let grader = grader().await;
    let mut failures = Vec::new();
    for dir in dirs {
        let check = grader.check(&dir).await;
        for finding in check.findings.iter().filter(|finding| !finding.ok) {
            failures.push(format!(
                "{} {}: {}",
                check.exercise, finding.subject, finding.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_broken_reference_fails_the_check_and_says_which_tests() {
    let (_temp, dir) = scratch_copy("python/fizzbuzz");
    let path = dir.join("reference/fizzbuzz.py");
    let source = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, source.replace("\"FizzBuzz\"", "\"Fizzbuzz\"")).unwrap();

    let check = grader().await.check(&dir).await;
    let reference = check
        .findings
        .iter()
        .find(|f| f.subject == "reference")
        .unwrap();
    assert!(!reference.ok);
    assert!(
        reference.message.contains("it does not pass"),
        "{}",
        reference.message
    );
    assert!(!check.ok());
}

#[tokio::test]
async fn deleting_the_hidden_test_that_catches_a_mutant_fails_the_check() {
    let (_temp, dir) = scratch_copy("python/calculate-discount");
    let path = dir.join("tests/test_discount_hidden.py");
    let source = std::fs::read_to_string(&path).unwrap();
    // Without its zero-price test, the mutant that rejects a price of 0 passes.
    let cut = source
        .find("def test_zero_price_any_percent")
        .expect("the test exists");
    let start = source[..cut]
        .rfind("@pytest.mark.parametrize")
        .unwrap_or(cut);
    let end = source[cut..]
        .find("\n\n\n")
        .map_or(source.len(), |end| cut + end);
    std::fs::write(&path, format!("{}{}", &source[..start], &source[end..])).unwrap();

    let check = grader().await.check(&dir).await;
    let mutant = check
        .findings
        .iter()
        .find(|f| f.subject == "mutant rejects-zero-price")
        .unwrap();
    assert!(!mutant.ok, "{check:?}");
    assert!(mutant.message.contains("passes"), "{}", mutant.message);
}

/// Regression: an `overrides` key that named no test was silently ignored,
/// and the points or task id it set were lost.
#[tokio::test]
async fn an_override_of_no_collected_test_fails_the_check_and_names_the_nearest() {
    let (_temp, dir) = scratch_copy("python/fizzbuzz");
    let path = dir.join("exercise.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        yaml.replace("      test_first_fifteen:", "      test_first_fiften:"),
    )
    .unwrap();

    let check = grader().await.check(&dir).await;
    let overrides = check
        .findings
        .iter()
        .find(|f| f.subject == "overrides")
        .expect("the overrides are checked");
    assert!(!overrides.ok);
    assert!(
        overrides.message.starts_with(
            "tests[1].overrides.test_first_fiften names no test collected from \
             test_fizzbuzz_hidden.py; nearest collected: \
             test_fizzbuzz_hidden.py::test_first_fifteen, "
        ),
        "{}",
        overrides.message
    );
    assert!(!check.ok());
}

#[tokio::test]
async fn a_course_checked_on_shared_containers_gives_each_exercise_its_own_verdict() {
    // A broken fizzbuzz, then an exercise of the same kind that holds: the
    // container passed on from one to the other carries nothing across.
    let (_temp, broken) = scratch_copy("python/fizzbuzz");
    let path = broken.join("reference/fizzbuzz.py");
    let source = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, source.replace("\"FizzBuzz\"", "\"Fizzbuzz\"")).unwrap();
    let dirs = vec![
        broken,
        support::exercise_dir("python/shopping-cart"),
        support::exercise_dir("pytest/test-slugify"),
        support::exercise_dir("sql/cheap-products"),
        support::exercise_dir("api/notes-crud"),
    ];
    let started = std::sync::Mutex::new(Vec::new());
    let mut finished = Vec::new();
    let sandbox = support::grader_sandbox().await;
    let checks = check::many(
        || grader_sandbox::SharedRunner::new(sandbox.clone()),
        &grader::Images::new(support::root().join("runner-images")),
        dirs.clone(),
        2,
        |dir| started.lock().unwrap().push(dir.to_owned()),
        |dir, _| finished.push(dir.to_owned()),
    )
    .await;
    assert_eq!(started.into_inner().unwrap().len(), dirs.len());
    assert_eq!(finished.len(), dirs.len());
    assert_eq!(checks.len(), dirs.len());
    for check in &checks {
        let failed: Vec<&str> = check
            .findings
            .iter()
            .filter(|finding| !finding.ok)
            .map(|finding| finding.subject.as_str())
            .collect();
        if check.exercise == "python/fizzbuzz" {
            assert_eq!(failed, ["reference"], "{check:#?}");
        } else {
            assert!(failed.is_empty(), "{check:#?}");
        }
    }
}

#[tokio::test]
async fn a_test_that_passes_on_a_null_solution_is_named_as_vacuous() {
    // fizzbuzz's test as it was: every element a string, which an empty
    // result has too.
    let (_temp, dir) = scratch_copy("python/fizzbuzz");
    let path = dir.join("tests/test_fizzbuzz.py");
    let source = std::fs::read_to_string(&path).unwrap();
    let weak = source.replace(
        "    assert result, \"fizzbuzz(4) has four strings to give\"\n",
        "",
    );
    assert_ne!(weak, source);
    std::fs::write(&path, weak).unwrap();
    let check = grader().await.check(&dir).await;
    let finding = check
        .findings
        .iter()
        .find(|finding| finding.subject == "null solution")
        .expect("a python exercise's null solutions are graded");
    assert!(finding.ok && finding.warning, "{finding:#?}");
    assert!(
        finding.message.contains(
            "test_fizzbuzz.py::test_numbers_are_strings passes when every function returns \"\" or [] or {}"
        ),
        "{}",
        finding.message
    );
    assert!(check.ok());
    assert!(!check.strict().ok());
}
