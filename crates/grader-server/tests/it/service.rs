//! The service end to end: each kind graded, who may see what, the limits
//! and their status codes, and the progress stream.

use std::time::Duration;

use grader_server::auth::Role;
use grader_server::{Config, Store};

use crate::support::{Service, read};

#[tokio::test]
async fn each_kind_is_graded_through_the_service() {
    let service = Service::start(Config::default(), true).await;
    let ann = service.token("ann", Role::Learner).await;
    let cases = [
        (
            "python/fizzbuzz",
            "fizzbuzz.py",
            "exercises/python/fizzbuzz/reference/fizzbuzz.py",
        ),
        (
            "sql/cheap-products",
            "query.sql",
            "exercises/sql/cheap-products/reference/query.sql",
        ),
        (
            "api/notes-crud",
            "app.py",
            "exercises/api/notes-crud/reference/app.py",
        ),
        (
            "pytest/test-slugify",
            "test_slugify.py",
            "exercises/pytest/test-slugify/reference/test_slugify.py",
        ),
    ];
    for (exercise, name, path) in cases {
        let (status, body) = service
            .submit(&ann, exercise, &[(name, &read(path))], Some(60))
            .await;
        assert_eq!(status, 200, "{exercise}: {body:#}");
        assert_eq!(body["status"], "done", "{exercise}");
        assert_eq!(body["result"]["status"], "passed", "{exercise}: {body:#}");
        assert_eq!(body["result"]["view"], "learner", "{exercise}");
    }
}

#[tokio::test]
async fn a_learner_sees_only_the_learner_view_and_an_author_sees_all() {
    let service = Service::start(Config::default(), true).await;
    let ann = service.token("ann", Role::Learner).await;
    let prof = service.token("prof", Role::Author).await;
    let wrong = read("exercises/python/fizzbuzz/mutants/checks-three-first/fizzbuzz.py");
    let (status, body) = service
        .submit(
            &ann,
            "python/fizzbuzz",
            &[("fizzbuzz.py", &wrong)],
            Some(60),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    let hidden = |body: &serde_json::Value| {
        body["result"]["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|test| test["id"] == "test_fizzbuzz_hidden.py::test_first_fifteen")
            .cloned()
            .unwrap()
    };
    let learner = hidden(&body);
    assert_eq!(learner["status"], "failed");
    assert!(learner.get("message").is_none(), "{learner:#}");

    let id = body["id"].as_str().unwrap();
    let author: serde_json::Value = service
        .get_json(&prof, &format!("/v1/submissions/{id}"))
        .await;
    assert_eq!(author["result"]["view"], "author");
    assert!(hidden(&author)["message"].as_str().is_some(), "{author:#}");
}

#[tokio::test]
async fn a_learner_cannot_read_another_learners_submission() {
    let service = Service::start(Config::default(), false).await;
    let ann = service.token("ann", Role::Learner).await;
    let bob = service.token("bob", Role::Learner).await;
    let (status, body) = service
        .submit(&ann, "python/fizzbuzz", &[("fizzbuzz.py", "pass\n")], None)
        .await;
    assert_eq!(status, 202, "{body:#}");
    assert_eq!(body["status"], "queued");
    let id = body["id"].as_str().unwrap();
    let get = |token: &str, path: String| {
        let request = service.client.get(service.url(&path)).bearer_auth(token);
        async move { request.send().await.unwrap() }
    };
    assert_eq!(
        get(&ann, format!("/v1/submissions/{id}")).await.status(),
        200
    );
    let response = get(&bob, format!("/v1/submissions/{id}")).await;
    assert_eq!(response.status(), 404);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["error"], "not_found");
    let events = get(&bob, format!("/v1/submissions/{id}/events")).await;
    assert_eq!(events.status(), 404);
    let listed: serde_json::Value = get(&bob, "/v1/submissions".to_owned())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed, serde_json::json!([]));
    let listed: serde_json::Value = get(&ann, "/v1/submissions".to_owned())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], id);
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    let config = Config {
        max_body: 4096,
        ..Config::default()
    };
    let service = Service::start(config, false).await;
    let ann = service.token("ann", Role::Learner).await;
    let big = "x".repeat(10_000);
    let (status, body) = service
        .submit(&ann, "python/fizzbuzz", &[("fizzbuzz.py", &big)], None)
        .await;
    assert_eq!(status, 413, "{body:#}");
    assert_eq!(body["error"], "too_large");
    assert_eq!(
        body["message"],
        "the request body is over the service's limit of 4096 bytes"
    );
}

#[tokio::test]
async fn a_flood_from_one_token_gets_429_while_another_is_served() {
    let config = Config {
        rate_burst: 5,
        rate_per_second: 0.2,
        ..Config::default()
    };
    let service = Service::start(config, false).await;
    let ann = service.token("ann", Role::Learner).await;
    let bob = service.token("bob", Role::Learner).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..8 {
        let response = service
            .client
            .get(service.url("/v1/exercises"))
            .bearer_auth(&ann)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            retry_after = response
                .headers()
                .get("retry-after")
                .map(|value| value.to_str().unwrap().to_owned());
        }
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    let retry_after: u64 = retry_after.unwrap().parse().unwrap();
    assert!((1..=5).contains(&retry_after), "{retry_after}");
    let response = service
        .client
        .get(service.url("/v1/exercises"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_full_queue_gets_503_with_retry_after() {
    let config = Config {
        queue_capacity: 1,
        ..Config::default()
    };
    let service = Service::start(config, false).await;
    let ann = service.token("ann", Role::Learner).await;
    let files = [("fizzbuzz.py", "pass\n")];
    let (first, _) = service.submit(&ann, "python/fizzbuzz", &files, None).await;
    assert_eq!(first, 202);
    let response = service
        .client
        .post(service.url("/v1/submissions"))
        .bearer_auth(&ann)
        .json(
            &serde_json::json!({"exercise": "python/fizzbuzz", "files": {"fizzbuzz.py": "pass\n"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "queue_full");
}

#[tokio::test]
async fn one_token_cannot_fill_the_queue_for_everyone() {
    let config = Config {
        pending_per_token: 2,
        ..Config::default()
    };
    let service = Service::start(config, false).await;
    let ann = service.token("ann", Role::Learner).await;
    let bob = service.token("bob", Role::Learner).await;
    let files = [("fizzbuzz.py", "pass\n")];
    for _ in 0..2 {
        let (status, _) = service.submit(&ann, "python/fizzbuzz", &files, None).await;
        assert_eq!(status, 202);
    }
    let (status, body) = service.submit(&ann, "python/fizzbuzz", &files, None).await;
    assert_eq!(status, 429, "{body:#}");
    assert_eq!(body["error"], "too_many_pending");
    let (status, _) = service.submit(&bob, "python/fizzbuzz", &files, None).await;
    assert_eq!(status, 202);
}

#[tokio::test]
async fn bad_requests_get_clear_json_errors() {
    let service = Service::start(Config::default(), false).await;
    let ann = service.token("ann", Role::Learner).await;
    let check = |status: u16, body: serde_json::Value, code: &str, message: &str| {
        assert_eq!(body["error"], code, "{body:#}");
        assert_eq!(body["message"], message, "{body:#}");
        status
    };

    let (status, body) = service.submit(&ann, "python/fizzbuzz", &[], None).await;
    assert_eq!(
        check(
            status,
            body,
            "invalid",
            "the submission is missing fizzbuzz.py"
        ),
        422
    );
    let (status, body) = service.submit(&ann, "python/nothing-here", &[], None).await;
    assert_eq!(
        check(status, body, "not_found", "no exercise python/nothing-here"),
        404
    );
    let (status, body) = service
        .submit("grd_not-a-token", "python/fizzbuzz", &[], None)
        .await;
    assert_eq!(
        check(status, body, "unauthorized", "the token is not valid"),
        401
    );

    // A binary file comes as {"base64": …}; one that is not base64 is
    // named.
    let response = service
        .client
        .post(service.url("/v1/submissions"))
        .bearer_auth(&ann)
        .json(&serde_json::json!({
            "exercise": "python/fizzbuzz",
            "files": {"fizzbuzz.py": {"base64": "not base64!"}},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("fizzbuzz.py: not valid base64"),
        "{body:#}"
    );
    // Bytes that are not text, for a file the exercise takes as text.
    let response = service
        .client
        .post(service.url("/v1/submissions"))
        .bearer_auth(&ann)
        .json(&serde_json::json!({
            "exercise": "python/fizzbuzz",
            "files": {"fizzbuzz.py": {"base64": "/w=="}},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["message"], "`fizzbuzz.py` is not UTF-8 text",
        "{body:#}"
    );
    let response = service
        .client
        .post(service.url("/v1/submissions"))
        .bearer_auth(&ann)
        .header("content-type", "application/json")
        .body("{\"exercise\": 3}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = service
        .client
        .get(service.url("/v1/submissions?limit=many"))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "bad_request", "{body:#}");
    let response = service
        .client
        .get(service.url("/v1/exercises"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

/// Regression: a method an endpoint does not take got an empty 405, where
/// every other error is JSON.
#[tokio::test]
async fn a_wrong_method_gets_405_with_a_json_error() {
    let service = Service::start(Config::default(), false).await;
    let response = service
        .client
        .delete(service.url("/v1/submissions"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed", "{body:#}");
    assert_eq!(
        body["message"],
        "this endpoint does not take this method; see the Allow header"
    );
}

/// Regression: only `Bearer` with a capital B was understood, though an
/// auth scheme is case-insensitive (RFC 9110).
#[tokio::test]
async fn the_bearer_scheme_is_read_in_any_case() {
    let service = Service::start(Config::default(), false).await;
    let ann = service.token("ann", Role::Learner).await;
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let response = service
            .client
            .get(service.url("/v1/exercises"))
            .header("authorization", format!("{scheme} {ann}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{scheme}");
    }
    for header in [format!("Basic {ann}"), "Bearer ".to_owned(), ann.clone()] {
        let response = service
            .client
            .get(service.url("/v1/exercises"))
            .header("authorization", &header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{header}");
    }
}

#[tokio::test]
async fn multipart_submissions_are_accepted() {
    let service = Service::start(Config::default(), false).await;
    let ann = service.token("ann", Role::Learner).await;
    let boundary = "grader-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"exercise\"\r\n\r\npython/fizzbuzz\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fizzbuzz.py\"\r\n\
         Content-Type: text/x-python\r\n\r\ndef fizzbuzz(n):\n    return []\n\r\n--{boundary}--\r\n"
    );
    let response = service
        .client
        .post(service.url("/v1/submissions"))
        .bearer_auth(&ann)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["exercise"], "python/fizzbuzz");
}

/// Regression: in a multipart body, the last of two parts of one name
/// silently won.
#[tokio::test]
async fn a_multipart_body_with_a_part_twice_is_refused() {
    let service = Service::start(Config::default(), false).await;
    let ann = service.token("ann", Role::Learner).await;
    let boundary = "grader-test-boundary";
    let exercise = |name: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"exercise\"\r\n\r\n{name}\r\n"
        )
    };
    let file = |text: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fizzbuzz.py\"\r\n\r\n{text}\r\n"
        )
    };
    let end = format!("--{boundary}--\r\n");
    let cases = [
        (
            [exercise("python/fizzbuzz"), file("pass\n"), file("x = 1\n")].concat(),
            422,
            "invalid",
            "the file `fizzbuzz.py` is sent twice",
        ),
        (
            [
                exercise("python/fizzbuzz"),
                exercise("sql/cheap-products"),
                file("pass\n"),
            ]
            .concat(),
            400,
            "bad_request",
            "the form has two `exercise` fields",
        ),
    ];
    for (parts, status, code, message) in cases {
        let response = service
            .client
            .post(service.url("/v1/submissions"))
            .bearer_auth(&ann)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(parts + &end)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{message}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], code);
        assert_eq!(body["message"], message);
    }
    assert_eq!(service.state.store.queued().await.unwrap(), 0);
}

#[tokio::test]
async fn progress_streams_as_server_sent_events_until_the_result() {
    let service = Service::start(Config::default(), true).await;
    let ann = service.token("ann", Role::Learner).await;
    let source = read("exercises/python/fizzbuzz/reference/fizzbuzz.py");
    let (status, body) = service
        .submit(&ann, "python/fizzbuzz", &[("fizzbuzz.py", &source)], None)
        .await;
    assert_eq!(status, 202);
    let id = body["id"].as_str().unwrap();
    let response = service
        .client
        .get(service.url(&format!("/v1/submissions/{id}/events")))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = tokio::time::timeout(Duration::from_secs(60), response.text())
        .await
        .expect("the stream ends with the result")
        .unwrap();
    let events: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("event: "))
        .collect();
    assert_eq!(events.last(), Some(&"result"), "{text}");
    assert!(events.contains(&"status"), "{text}");
    assert!(text.contains("\"status\":\"passed\""), "{text}");
}

#[tokio::test]
async fn the_learners_page_and_its_files_are_served_from_the_binary() {
    let service = Service::start(Config::default(), false).await;
    let response = service.client.get(service.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(
        !policy.contains("unsafe-inline"),
        "no inline script or style may run: {policy}"
    );
    let html = response.text().await.unwrap();
    for asset in [
        "/assets/page.js",
        "/assets/page.css",
        "/assets/vendor/codemirror/codemirror.js",
        "/assets/vendor/codemirror/python.js",
        "/assets/vendor/codemirror/sql.js",
        "/assets/vendor/chartjs/chart.min.js",
    ] {
        assert!(html.contains(asset), "the page loads {asset}");
        let response = service.client.get(service.url(asset)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        let kind = if asset.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{asset}"
        );
        // Asked again with its validator: 304, nothing sent.
        let etag = response.headers()["etag"].clone();
        let again = service
            .client
            .get(service.url(asset))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{asset}");
    }
    let script = service
        .client
        .get(service.url("/assets/page.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        script.contains("/v1/submissions"),
        "the page talks to the API"
    );
    let license = service
        .client
        .get(service.url("/assets/vendor/codemirror/LICENSE"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(license.contains("Marijn Haverbeke"), "{license}");
    let missing = service
        .client
        .get(service.url("/assets/vendor/codemirror/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn an_exercise_comes_with_its_statement_as_safe_html() {
    let service = Service::start(Config::default(), false).await;
    let token = service.token("ann", Role::Learner).await;
    let exercise: serde_json::Value = service
        .get_json(&token, "/v1/exercises/python/fizzbuzz")
        .await;
    let html = exercise["statement_html"].as_str().unwrap();
    assert!(html.starts_with("<h2>FizzBuzz</h2>"), "{html}");
    assert!(
        html.contains("<pre><code class=\"language-python\">def fizzbuzz(n: int) -&gt; list[str]:"),
        "{html}"
    );
}

#[tokio::test]
async fn a_queued_submission_shows_where_it_stands() {
    let service = Service::start(Config::default(), false).await;
    let token = service.token("ann", Role::Learner).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (status, body) = service
            .submit(
                &token,
                "python/fizzbuzz",
                &[("fizzbuzz.py", "pass\n")],
                None,
            )
            .await;
        assert_eq!(status, 202);
        assert_eq!(body["queue_position"], ids.len() + 1, "{body}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let shown: serde_json::Value = service
        .get_json(&token, &format!("/v1/submissions/{}", ids[1]))
        .await;
    assert_eq!(shown["queue_position"], 2, "{shown}");
    // A list does not say: it is one query for many.
    let listed: serde_json::Value = service.get_json(&token, "/v1/submissions").await;
    assert!(listed[0].get("queue_position").is_none(), "{listed}");
}

/// Regression (issue 26): a request with a 200 KB `Cookie` header was taken
/// in whole. Headers over 16 KiB are refused with 431, before anything
/// reads them; ordinary ones pass.
#[tokio::test]
async fn headers_over_the_limit_are_refused_with_431() {
    let service = Service::start(Config::default(), false).await;
    let response = service
        .client
        .get(service.url("/v1/health"))
        .header("Cookie", format!("session={}", "x".repeat(200 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 431);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "headers_too_large");
    let response = service
        .client
        .get(service.url("/v1/health"))
        .header("Cookie", "session=short")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// Regression (issue 26): a client that retried a POST after a timeout
/// made a duplicate. With the same `Idempotency-Key` the retry answers the
/// first submission (marked `Idempotent-Replayed`); a malformed key is 400.
#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_gets_the_first_submission() {
    let service = Service::start(Config::default(), false).await;
    let token = service.token("ann", Role::Learner).await;
    let post = |key: &'static str| {
        service
            .client
            .post(service.url("/v1/submissions"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&serde_json::json!({
                "exercise": "python/fizzbuzz",
                "files": {"fizzbuzz.py": "def fizzbuzz(n):\n    return []\n"},
            }))
            .send()
    };
    let first = post("6f1c2a9e-retry").await.unwrap();
    assert_eq!(first.status(), 202);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: serde_json::Value = first.json().await.unwrap();
    let again = post("6f1c2a9e-retry").await.unwrap();
    assert_eq!(again.status(), 202);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let other = post("another-key").await.unwrap();
    let other: serde_json::Value = other.json().await.unwrap();
    assert_ne!(other["id"], first["id"]);
    let listed = service.get_json(&token, "/v1/submissions").await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed:#}");

    let bad = post("has spaces").await.unwrap();
    assert_eq!(bad.status(), 400);
}

/// An author reads what the class did with an exercise; a learner may not.
#[tokio::test]
async fn an_author_reads_the_class_stats_and_a_learner_is_refused() {
    let service = Service::start(Config::default(), true).await;
    let ann = service.token("ann", Role::Learner).await;
    let bob = service.token("bob", Role::Learner).await;
    let prof = service.token("prof", Role::Author).await;
    let wrong = read("exercises/python/fizzbuzz/mutants/checks-three-first/fizzbuzz.py");
    let right = read("exercises/python/fizzbuzz/reference/fizzbuzz.py");
    for (token, source) in [(&ann, &wrong), (&ann, &right), (&bob, &wrong)] {
        let (status, body) = service
            .submit(
                token,
                "python/fizzbuzz",
                &[("fizzbuzz.py", source)],
                Some(60),
            )
            .await;
        assert_eq!(status, 200, "{body:#}");
    }
    let stats = service
        .get_json(&prof, "/v1/exercises/python/fizzbuzz/stats")
        .await;
    assert_eq!(stats["exercise"], "python/fizzbuzz", "{stats:#}");
    assert_eq!(stats["learners"], 2, "{stats:#}");
    assert_eq!(stats["submissions"], 3, "{stats:#}");
    assert_eq!(stats["passing_share"], 0.5, "{stats:#}");
    assert_eq!(stats["median_attempts_to_pass"], 2.0, "{stats:#}");
    let buckets = stats["score_distribution"].as_array().unwrap();
    assert_eq!(buckets.len(), 11);
    assert_eq!(buckets[10]["learners"], 1, "ann's best is full marks");
    let failed = stats["tests_failed_most"].as_array().unwrap();
    assert!(!failed.is_empty(), "{stats:#}");
    assert_eq!(failed[0]["learners"], 2, "both failed it once: {stats:#}");
    let hint = &stats["hints_shown_most"][0];
    assert_eq!(
        hint["learners"], 2,
        "the mistake's hint, to both: {stats:#}"
    );

    let refused = service
        .client
        .get(service.url("/v1/exercises/python/fizzbuzz/stats"))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let missing = service
        .client
        .get(service.url("/v1/exercises/python/nothing-here/stats"))
        .bearer_auth(&prof)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

/// An author reads which learners' latest submissions are alike, with
/// where; a learner may not.
#[tokio::test]
async fn an_author_reads_similar_pairs_and_a_learner_is_refused() {
    let service = Service::start(Config::default(), true).await;
    let ann = service.token("ann", Role::Learner).await;
    let bob = service.token("bob", Role::Learner).await;
    let cid = service.token("cid", Role::Learner).await;
    let prof = service.token("prof", Role::Author).await;
    let right = read("exercises/python/fizzbuzz/reference/fizzbuzz.py");
    // Bob's is Ann's with other names and a comment; Cid's is his own.
    let copied = format!(
        "# my own work\n{}",
        right.replace("result", "out").replace("number", "k")
    );
    let own = "def fizzbuzz(n):\n    words = {3: 'Fizz', 5: 'Buzz'}\n    return [''.join(w for d, w in words.items() if i % d == 0) or str(i) for i in range(1, n + 1)]\n";
    let mut ids = Vec::new();
    for (token, source) in [(&ann, right.as_str()), (&bob, copied.as_str()), (&cid, own)] {
        let (status, body) = service
            .submit(
                token,
                "python/fizzbuzz",
                &[("fizzbuzz.py", source)],
                Some(60),
            )
            .await;
        assert_eq!(status, 200, "{body:#}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let similar = service
        .get_json(&prof, "/v1/exercises/python/fizzbuzz/similarity")
        .await;
    assert_eq!(similar["learners"], 3, "{similar:#}");
    let first = &similar["pairs"][0];
    let mut pair = [
        first["a"]["submission"].as_str().unwrap().to_owned(),
        first["b"]["submission"].as_str().unwrap().to_owned(),
    ];
    pair.sort();
    let mut copies = [ids[0].clone(), ids[1].clone()];
    copies.sort();
    assert_eq!(pair, copies, "Ann's and Bob's come first: {similar:#}");
    assert!(first["score"].as_f64().unwrap() > 0.8, "{similar:#}");
    assert_eq!(
        first["fragments"][0]["a"]["file"], "fizzbuzz.py",
        "{similar:#}"
    );
    for pair in similar["pairs"].as_array().unwrap().iter().skip(1) {
        assert!(pair["score"].as_f64().unwrap() < 0.3, "{similar:#}");
    }

    let refused = service
        .client
        .get(service.url("/v1/exercises/python/fizzbuzz/similarity"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}

/// The gradebook lists the class, one row per learner, as CSV a
/// spreadsheet reads back, or JSON; a learner may not read it.
#[tokio::test]
async fn an_author_exports_the_gradebook_as_csv_and_a_learner_is_refused() {
    let service = Service::start(Config::default(), true).await;
    let ann = service.token("ann", Role::Learner).await;
    let bob = service.token("bob, jr.", Role::Learner).await;
    let _quiet = service.token("cy", Role::Learner).await;
    let prof = service.token("prof", Role::Author).await;
    let wrong = read("exercises/python/fizzbuzz/mutants/checks-three-first/fizzbuzz.py");
    let right = read("exercises/python/fizzbuzz/reference/fizzbuzz.py");
    for (token, source) in [(&ann, &wrong), (&ann, &right), (&bob, &wrong)] {
        let (status, body) = service
            .submit(
                token,
                "python/fizzbuzz",
                &[("fizzbuzz.py", source)],
                Some(60),
            )
            .await;
        assert_eq!(status, 200, "{body:#}");
    }
    let response = service
        .client
        .get(service.url("/v1/gradebook"))
        .bearer_auth(&prof)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let column = header
        .iter()
        .position(|name| name == "python/fizzbuzz")
        .unwrap();
    assert_eq!(header[0], "learner");
    assert_eq!(
        header[header.len() - 3..],
        ["total", "submissions", "last_activity"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // The learners, not the author; a name with a comma stays one cell.
    let names: Vec<&str> = rows.iter().map(|row| &row[0]).collect();
    assert_eq!(names, ["ann", "bob, jr.", "cy"], "{text}");
    let best: f64 = rows[0][column].parse().unwrap();
    let bobs: f64 = rows[1][column].parse().unwrap();
    assert!(best > bobs, "{text}");
    assert_eq!(&rows[0][header.len() - 2], "2", "{text}");
    assert_eq!(&rows[1][header.len() - 2], "1", "{text}");
    assert_eq!(&rows[2][column], "", "cy has no score: {text}");
    assert!(rows[0][header.len() - 1].ends_with('Z'), "{text}");

    let json = service.get_json(&prof, "/v1/gradebook").await;
    assert_eq!(json["learners"][0]["name"], "ann", "{json:#}");
    assert_eq!(json["learners"][0]["submissions"], 2, "{json:#}");

    let refused = service
        .client
        .get(service.url("/v1/gradebook"))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}
