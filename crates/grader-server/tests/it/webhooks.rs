//! Webhooks through the service: a result POSTed to the submission's
//! `callback_url`, signed, retried after failures, only to allowed hosts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use grader_server::auth::Role;
use grader_server::webhook::{Webhooks, signature};
use grader_server::{Config, Store};

use crate::support::Service;

const SECRET: &[u8] = b"test-secret";

/// What a receiver got: headers and body of each request.
type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A receiver on a loopback port that fails its first `failures`
/// requests with 503, then answers 204.
async fn receiver(failures: usize) -> (String, Received) {
    let received: Received = Arc::default();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let received = Arc::clone(&received);
            move |headers: HeaderMap, body: String| {
                let received = Arc::clone(&received);
                async move {
                    let mut received = received.lock().unwrap();
                    received.push((headers, body));
                    if received.len() <= failures {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::NO_CONTENT
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address.to_string(), received)
}

fn config(allow: &str) -> Config {
    Config {
        webhooks: Webhooks {
            allow: vec![allow.to_owned()],
            secret: SECRET.to_vec(),
            attempts: 4,
            backoff: Duration::from_millis(200),
        },
        ..Config::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_is_delivered_signed_after_the_receivers_failures() {
    let (address, received) = receiver(2).await;
    let service = Service::start(config(&address), true).await;
    let token = service.token("ann", Role::Learner).await;
    let response = service
        .client
        .post(service.url("/v1/submissions"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "exercise": "python/fizzbuzz",
            "files": {"fizzbuzz.py": "def fizzbuzz(n):\n    return str(n)\n"},
            "callback_url": format!("http://{address}/hook"),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let id = response.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = std::time::Instant::now();
    while received.lock().unwrap().len() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not delivered: {:?}",
            received.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing more once delivered.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    for (headers, body) in &received {
        let timestamp: i64 = headers["x-grader-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let expected = signature(SECRET, timestamp, body.as_bytes());
        assert_eq!(headers["x-grader-signature"].to_str().unwrap(), expected);
        assert_eq!(headers["content-type"], "application/json");
        // Regression (issue 26): deliveries carried no User-Agent.
        assert_eq!(headers["user-agent"], grader_server::webhook::USER_AGENT);
    }
    // The submitter's view: a learner's, so hidden tests show no detail.
    let (_, body) = &received[2];
    let delivered: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(delivered["id"], id.as_str());
    assert_eq!(delivered["status"], "done");
    assert_eq!(delivered["result"]["view"], "learner");
    assert_eq!(delivered["result"]["status"], "failed");
    let shown = service
        .client
        .get(service.url(&format!("/v1/submissions/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(delivered["result"], shown["result"]);
    // The store records each attempt, so a restart loses none.
    assert!(
        service
            .state
            .store
            .claim_delivery(Duration::from_secs(1))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_callback_to_a_host_the_operator_does_not_allow_gets_400() {
    let service = Service::start(config("127.0.0.1:9"), false).await;
    let token = service.token("ann", Role::Learner).await;
    for (url, says) in [
        ("http://127.0.0.1:10/hook", "not one the operator allows"),
        (
            "http://169.254.169.254/latest/meta-data",
            "not one the operator allows",
        ),
        ("https://127.0.0.1:9/hook", "must be an http:// URL"),
        ("127.0.0.1:9", "not a URL"),
    ] {
        let response = service
            .client
            .post(service.url("/v1/submissions"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "exercise": "python/fizzbuzz",
                "files": {"fizzbuzz.py": "pass\n"},
                "callback_url": url,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{url}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{url}: {body}"
        );
    }
    // Nothing was stored.
    assert_eq!(service.state.store.queued().await.unwrap(), 0);
}
