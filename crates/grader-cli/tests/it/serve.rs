//! `grader serve` as a process: a submission accepted is never lost, even
//! when the service is killed with SIGKILL in the middle of grading it (the
//! next process requeues it once its lease, 3 s here, runs out); SIGTERM
//! hands back what it could not finish and leaves no container behind.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{Node, Served, containers_of, learner_token, root};

async fn status(client: &reqwest::Client, base: &str, token: &str, id: &str) -> serde_json::Value {
    client
        .get(format!("{base}/v1/submissions/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Waits until each of `ids` is done and passed, for at most `limit`.
async fn wait_until_passed(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    ids: &[String],
    limit: Duration,
) {
    let started = Instant::now();
    for id in ids {
        loop {
            let body = status(client, base, token, id).await;
            if body["status"] == "done" {
                assert_eq!(body["result"]["status"], "passed", "{id}: {body:#}");
                break;
            }
            assert!(
                started.elapsed() < limit,
                "{id} was not graded after the restart: {body:#}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test]
async fn a_service_stopped_by_sigterm_hands_back_its_job_and_leaves_no_container() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let token = learner_token(&db, "ann");

    // One second of grace, and a grading that takes four: it cannot
    // finish. The default lease (60 s) is far longer than this test, so
    // only a hand-back brings the submission back to the queue in time.
    let mut first = Served::start(&db, &["--grace", "1s", "--warm", "1"]).await;
    let client = reqwest::Client::new();
    let reference =
        std::fs::read_to_string(root().join("exercises/python/fizzbuzz/reference/fizzbuzz.py"))
            .unwrap();
    let slow = format!("import time\ntime.sleep(4)\n{reference}");
    let mut ids = Vec::new();
    for source in [&slow, &reference] {
        let response = client
            .post(format!("{}/v1/submissions", first.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"exercise": "python/fizzbuzz", "files": {"fizzbuzz.py": source}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        let body: serde_json::Value = response.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let started = Instant::now();
    while status(&client, &first.base, &token, &ids[0]).await["status"] != "running" {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never started grading"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // "running" is written when the job is claimed, a moment before its
    // container is taken from the pool or created: wait for the container.
    let pid = first.child.id();
    let started = Instant::now();
    while containers_of(pid).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "grading runs in a container of the process"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = first.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "grader serve did not stop within 30 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
    assert_eq!(
        containers_of(pid),
        Vec::<String>::new(),
        "containers left by {pid}"
    );

    let second = Served::start(&db, &[]).await;
    wait_until_passed(&client, &second.base, &token, &ids, Duration::from_secs(45)).await;
}

#[tokio::test]
async fn a_service_killed_mid_job_finishes_every_accepted_submission_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let token = learner_token(&db, "ann");

    let mut first = Served::start(&db, &["--lease", "3s"]).await;
    let client = reqwest::Client::new();
    let reference =
        std::fs::read_to_string(root().join("exercises/python/fizzbuzz/reference/fizzbuzz.py"))
            .unwrap();
    // The first takes a few seconds at import, so it is mid-grading when
    // the service dies; the other two wait in the queue behind it.
    let slow = format!("import time\ntime.sleep(4)\n{reference}");
    let mut ids = Vec::new();
    for source in [&slow, &reference, &reference] {
        let response = client
            .post(format!("{}/v1/submissions", first.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"exercise": "python/fizzbuzz", "files": {"fizzbuzz.py": source}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        let body: serde_json::Value = response.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let started = Instant::now();
    while status(&client, &first.base, &token, &ids[0]).await["status"] != "running" {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never started grading"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill_9();

    let second = Served::start(&db, &["--lease", "3s"]).await;
    wait_until_passed(
        &client,
        &second.base,
        &token,
        &ids,
        Duration::from_secs(120),
    )
    .await;
    let metrics = client
        .get(format!("{}/v1/metrics", second.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("grader_submissions_recovered_total 1\n"),
        "{metrics}"
    );
}

/// Regression: `grader submit` printed a learner's result labelled
/// `"view": "author"`, as if it showed what the author sees.
#[tokio::test]
async fn grader_submit_prints_the_result_in_the_view_the_service_gave() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let token = learner_token(&db, "ann");
    let served = Served::start(&db, &[]).await;

    let mutant = root().join("exercises/python/fizzbuzz/mutants/checks-three-first/fizzbuzz.py");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["submit", "python/fizzbuzz"])
        .arg(&mutant)
        .args([
            "--format",
            "json",
            "--server",
            &served.base,
            "--token",
            &token,
        ])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["view"], "learner", "{result:#}");
    let hidden_failed: Vec<_> = result["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|test| test["visibility"] == "hidden" && test["status"] == "failed")
        .collect();
    assert!(!hidden_failed.is_empty(), "{result:#}");
    for test in hidden_failed {
        assert!(test.get("message").is_none(), "{test:#}");
    }
}

/// `grader serve` with `args`, and no more than a few seconds to say no:
/// its exit code and what it printed on stderr.
fn refused_start(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Regression (issue 26): a node with a wrong `--exercises` folder loaded
/// none without a word, then took the shared queue's submissions and
/// stored each as an error; it now refuses to start, naming the folder.
#[test]
fn a_node_with_no_exercise_to_serve_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let empty = dir.path().join("no-exercises-here");
    std::fs::create_dir(&empty).unwrap();
    let (code, stderr) = refused_start(&[
        "--db",
        db.to_str().unwrap(),
        "--exercises",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no exercise to serve under"), "{stderr}");
    assert!(stderr.contains("no-exercises-here"), "{stderr}");
    assert!(!stderr.contains("serving on"), "{stderr}");
}

/// Regression (issue 26): `serve` printed "serving on http://…" before it
/// opened the database, then exited on a bad `--db`.
#[test]
fn a_bad_database_fails_before_serving_on_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing-folder/grader.db");
    let (code, stderr) = refused_start(&["--db", db.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("could not open the database"), "{stderr}");
    assert!(!stderr.contains("serving on"), "{stderr}");
}

/// Regression (issue 26): `grader submit` refused a mutant's `.patch` that
/// `grader grade` takes. It applies it to the exercise's reference (from
/// `--exercises`) and submits the result.
#[tokio::test]
async fn grader_submit_takes_a_mutants_patch_as_grader_grade_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let token = learner_token(&db, "ann");
    let served = Served::start(&db, &[]).await;
    let patch = root().join("exercises/sql/cheap-products/mutants/no-tie-break.patch");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["submit", "sql/cheap-products"])
        .arg(&patch)
        .args([
            "--format",
            "json",
            "--server",
            &served.base,
            "--token",
            &token,
        ])
        .arg("--exercises")
        .arg(root().join("exercises"))
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["status"], "failed", "{result:#}");
    assert!(result["score"].as_f64().unwrap() > 0.0, "{result:#}");
}

/// `grader submit` sends a file that is not text (a git bundle) base64-
/// encoded, and the service grades its bytes: a mutant's bundle fails the
/// tests its mistake fails, no more.
#[tokio::test]
async fn grader_submit_sends_a_git_bundle_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let token = learner_token(&db, "ann");
    let served = Served::start(&db, &[]).await;
    let bundle =
        root().join("exercises/shell/conventional-commits/mutants/merge-commit/repo.bundle");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["submit", "shell/conventional-commits"])
        .arg(&bundle)
        .args([
            "--format",
            "json",
            "--server",
            &served.base,
            "--token",
            &token,
        ])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let failed: Vec<&str> = result["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|test| test["status"] != "passed")
        .map(|test| test["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        ["history_hidden.bats::the history is linear"],
        "{result:#}"
    );
}

/// Regression (issue 26): a submission for an exercise no live node grades
/// waited without a word. A node that starts while the queue holds such
/// work says so, naming the exercises and its own folder, before serving.
#[tokio::test]
async fn a_node_names_queued_work_no_live_node_grades_when_it_starts() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let token = learner_token(&db, "ann");
    let port = crate::support::free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut front = Node::start(
        &["serve", "--workers", "0", "--listen", &listen],
        db.to_str().unwrap(),
    );
    crate::support::wait_healthy(&format!("http://{listen}")).await;
    let response = reqwest::Client::new()
        .post(format!("http://{listen}/v1/submissions"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "exercise": "python/fizzbuzz",
            "files": {"fizzbuzz.py": "pass\n"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert!(front.stop().success());

    let mut again = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["serve", "--workers", "0", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .arg("--exercises")
        .arg(root().join("exercises"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = Vec::new();
    for line in std::io::BufReader::new(again.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        let serving = line.contains("serving on");
        said.push(line);
        if serving {
            break;
        }
    }
    let _ = again.kill();
    let _ = again.wait();
    let warning = said
        .iter()
        .position(|line| line.contains("no live node grades python/fizzbuzz (1 queued)"));
    let serving = said.iter().position(|line| line.contains("serving on"));
    assert!(
        warning.is_some() && warning < serving,
        "expected the warning before `serving on`: {said:#?}"
    );
    assert!(said[warning.unwrap()].contains("exercises"), "{said:#?}");
}
