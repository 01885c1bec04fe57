//! The job manifests the kinds write, pinned as golden files the harness's
//! unit tests also read (`runner-images/<image>/tests/manifests/`): a field
//! renamed, added or dropped on this side changes a golden file, and the
//! harness's side is tested against the new one. The key and the api
//! kind's JWT secret are random per job: they show as `<key>` and
//! `<secret>`. `GRADER_UPDATE_MANIFESTS=1` rewrites the files.

use grader::{Exercise, Grader, Images, Submission};
use grader_sandbox::Ending;
use grader_testkit::FakeRunner;
use grader_testkit::fake::{manifest, outcome};

use crate::support::root;

/// The first job's manifest when `exercise`'s reference is graded.
async fn first_manifest(exercise: &str) -> serde_json::Value {
    let exercise = Exercise::load(&root().join("exercises").join(exercise)).unwrap();
    let runner = FakeRunner::new(|_, _| outcome(Ending::Exited { code: 1 }, "", ""));
    let grader = Grader::new(runner, Images::new(root().join("runner-images")));
    let reference = exercise.dir.join("reference");
    let submission = Submission::from_paths(&exercise, &[reference]).unwrap();
    grader.grade(&exercise, &submission).await;
    let archives = grader.runner().archives();
    let mut first = manifest(archives.first().expect("a job ran"));
    first["key"] = "<key>".into();
    if let Some(api) = first.get_mut("api") {
        api["jwt_secret"] = "<secret>".into();
        // The exercise's own SQL: not the manifest's shape.
        if !api["schema"].is_null() {
            api["schema"] = "<schema.sql>".into();
        }
    }
    first
}

/// The manifest of the first job of `exercise`'s reference whose section
/// is `section`, with an app under test (an api exercise's `pytest`).
async fn manifest_of(exercise: &str, section: &str) -> serde_json::Value {
    let exercise = Exercise::load(&root().join("exercises").join(exercise)).unwrap();
    let runner = FakeRunner::new(|_, _| outcome(Ending::Exited { code: 1 }, "", ""));
    let grader = Grader::new(runner, Images::new(root().join("runner-images")));
    let reference = exercise.dir.join("reference");
    let submission = Submission::from_paths(&exercise, &[reference]).unwrap();
    grader.grade(&exercise, &submission).await;
    let mut found = grader
        .runner()
        .archives()
        .iter()
        .map(manifest)
        .find(|manifest| manifest.get(section).is_some())
        .expect("a job with that section ran");
    found["key"] = "<key>".into();
    let app = &mut found[section]["app"];
    app["jwt_secret"] = "<secret>".into();
    app["schema"] = "<schema.sql>".into();
    found
}

fn golden(image: &str, job: &str, manifest: &serde_json::Value) {
    let path = root().join(format!("runner-images/{image}/tests/manifests/{job}.json"));
    let text = serde_json::to_string_pretty(manifest).unwrap() + "\n";
    if std::env::var_os("GRADER_UPDATE_MANIFESTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        kept,
        text,
        "{} is not the manifest the grader writes; if the change is meant, run with \
         GRADER_UPDATE_MANIFESTS=1 and make the harness read the new one",
        path.display()
    );
}

#[tokio::test]
async fn each_kinds_manifest_is_the_golden_one_the_harness_is_tested_with() {
    golden(
        "python",
        "pytest",
        &first_manifest("python/shopping-cart").await,
    );
    golden(
        "python",
        "tests",
        &first_manifest("pytest/test-slugify").await,
    );
    golden("sql", "sql", &first_manifest("sql/cheap-products").await);
    golden("api", "api", &first_manifest("api/cached-products").await);
    golden("shell", "shell", &first_manifest("shell/log-report").await);
    golden(
        "api",
        "tests",
        &manifest_of("api/capstone-projects", "tests").await,
    );
}
