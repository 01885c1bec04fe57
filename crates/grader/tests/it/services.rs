//! api exercises with services: PostgreSQL and Redis started in the job's
//! container before the app, fresh per job, and what a case can check of
//! them (a restart, a cache hit, a queued job).

use grader::result::{ErrorKind, Status, TestStatus};

use crate::support::{grade, reference};

/// The reference of each service exercise earns full marks; the time a
/// job takes, and its services' start, are printed (measured, not
/// asserted: see benches/ for timings).
#[tokio::test]
async fn a_job_with_postgres_and_redis_grades_its_reference_in_full() {
    let id = "api/cached-products";
    let started = std::time::Instant::now();
    let result = grade(id, &[("app.py", &reference(id, "app.py"))]).await;
    let elapsed = started.elapsed();
    assert_eq!(result.status, Status::Passed, "{result:#?}");
    assert_eq!(result.score, result.max_score);
    let log = result
        .log
        .as_ref()
        .map(|log| log.text.clone())
        .unwrap_or_default();
    let up = log
        .lines()
        .find(|line| line.contains("postgres, redis up in"))
        .unwrap_or_else(|| panic!("the services' start is logged:\n{log}"));
    eprintln!("{id}: graded in {} ms; {up}", elapsed.as_millis());
}

/// Each job gets fresh data: an app that adds a row at start sees only the
/// seed and its own row, however many jobs ran before it.
#[tokio::test]
async fn every_job_starts_from_the_schema_and_an_empty_redis() {
    let id = "api/tasks-postgres";
    let app = r#"
import os, redis
from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"], future=True)
with engine.begin() as conn:
    conn.execute(text("INSERT INTO tasks (title) VALUES ('added at start')"))

app = FastAPI()

@app.get("/health")
def health():
    return {"status": "ok"}

@app.get("/tasks")
def tasks():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT title, done FROM tasks ORDER BY id")).all()
    return [{"title": title, "done": done} for title, done in rows]
"#;
    for _ in 0..2 {
        let result = grade(id, &[("app.py", app)]).await;
        let seeded = result
            .tests
            .iter()
            .find(|test| test.id == "visible.yaml::the_seeded_tasks_are_listed")
            .unwrap();
        // Listed first, by id: the seed, then the one row the app added.
        assert_eq!(seeded.status, TestStatus::Passed, "{result:#?}");
        let restart = result
            .tests
            .iter()
            .find(|test| test.id == "visible.yaml::a_task_survives_a_restart_of_the_app")
            .unwrap();
        assert_eq!(restart.status, TestStatus::Failed, "{result:#?}");
    }
}

/// A service that does not start is the exercise's failure, not the
/// learner's: an exercise whose schema does not load grades its reference
/// as `infra`, saying which service and why, and `grader check` fails.
#[tokio::test]
async fn a_service_that_does_not_start_is_an_infra_error() {
    let id = "api/tasks-postgres";
    let (_temp, dir) = crate::support::scratch_copy(id);
    let schema = dir.join("schema.sql");
    let text = std::fs::read_to_string(&schema).unwrap() + "\nTHIS IS NOT SQL;\n";
    std::fs::write(&schema, text).unwrap();
    let (result, _) =
        crate::support::grade_recorded(&dir, &[("app.py", &reference(id, "app.py"))]).await;
    let error = result.error.as_ref().expect("an error");
    assert_eq!(error.kind, ErrorKind::Infra, "{result:#?}");
    assert!(!error.learner_fault);
    assert!(
        error.message.starts_with("a service did not start:") && error.message.contains("schema"),
        "{}",
        error.message
    );
}
