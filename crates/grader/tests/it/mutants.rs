//! Mutants kept as patches against the reference: applied, reported by
//! mutant, file and hunk when stale, and graded like a folder.

use grader::Exercise;
use grader::mutant::{self, MutantError};

use crate::support::{self, grader, scratch_copy};

#[test]
fn a_patch_mutant_is_the_reference_with_its_one_change() {
    let dir = support::exercise_dir("api/notes-crud");
    let exercise = Exercise::load(&dir).unwrap();
    let mutant = mutant::load(&exercise, "delete-returns-200").unwrap();
    let reference = support::reference("api/notes-crud", "app.py");
    let app = String::from_utf8(mutant.files["app.py"].clone()).unwrap();
    assert_ne!(app, reference);
    assert!(app.contains("return {\"deleted\": note_id}"), "{app}");
    // Every line but the changed ones is the reference's.
    let differing = app
        .lines()
        .zip(reference.lines())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 2, "{app}");
    assert_eq!(app.lines().count(), reference.lines().count());
}

#[test]
fn a_stale_patch_names_its_mutant_file_and_hunk() {
    let (_temp, dir) = scratch_copy("api/notes-crud");
    let path = dir.join("reference/app.py");
    let source = std::fs::read_to_string(&path).unwrap();
    // The line the patch changes, written differently.
    let moved = source.replace(
        "@app.delete(\"/notes/{note_id}\", status_code=204)",
        "@app.delete(path=\"/notes/{note_id}\", status_code=204)",
    );
    assert_ne!(moved, source);
    std::fs::write(&path, moved).unwrap();
    let exercise = Exercise::load(&dir).unwrap();
    let error = mutant::load(&exercise, "delete-returns-200").unwrap_err();
    assert!(
        matches!(error, MutantError::Stale { hunk: 1, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "mutants/delete-returns-200.patch no longer applies: hunk 1 of app.py (@@ -55,8 +55,8 @@) \
         does not match reference/app.py; make the mistake again on the reference and regenerate \
         the patch with `diff -u --label a/app.py --label b/app.py reference/app.py <the mutant's app.py>`"
    );
}

#[test]
fn a_patch_that_changes_another_file_is_refused() {
    let (_temp, dir) = scratch_copy("sql/cheap-products");
    std::fs::write(
        dir.join("mutants/no-tie-break.patch"),
        "--- a/other.sql\n+++ b/other.sql\n@@ -1 +1 @@\n-a\n+b\n",
    )
    .unwrap();
    let exercise = Exercise::load(&dir).unwrap();
    let error = mutant::load(&exercise, "no-tie-break").unwrap_err();
    assert_eq!(
        error.to_string(),
        "mutants/no-tie-break.patch changes `b/other.sql`; a mutant's patch may only change \
         the submission's files (query.sql)"
    );
}

#[test]
fn a_mutant_with_both_a_folder_and_a_patch_fails_exercise_yaml() {
    let (_temp, dir) = scratch_copy("sql/cheap-products");
    std::fs::create_dir(dir.join("mutants/no-tie-break")).unwrap();
    let error = Exercise::load(&dir).unwrap_err().to_string();
    assert!(
        error.contains("mutants/no-tie-break/ and mutants/no-tie-break.patch both exist"),
        "{error}"
    );
}

#[tokio::test]
async fn check_reports_a_stale_patch_as_its_mutants_failure() {
    let (_temp, dir) = scratch_copy("sql/cheap-products");
    let path = dir.join("reference/query.sql");
    let source = std::fs::read_to_string(&path).unwrap();
    // Same query, its lines written in lower case: every patch is stale.
    std::fs::write(&path, source.to_lowercase()).unwrap();
    let check = grader().await.check(&dir).await;
    let subjects: Vec<(&str, bool)> = check
        .findings
        .iter()
        .map(|finding| (finding.subject.as_str(), finding.ok))
        .collect();
    assert!(subjects.contains(&("reference", true)), "{check:#?}");
    let mutant = check
        .findings
        .iter()
        .find(|finding| finding.subject == "mutant no-tie-break")
        .unwrap();
    assert!(!mutant.ok);
    assert!(
        mutant
            .message
            .starts_with("mutants/no-tie-break.patch no longer applies: hunk 1 of query.sql"),
        "{}",
        mutant.message
    );
    assert!(!check.ok());
}
