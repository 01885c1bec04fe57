//! Intake under a burst: the queue bound and the per-token pending limit
//! are checked atomically with the insert, so concurrent requests never
//! queue more than either allows (it once counted, then inserted: a burst
//! of 80 with `--queue-capacity 5` queued 10).

use futures_util::future::join_all;
use grader_server::auth::Role;
use grader_server::{Config, Store};

use crate::support::Service;

/// Sends `per_token` submissions from each token, all at once; returns
/// the status of each answer, and whether every refusal had Retry-After.
async fn burst(service: &Service, tokens: &[String], per_token: usize) -> (Vec<u16>, bool) {
    let requests = tokens.iter().flat_map(|token| {
        (0..per_token).map(move |_| {
            service
                .client
                .post(service.url("/v1/submissions"))
                .bearer_auth(token)
                .json(&serde_json::json!({
                    "exercise": "python/fizzbuzz",
                    "files": {"fizzbuzz.py": "pass\n"},
                }))
                .send()
        })
    });
    let answers = join_all(requests).await;
    let mut retry_after = true;
    let statuses = answers
        .into_iter()
        .map(|answer| {
            let answer = answer.unwrap();
            if answer.status() != 202 {
                retry_after &= answer.headers().contains_key("retry-after");
            }
            answer.status().as_u16()
        })
        .collect();
    (statuses, retry_after)
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|&&each| each == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_never_queues_more_than_the_queue_capacity() {
    let config = Config {
        queue_capacity: 5,
        ..Config::default()
    };
    let service = Service::start(config, false).await;
    let mut tokens = Vec::new();
    for index in 0..10 {
        tokens.push(
            service
                .token(&format!("learner{index}"), Role::Learner)
                .await,
        );
    }
    let (statuses, retry_after) = burst(&service, &tokens, 8).await;
    assert_eq!(count(&statuses, 202), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 503), 75, "{statuses:?}");
    assert!(retry_after, "a refusal without Retry-After");
    assert_eq!(service.state.store.queued().await.unwrap(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_from_one_token_never_exceeds_its_pending_limit() {
    let config = Config {
        pending_per_token: 3,
        rate_burst: 100,
        ..Config::default()
    };
    let service = Service::start(config, false).await;
    let ann = service.token("ann", Role::Learner).await;
    let (statuses, retry_after) = burst(&service, &[ann], 40).await;
    assert_eq!(count(&statuses, 202), 3, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 37, "{statuses:?}");
    assert!(retry_after, "a refusal without Retry-After");
    assert_eq!(service.state.store.queued().await.unwrap(), 3);
}
