//! Snapshots of what people and machines read: the terminal table and the
//! result JSON, for a passing, a failing and an erroring submission.

use grader::View;

use crate::support::{grade, redactions, reference};

const EXERCISE: &str = "python/fizzbuzz";

fn mutant(name: &str) -> String {
    std::fs::read_to_string(
        crate::support::exercise_dir(EXERCISE)
            .join("mutants")
            .join(name)
            .join("fizzbuzz.py"),
    )
    .unwrap()
}

#[tokio::test]
async fn passing_submission() {
    let result = grade(
        EXERCISE,
        &[("fizzbuzz.py", &reference(EXERCISE, "fizzbuzz.py"))],
    )
    .await;
    redactions().bind(|| {
        insta::assert_snapshot!(
            "passing_human",
            grader::render::human(&result.for_view(View::Learner), false)
        );
        insta::assert_snapshot!("passing_json", result.for_view(View::Learner).to_json());
    });
}

#[tokio::test]
async fn failing_submission() {
    let result = grade(EXERCISE, &[("fizzbuzz.py", &mutant("checks-three-first"))]).await;
    redactions().bind(|| {
        insta::assert_snapshot!(
            "failing_human_learner",
            grader::render::human(&result.for_view(View::Learner), false)
        );
        insta::assert_snapshot!(
            "failing_human_author",
            grader::render::human(&result.for_view(View::Author), false)
        );
        insta::assert_snapshot!(
            "failing_json_learner",
            result.for_view(View::Learner).to_json()
        );
    });
}

#[tokio::test]
async fn erroring_submission() {
    let result = grade(
        EXERCISE,
        &[(
            "fizzbuzz.py",
            "def fizzbuzz(n):\n    return [str(i) for i in range(1, n + 1)\n",
        )],
    )
    .await;
    redactions().bind(|| {
        insta::assert_snapshot!(
            "erroring_human",
            grader::render::human(&result.for_view(View::Learner), false)
        );
        insta::assert_snapshot!("erroring_json", result.for_view(View::Learner).to_json());
    });
}

#[tokio::test]
async fn exports_of_a_failing_submission() {
    let result = grade(EXERCISE, &[("fizzbuzz.py", &mutant("checks-three-first"))]).await;
    let learner = result.for_view(View::Learner);
    let mut settings = redactions();
    settings.add_filter(
        r#""execution_time": [0-9.]+"#,
        r#""execution_time": "[SECONDS]""#,
    );
    settings.add_filter(r#"time="[0-9.]+""#, r#"time="[SECONDS]""#);
    settings.bind(|| {
        insta::assert_snapshot!("export_exercism", grader::export::exercism(&learner));
        insta::assert_snapshot!("export_gradescope", grader::export::gradescope(&learner));
        insta::assert_snapshot!("export_junit", grader::junit::result(&learner));
    });
    let exercism: serde_json::Value =
        serde_json::from_str(&grader::export::exercism(&learner)).unwrap();
    assert_eq!(exercism["version"], 3);
    assert_eq!(exercism["status"], "fail");
    let gradescope: serde_json::Value =
        serde_json::from_str(&grader::export::gradescope(&learner)).unwrap();
    assert_eq!(gradescope["score"], 12.0);
}
