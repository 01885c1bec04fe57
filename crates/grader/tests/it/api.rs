//! The api kind against the real engine and the api runner image: an app
//! that does not come up, an app that reaches for the network, a slow
//! endpoint, and what is left afterwards.

use grader::result::{ErrorKind, Status, TestStatus};

use crate::support::{self, grade, message_of};

const EXERCISE: &str = "api/notes-crud";

/// A FastAPI app whose `POST /notes` answers 200 with `probe()`'s result,
/// so a failed scenario's message carries it.
fn app_reporting(probe: &str) -> String {
    format!(
        r#"
import json, os, socket
from fastapi import FastAPI

app = FastAPI()

@app.get("/health")
def health():
    return {{"status": "ok"}}

def probe():
{probe}

@app.post("/notes")
def create():
    return {{"probe": probe()}}
"#
    )
}

/// The body an [`app_reporting`] app answered `POST /notes` with, read
/// from the failed scenario's message.
fn probed(result: &grader::GradeResult) -> serde_json::Value {
    let message = message_of(result, "visible.yaml::create_returns_201_with_the_note");
    let body = message
        .lines()
        .find_map(|line| line.strip_prefix("got: 200 "))
        .unwrap_or_else(|| panic!("{message}"));
    serde_json::from_str(body).unwrap()
}

#[tokio::test]
async fn an_app_that_exits_at_start_is_an_error_with_its_output() {
    let app =
        "import sys\nprint('loading settings...')\nraise SystemExit('DATABASE_URL is not set')\n";
    let result = grade(EXERCISE, &[("app.py", app)]).await;
    assert_eq!(result.status, Status::Error, "{result:#?}");
    let error = result.error.as_ref().unwrap();
    assert_eq!(error.kind, ErrorKind::Crashed);
    assert!(error.learner_fault);
    assert!(
        error
            .message
            .starts_with("the app stopped (exit code 1) before it answered GET /health"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("DATABASE_URL is not set"),
        "{}",
        error.message
    );
    assert!(result.tests.is_empty());
}

#[tokio::test]
async fn an_app_that_never_binds_its_port_is_an_error_with_its_output() {
    let app =
        "import time\nprint('warming up the cache', flush=True)\nwhile True:\n    time.sleep(1)\n";
    let result = grade(EXERCISE, &[("app.py", app)]).await;
    let error = result.error.as_ref().unwrap();
    assert_eq!(error.kind, ErrorKind::Crashed, "{}", error.message);
    assert!(
        error
            .message
            .starts_with("the app did not answer GET /health within 15s"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("warming up the cache"),
        "{}",
        error.message
    );
    // The readiness deadline (15 s), not the job's wall time (20 s), ended it.
    assert!(result.duration_ms < 20_000, "{}", result.duration_ms);
}

#[tokio::test]
async fn the_app_has_no_network_but_its_own_loopback() {
    let probe = r#"
    results = {"interfaces": sorted(os.listdir("/sys/class/net"))}
    for name, address in [("outside", ("1.1.1.1", 53)), ("docker_host", ("172.17.0.1", 2375)),
                          ("gateway", ("172.18.0.1", 80)), ("dns", ("deb.debian.org", 80))]:
        try:
            socket.create_connection(address, timeout=2).close()
            results[name] = "connected"
        except OSError as error:
            results[name] = "blocked: " + type(error).__name__
    return results
"#;
    let result = grade(EXERCISE, &[("app.py", &app_reporting(probe))]).await;
    let probe = &probed(&result)["probe"];
    // Only loopback: nothing routes to the outside, the host, or any other
    // container; the grader reaches the app through the job's own stdio.
    assert_eq!(probe["interfaces"], serde_json::json!(["lo"]), "{probe}");
    for name in ["outside", "docker_host", "gateway", "dns"] {
        let outcome = probe[name].as_str().unwrap();
        assert!(outcome.starts_with("blocked"), "{name}: {outcome}");
    }
}

#[tokio::test]
async fn the_app_gets_the_environment_its_exercise_sets() {
    let (_temp, dir) = support::scratch_copy(EXERCISE);
    let yaml = dir.join("exercise.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    let text = text.replace("api:\n", "api:\n  env:\n    BCRYPT_ROUNDS: \"4\"\n");
    std::fs::write(&yaml, text).unwrap();
    let probe = r#"
    return {name: os.environ.get(name) for name in ["BCRYPT_ROUNDS", "JWT_SECRET", "PORT"]}
"#;
    let (result, _) = support::grade_recorded(&dir, &[("app.py", &app_reporting(probe))]).await;
    let probe = &probed(&result)["probe"];
    assert_eq!(probe["BCRYPT_ROUNDS"], "4", "{probe}");
    assert_eq!(probe["PORT"], "8000", "{probe}");
    assert_eq!(
        probe["JWT_SECRET"].as_str().map(str::len),
        Some(64),
        "{probe}"
    );
}

#[tokio::test]
async fn a_redirect_is_judged_not_followed() {
    // Were it followed, the grader itself would fetch what the app names:
    // here, a port on the grader's host.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = format!(
        "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\n\
         app = FastAPI()\n\
         @app.get('/health')\ndef health():\n    return {{}}\n\
         @app.post('/notes')\ndef create():\n    return RedirectResponse('http://127.0.0.1:{port}/secret', status_code=307)\n"
    );
    let result = grade(EXERCISE, &[("app.py", &app)]).await;
    let message = message_of(&result, "visible.yaml::create_returns_201_with_the_note");
    assert!(
        message.contains("expected status 201\ngot: 307"),
        "{message}"
    );
    let contacted =
        tokio::time::timeout(std::time::Duration::from_millis(200), listener.accept()).await;
    assert!(contacted.is_err(), "the grader followed the redirect");
}

#[tokio::test]
async fn a_slow_endpoint_trips_the_request_time_limit() {
    // Slow once: the scenarios after it get their answers.
    let probe = "    import time\n    if not getattr(probe, 'slept', False):\n        probe.slept = True\n        time.sleep(30)\n    return 'late'\n";
    let result = grade(EXERCISE, &[("app.py", &app_reporting(probe))]).await;
    assert_eq!(result.status, Status::Failed, "{result:#?}");
    let test = result
        .tests
        .iter()
        .find(|test| test.id == "visible.yaml::create_returns_201_with_the_note")
        .unwrap();
    assert_eq!(test.status, TestStatus::Failed);
    assert_eq!(
        test.message.as_deref(),
        Some(
            "step 1: POST /notes {\"body\":\"milk, eggs\",\"title\":\"Groceries\"}\nno response within the 5s limit"
        )
    );
    // The next scenarios still ran against the same app.
    assert_eq!(
        result
            .tests
            .iter()
            .find(|test| test.id == "visible.yaml::an_unknown_note_is_404")
            .unwrap()
            .status,
        TestStatus::Passed
    );
}

#[tokio::test]
async fn the_container_is_gone_afterwards() {
    let reference =
        std::fs::read_to_string(support::exercise_dir(EXERCISE).join("reference/app.py")).unwrap();
    let (result, made) =
        support::grade_recorded(&support::exercise_dir(EXERCISE), &[("app.py", &reference)]).await;
    assert_eq!(result.status, Status::Passed, "{result:#?}");
    // Its own containers, running or not: other tests' come and go beside.
    let left = made.left_behind().await;
    assert!(left.is_empty(), "left behind: {left:?}");
}
