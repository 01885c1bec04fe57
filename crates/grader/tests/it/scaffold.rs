//! `grader new`: what it makes passes `grader check` unchanged, per kind.

use grader::exercise::Kind;

use crate::support::grader;

async fn scaffold_passes_check(kind: Kind, track: &str) {
    let temp = tempfile::tempdir().unwrap();
    let (dir, files) =
        grader::scaffold::create(&temp.path().join(track), "fresh-exercise", kind).unwrap();
    assert!(files.len() >= 7, "{files:?}");
    let check = grader().await.check(&dir).await;
    let problems: Vec<String> = check
        .findings
        .iter()
        .filter(|finding| !finding.ok)
        .map(|finding| format!("{}: {}", finding.subject, finding.message))
        .collect();
    assert!(check.ok(), "{problems:#?}");
    // The reference, the starter and the one mutant were each graded.
    assert!(check.findings.len() >= 4, "{:#?}", check.findings);
}

#[tokio::test]
async fn a_new_python_exercise_passes_check() {
    scaffold_passes_check(Kind::Python, "python").await;
}

#[tokio::test]
async fn a_new_sql_exercise_passes_check() {
    scaffold_passes_check(Kind::Sql, "sql").await;
}

#[tokio::test]
async fn a_new_api_exercise_passes_check() {
    scaffold_passes_check(Kind::Api, "api").await;
}

#[tokio::test]
async fn a_new_pytest_exercise_passes_check() {
    scaffold_passes_check(Kind::Pytest, "pytest").await;
}

#[tokio::test]
async fn a_new_shell_exercise_passes_check() {
    scaffold_passes_check(Kind::Shell, "shell").await;
}
