//! What an operator reads at `/v1/metrics`, parsed as Prometheus would:
//! each series by its labels, never a raw path or an id among them.

use std::collections::BTreeMap;

use grader_server::Config;
use grader_server::auth::Role;

use crate::support::{Service, read};

/// The samples of an exposition: `name{labels}` to value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse().unwrap())
        })
        .collect()
}

async fn scrape(service: &Service) -> (String, BTreeMap<String, f64>) {
    let response = service
        .client
        .get(service.url("/v1/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let text = response.text().await.unwrap();
    let samples = samples(&text);
    (text, samples)
}

/// `series` is there and at least `least`.
fn check(samples: &BTreeMap<String, f64>, series: &str, least: f64, text: &str) {
    let value = samples.get(series).copied();
    assert!(
        value.is_some_and(|value| value >= least),
        "{series} is {value:?}, expected at least {least}:\n{text}"
    );
}

#[tokio::test]
async fn the_counters_and_gauges_are_served_before_any_grading() {
    let config = Config {
        workers: 3,
        ..Config::default()
    };
    let service = Service::start(config, false).await;
    let ann = service.token("ann", Role::Learner).await;
    let (status, body) = service
        .submit(&ann, "python/fizzbuzz", &[("fizzbuzz.py", "")], None)
        .await;
    assert_eq!(status, 202, "{body:#}");
    let brew = reqwest::Method::from_bytes(b"BREW").unwrap();
    let response = service
        .client
        .request(brew, service.url("/v1/submissions"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let (text, samples) = scrape(&service).await;
    // A family of series by labels (gradings by kind, errors by status)
    // shows from its first sample on.
    for name in [
        "grader_submissions_accepted_total",
        "grader_submissions_graded_total",
        "grader_http_request_duration_seconds",
        "grader_submissions_recovered_total",
        "grader_webhooks_delivered_total",
        "grader_webhooks_failed_total",
        "grader_queue_depth",
        "grader_queue_unserved",
        "grader_workers_busy",
        "grader_workers",
    ] {
        assert!(text.contains(&format!("# TYPE {name} ")), "{name}:\n{text}");
    }
    let expected = [
        ("grader_submissions_accepted_total", 1.0),
        ("grader_submissions_graded_total{status=\"passed\"}", 0.0),
        ("grader_submissions_graded_total{status=\"failed\"}", 0.0),
        ("grader_submissions_graded_total{status=\"error\"}", 0.0),
        ("grader_submissions_recovered_total", 0.0),
        ("grader_webhooks_delivered_total", 0.0),
        ("grader_webhooks_failed_total", 0.0),
        ("grader_queue_depth", 1.0),
        // No grading node has said it serves fizzbuzz (issue 26).
        ("grader_queue_unserved", 1.0),
        ("grader_workers_busy", 0.0),
        ("grader_workers", 3.0),
        // Any token is a method: one the API does not know is `other`.
        (
            "grader_http_request_duration_seconds_count{method=\"other\",route=\"/v1/submissions\"}",
            1.0,
        ),
    ];
    for (series, value) in expected {
        assert_eq!(samples.get(series), Some(&value), "{series}:\n{text}");
    }
    assert!(!text.contains("BREW"), "a raw method is a label:\n{text}");
    // Health names what waits for a node.
    let health: serde_json::Value = service
        .client
        .get(service.url("/v1/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        health["unserved"],
        serde_json::json!([{"exercise": "python/fizzbuzz", "queued": 1}]),
        "{health:#}"
    );
}

#[tokio::test]
async fn refusals_requests_and_gradings_are_counted_by_their_labels() {
    let service = Service::start(Config::default(), true).await;
    let ann = service.token("ann", Role::Learner).await;
    let url = |path: &str| service.url(path);
    let client = &service.client;

    let unauthorized = client.get(url("/v1/submissions")).send().await.unwrap();
    assert_eq!(unauthorized.status(), 401);
    let unknown = client
        .get(url("/v1/submissions/sub-no-such-id"))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let nowhere = client.get(url("/v1/nowhere/7")).send().await.unwrap();
    assert_eq!(nowhere.status(), 404);
    let wrong_method = client.delete(url("/v1/submissions")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    let reference = read("exercises/python/fizzbuzz/reference/fizzbuzz.py");
    let (status, body) = service
        .submit(
            &ann,
            "python/fizzbuzz",
            &[("fizzbuzz.py", &reference)],
            Some(60),
        )
        .await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["result"]["status"], "passed", "{body:#}");

    let (text, samples) = scrape(&service).await;
    let at_least = [
        (
            "grader_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/submissions\"}",
            1.0,
        ),
        (
            "grader_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/submissions/{id}\"}",
            1.0,
        ),
        (
            "grader_http_request_duration_seconds_count{method=\"GET\",route=\"unmatched\"}",
            1.0,
        ),
        (
            "grader_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/submissions\",le=\"+Inf\"}",
            1.0,
        ),
        (
            "grader_http_errors_total{status=\"401\",error=\"unauthorized\"}",
            1.0,
        ),
        (
            "grader_http_errors_total{status=\"404\",error=\"not_found\"}",
            2.0,
        ),
        (
            "grader_http_errors_total{status=\"405\",error=\"method_not_allowed\"}",
            1.0,
        ),
        (
            "grader_grading_duration_seconds_count{kind=\"python\",status=\"passed\"}",
            1.0,
        ),
        (
            "grader_grading_duration_seconds_bucket{kind=\"python\",status=\"passed\",le=\"300\"}",
            1.0,
        ),
        ("grader_submissions_graded_total{status=\"passed\"}", 1.0),
        ("grader_submissions_accepted_total", 1.0),
    ];
    for (series, least) in at_least {
        check(&samples, series, least, &text);
    }
    assert!(
        samples
            .keys()
            .all(|series| !series.contains("sub-no-such-id") && !series.contains("/v1/nowhere")),
        "a raw path is a label:\n{text}"
    );
}
