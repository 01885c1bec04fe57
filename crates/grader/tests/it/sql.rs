//! The sql kind against the real engine and the sql runner image: what a
//! learner's SQL may not do is refused or stopped, and says so.

use grader::result::{ErrorKind, GradeResult, Status, TestStatus};
use grader::{Exercise, Submission};
use grader_sandbox::{DockerSandbox, Runner};

use crate::support::{exercise_dir, grade, message_of, root};

const QUERY: &str = "sql/cheap-products";
const SCRIPT: &str = "sql/design-reviews";

/// Runs `sql` as the submission without the host's check of it, the way a
/// query that slipped past it would run.
async fn run_unchecked(id: &str, sql: &str) -> GradeResult {
    run_unchecked_raw(id, sql).await.0
}

/// [`run_unchecked`], with the harness's signed report lines in order.
async fn run_unchecked_raw(id: &str, sql: &str) -> (GradeResult, Vec<serde_json::Value>) {
    let exercise = Exercise::load(&exercise_dir(id)).unwrap();
    let name = exercise.spec.submission.files[0].name.clone();
    let submission = Submission {
        files: [(name, sql.as_bytes().to_vec())].into_iter().collect(),
    };
    let image = grader::Images::new(root().join("runner-images"))
        .tag("sql")
        .unwrap();
    let key = grader::channel::Key::new();
    let archive = grader::sql::archive(&exercise, &submission, &key).unwrap();
    let sandbox = DockerSandbox::connect()
        .await
        .expect("these tests need a running Docker engine; start dockerd");
    let outcome = sandbox
        .run(&grader::sql::job(&exercise, image), archive)
        .await
        .unwrap();
    let lines = grader::channel::read(&outcome.stdout.bytes, &key)
        .payloads
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (grader::sql::interpret(&exercise, &outcome, &key), lines)
}

#[tokio::test]
async fn the_reference_query_passes_on_both_engines() {
    let reference =
        std::fs::read_to_string(exercise_dir(QUERY).join("reference/query.sql")).unwrap();
    let result = grade(QUERY, &[("query.sql", &reference)]).await;
    assert_eq!(result.status, Status::Passed, "{result:#?}");
    let ids: Vec<&str> = result.tests.iter().map(|test| test.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "visible.sql::query[sqlite]",
            "visible.sql::query[postgres]",
            "hidden.sql::query[sqlite]",
            "hidden.sql::query[postgres]",
            "empty.sql::query[sqlite]",
            "empty.sql::query[postgres]",
        ]
    );
}

#[tokio::test]
async fn a_write_in_a_query_exercise_is_reported_and_not_run() {
    for (sql, word) in [
        ("DELETE FROM products", "starts with `DELETE`"),
        (
            "WITH gone AS (DELETE FROM products RETURNING *) SELECT name, price FROM gone",
            "has `DELETE`",
        ),
        ("SELECT 1; DROP TABLE products", "this file holds 2"),
    ] {
        let result = grade(QUERY, &[("query.sql", sql)]).await;
        assert_eq!(result.status, Status::Error, "{sql}");
        let error = result.error.as_ref().unwrap();
        assert_eq!(error.kind, ErrorKind::InvalidSubmission, "{sql}");
        assert!(error.message.contains(word), "{sql}: {}", error.message);
        assert!(result.tests.is_empty(), "{sql}: nothing may run");
    }
}

#[tokio::test]
async fn a_write_that_gets_past_the_check_is_refused_by_the_databases() {
    let result = run_unchecked(QUERY, "DELETE FROM products").await;
    assert_eq!(result.status, Status::Failed, "{result:#?}");
    let postgres = message_of(&result, "visible.sql::query[postgres]");
    assert!(
        postgres.contains("cannot execute DELETE in a read-only transaction"),
        "{postgres}"
    );
    let sqlite = message_of(&result, "visible.sql::query[sqlite]");
    assert!(sqlite.contains("not authorized"), "{sqlite}");
}

#[tokio::test]
async fn pg_sleep_is_stopped_by_the_statement_timeout() {
    let started = std::time::Instant::now();
    let result = grade(QUERY, &[("query.sql", "SELECT pg_sleep(1000)")]).await;
    assert_eq!(result.status, Status::Failed, "{result:#?}");
    let test = result
        .tests
        .iter()
        .find(|test| test.id == "visible.sql::query[postgres]")
        .unwrap();
    assert_eq!(test.status, TestStatus::Failed);
    assert_eq!(
        test.message.as_deref(),
        Some("your query was stopped by the statement timeout")
    );
    // Every dataset's run was stopped, each after the 2 s timeout, well
    // before the job's own wall-time limit would have struck.
    assert!(started.elapsed().as_secs() < 18, "{:?}", started.elapsed());
}

#[tokio::test]
async fn copy_to_program_and_reading_server_files_fail() {
    let result = grade(
        SCRIPT,
        &[(
            "reviews.sql",
            "COPY (SELECT 1) TO PROGRAM 'id > /tmp/owned'",
        )],
    )
    .await;
    let postgres = message_of(&result, "shop.sql::accepts_a_review[postgres]");
    assert!(
        postgres.contains("the script failed") && postgres.contains("pg_execute_server_program"),
        "{postgres}"
    );

    let result = grade(
        SCRIPT,
        &[(
            "reviews.sql",
            "CREATE TABLE reviews AS SELECT pg_read_file('/etc/passwd') AS body",
        )],
    )
    .await;
    let postgres = message_of(&result, "shop.sql::accepts_a_review[postgres]");
    assert!(
        postgres.contains("permission denied for function pg_read_file"),
        "{postgres}"
    );

    let result = grade(
        QUERY,
        &[("query.sql", "SELECT pg_ls_dir('.') AS name, 1 AS price")],
    )
    .await;
    let postgres = message_of(&result, "visible.sql::query[postgres]");
    assert!(
        postgres.contains("permission denied for function pg_ls_dir"),
        "{postgres}"
    );
}

#[tokio::test]
async fn a_trigger_left_by_a_script_does_not_run_with_more_rights_than_the_learner() {
    // The checks fire this trigger; if they ran as a superuser, it would
    // run a program.
    let script = "CREATE TABLE reviews (
        product_id INTEGER NOT NULL REFERENCES products (id),
        customer_id INTEGER NOT NULL REFERENCES customers (id),
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        body TEXT,
        reviewed_on DATE NOT NULL DEFAULT CURRENT_DATE,
        PRIMARY KEY (product_id, customer_id)
    );
    CREATE FUNCTION escape() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        COPY (SELECT 1) TO PROGRAM 'id';
        RETURN NEW;
    END $$;
    CREATE TRIGGER escape BEFORE INSERT ON reviews FOR EACH ROW EXECUTE FUNCTION escape();";
    let result = grade(SCRIPT, &[("reviews.sql", script)]).await;
    let postgres = message_of(&result, "shop.sql::accepts_a_review[postgres]");
    assert!(postgres.contains("pg_execute_server_program"), "{postgres}");
}

#[tokio::test]
async fn a_script_that_changes_its_role_does_not_change_the_next_run() {
    // Two datasets: the submission's script runs on the first before the
    // reference runs on the second, under the same role.
    let (_temp, dir) = crate::support::scratch_copy(SCRIPT);
    std::fs::copy(dir.join("tests/shop.sql"), dir.join("tests/shop2.sql")).unwrap();
    let yaml = std::fs::read_to_string(dir.join("exercise.yaml")).unwrap();
    let yaml = yaml.replace(
        "sql:\n  engines: [sqlite, postgres]",
        "  - file: shop2.sql\n    visibility: hidden\nsql:\n  engines: [postgres]",
    );
    std::fs::write(dir.join("exercise.yaml"), yaml).unwrap();
    let exercise = Exercise::load(&dir).unwrap();
    let reference = std::fs::read_to_string(dir.join("reference/reviews.sql")).unwrap();
    let script = format!("{reference}\nALTER ROLE learner SET statement_timeout = 1;\n");
    let submission = Submission {
        files: [("reviews.sql".to_owned(), script.into_bytes())]
            .into_iter()
            .collect(),
    };
    let result = crate::support::grader()
        .await
        .grade(&exercise, &submission)
        .await;
    assert_eq!(result.error, None, "{result:#?}");
    assert_eq!(result.status, Status::Passed, "{result:#?}");
}

#[tokio::test]
async fn a_wrong_query_gets_a_readable_diff_on_visible_data_only() {
    let sql = "SELECT name, price FROM products WHERE category = 'office' ORDER BY price, name";
    let result = grade(QUERY, &[("query.sql", sql)]).await;
    assert_eq!(result.status, Status::Failed);
    let visible = message_of(&result, "visible.sql::query[postgres]");
    assert_eq!(
        visible,
        "expected 4 rows, got 6\n2 unexpected rows:\n  ('Desk chair', 149.00)\n  ('Monitor stand', 39.00)"
    );
    let learner = result.for_view(grader::View::Learner);
    let hidden = learner
        .tests
        .iter()
        .find(|test| test.id == "hidden.sql::query[postgres]")
        .unwrap();
    assert_eq!(hidden.status, TestStatus::Failed);
    assert_eq!(hidden.message, None);
}

#[tokio::test]
async fn a_schema_is_judged_by_what_it_refuses_and_why() {
    // Refusing every insert because the table lacks a column is not the
    // same as refusing it by a constraint.
    let result = grade(
        SCRIPT,
        &[("reviews.sql", "CREATE TABLE reviews (product_id INTEGER)")],
    )
    .await;
    let message = message_of(&result, "shop.sql::rejects_rating_above_five[sqlite]");
    assert!(
        message.starts_with("check: INSERT INTO reviews")
            && message.contains("expected a constraint to refuse this"),
        "{message}"
    );
    assert_eq!(result.score, 0.0);
}

/// Regression: PostgreSQL timestamps came out as `2012-09-01T08:44:42` and
/// intervals in Python's form with a month folded into 30 days (`32 days,
/// 0:00:00`); a learner reads them as psql shows them.
#[tokio::test]
async fn postgres_dates_and_intervals_read_as_psql_shows_them() {
    let sql = "SELECT timestamp '2012-09-01 08:44:42' AS name, interval '1 month 2 days' AS price";
    let result = grade(QUERY, &[("query.sql", sql)]).await;
    let visible = message_of(&result, "visible.sql::query[postgres]");
    assert!(
        visible.contains("('2012-09-01 08:44:42', '1 mon 2 days')"),
        "{visible}"
    );
}

/// Every row of a 3000 × 3000 cross join, portable to both engines.
const CROSS_JOIN: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
                          SELECT a.i AS name, b.i AS price FROM n AS a, n AS b";

/// Regression: the same runaway cross join ended sometimes as a statement
/// timeout (a failed test) and sometimes as a `memory` error (PostgreSQL's
/// whole result was read into the harness), and a learner read
/// `base/pgsql_tmp/…: File too large`. Its rows now stream (only those kept
/// are read), and a sort of them stops on the learner role's
/// `temp_file_limit`, below the job's file size limit, with one clear
/// message: the same, run after run, and no path of the server's.
#[tokio::test]
async fn a_runaway_cross_join_fails_the_same_way_every_time() {
    let sorted = format!("{CROSS_JOIN} ORDER BY a.i * b.i DESC, a.i");
    for sql in [CROSS_JOIN.to_owned(), sorted.clone()] {
        let mut messages = Vec::new();
        for _ in 0..2 {
            let result = grade(QUERY, &[("query.sql", &sql)]).await;
            assert_eq!(result.status, Status::Failed, "{sql}: {result:#?}");
            let message = message_of(&result, "visible.sql::query[postgres]").to_owned();
            for internal in ["pgsql_tmp", "base/", "/work", "File too large"] {
                assert!(!message.contains(internal), "{message}");
            }
            messages.push((
                message,
                message_of(&result, "visible.sql::query[sqlite]").to_owned(),
            ));
        }
        assert_eq!(messages[0], messages[1], "{sql}");
    }
    let result = grade(QUERY, &[("query.sql", &sorted)]).await;
    for engine in ["postgres", "sqlite"] {
        let message = message_of(&result, &format!("visible.sql::query[{engine}]"));
        assert!(
            message.contains("needs more memory or temporary space than it may use"),
            "{engine}: {message}"
        );
    }
}

/// `sql.search_path`: the tables live in a schema of their own; the
/// learner's query names them unqualified, and the learner's role has what
/// it needs there and nothing more.
#[tokio::test]
async fn a_query_finds_its_tables_in_the_exercises_search_path() {
    let dir = root().join("crates/grader/tests/fixtures/sql-schema");
    let reference = std::fs::read_to_string(dir.join("reference/query.sql")).unwrap();
    let (result, _) = crate::support::grade_recorded(&dir, &[("query.sql", &reference)]).await;
    assert_eq!(result.status, Status::Passed, "{result:#?}");

    let check = crate::support::grader().await.check(&dir).await;
    assert!(check.ok(), "{:#?}", check.findings);

    // Only the schemas of the search path: not another one's tables.
    let (result, _) = crate::support::grade_recorded(
        &dir,
        &[(
            "query.sql",
            "SELECT rolname AS name, 0 AS price FROM pg_authid",
        )],
    )
    .await;
    assert!(
        message_of(&result, "visible.sql::query[postgres]").contains("permission denied"),
        "{result:#?}"
    );
}

/// `reference/<file>.<engine>.sql` is that engine's reference, for an
/// exercise whose dialects differ: here PostgreSQL's keeps one row, so the
/// general reference passes on SQLite only.
#[tokio::test]
async fn an_engine_of_its_own_reference_is_used_for_that_engine() {
    let (_temp, dir) = crate::support::scratch_copy(QUERY);
    let reference = std::fs::read_to_string(dir.join("reference/query.sql")).unwrap();
    std::fs::write(
        dir.join("reference/query.postgres.sql"),
        "SELECT name, price FROM products WHERE category = 'office' AND price <= 10 \
         ORDER BY price, name FETCH FIRST 1 ROW ONLY",
    )
    .unwrap();
    let (result, _) = crate::support::grade_recorded(&dir, &[("query.sql", &reference)]).await;
    for test in &result.tests {
        let expected = if test.id.ends_with("[sqlite]") || test.id.starts_with("empty.sql") {
            TestStatus::Passed
        } else {
            TestStatus::Failed
        };
        assert_eq!(test.status, expected, "{}: {:?}", test.id, test.message);
    }
}

/// A query's rows stream through a server-side cursor (`DECLARE … FOR`),
/// which PostgreSQL's error would quote: the learner reads their query as
/// they wrote it, the caret under their mistake.
#[tokio::test]
async fn a_syntax_error_quotes_the_query_as_written() {
    let result = grade(QUERY, &[("query.sql", "SELECT name, price FRM products")]).await;
    let message = message_of(&result, "visible.sql::query[postgres]");
    assert!(!message.contains("DECLARE"), "{message}");
    let quoted: Vec<&str> = message
        .lines()
        .skip_while(|line| !line.starts_with("LINE 1: "))
        .take(2)
        .collect();
    assert_eq!(
        quoted[0], "LINE 1: SELECT name, price FRM products",
        "{message}"
    );
    // `FRM` reads as an alias: the server stops at `products`.
    assert_eq!(quoted[1].find('^'), quoted[0].find("products"), "{message}");
}

#[tokio::test]
async fn a_submission_sharing_the_references_database_cannot_change_what_it_reads() {
    // In query mode the reference and the submission read one loaded
    // database per dataset on PostgreSQL. The reference reads first, and the
    // submission, which tries every way a query has to write (past the
    // host's check), is refused (by the server-side cursor, which takes no
    // writing WITH, or by its read-only transaction): the next
    // dataset's reference still reads its rows in full.
    for (sql, refused) in [
        (
            "WITH gone AS (DELETE FROM products RETURNING *) SELECT name, price FROM gone",
            "must not contain data-modifying statements",
        ),
        (
            "WITH cheap AS (UPDATE products SET price = 0 RETURNING *) SELECT name, price FROM cheap",
            "must not contain data-modifying statements",
        ),
        (
            "SELECT name, price, set_config('transaction_read_only', 'off', false) FROM products",
            "read-write mode must be set before any query",
        ),
        (
            "SELECT name, price FROM products FOR UPDATE",
            "read-only transaction",
        ),
        ("DELETE FROM products", "read-only transaction"),
        ("TRUNCATE products", "read-only transaction"),
    ] {
        let (result, lines) = run_unchecked_raw(QUERY, sql).await;
        assert_eq!(result.error, None, "{sql}: {result:#?}");
        let mut seen: Vec<(String, String)> = Vec::new();
        for line in lines.iter().filter(|line| line["event"] == "outcome") {
            if line["engine"] != "postgres" {
                continue;
            }
            let dataset = line["dataset"].as_str().unwrap().to_owned();
            let who = line["who"].as_str().unwrap().to_owned();
            if who == "submission" {
                assert!(
                    seen.contains(&(dataset.clone(), "reference".to_owned())),
                    "{sql}: the submission ran on {dataset} before the reference"
                );
                let error = line["error"].as_str().unwrap_or_default();
                assert!(
                    error.contains(refused),
                    "{sql}: on {dataset} the submission was not refused: {line}"
                );
            }
            seen.push((dataset, who));
        }
        assert_eq!(seen.len(), 6, "{sql}: {lines:?}");
        for test in ["visible.sql", "hidden.sql", "empty.sql"] {
            let id = format!("{test}::query[postgres]");
            let message = message_of(&result, &id);
            assert!(
                !message.contains("reference"),
                "{sql}: the reference failed on {test}: {message}"
            );
        }
    }
}
