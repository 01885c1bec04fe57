//! The webhook sender: the loop, on every node with the webhook secret,
//! that claims due deliveries from
//! the store, POSTs each signed ([`crate::webhook::Webhooks`]) and records
//! what came of it.

use std::time::Duration;

use crate::state::AppState;
use crate::store::{Delivery, Settled, Store};
use crate::webhook::USER_AGENT;

/// How long a sender holds a delivery it is attempting: a request's
/// timeout and then some. A sender that dies mid-attempt leaves it due
/// again after this.
const HOLD: Duration = Duration::from_secs(30);
/// How long one attempt may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers due webhooks until the task is aborted: every node with the
/// webhook secret runs one.
pub async fn send<S: Store>(state: AppState<S>) {
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        // Who is calling, for the receiver's logs and rules.
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "no HTTP client: webhooks are not delivered by this node");
            return;
        }
    };
    loop {
        match state.store.claim_delivery(HOLD).await {
            Ok(Some(delivery)) => {
                let settled = attempt(&state, &client, &delivery).await;
                settle(&state, &delivery, &settled).await;
            }
            Ok(None) => tokio::time::sleep(Duration::from_millis(250)).await,
            Err(error) => {
                tracing::error!(%error, "could not read the webhook queue");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Records what came of an attempt, trying again through a database's
/// short outage (a restart, a failover): a delivery made but not recorded
/// would be due again once its hold ends, and sent twice.
async fn settle<S: Store>(state: &AppState<S>, delivery: &Delivery, settled: &Settled) {
    let mut wait = Duration::from_millis(200);
    let started = tokio::time::Instant::now();
    loop {
        match state.store.settle_delivery(delivery.id, settled).await {
            Ok(()) => return,
            // Still held: no other node sends it meanwhile.
            Err(error) if started.elapsed() + wait < HOLD / 2 => {
                tracing::warn!(%error, id = delivery.id, "could not record a delivery yet");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
            Err(error) => {
                // Held for HOLD, then due again: delivered twice at
                // worst, never lost.
                tracing::error!(%error, id = delivery.id, "could not record a delivery");
                return;
            }
        }
    }
}

/// One attempt at `delivery`, and what follows from it.
async fn attempt<S: Store>(
    state: &AppState<S>,
    client: &reqwest::Client,
    delivery: &Delivery,
) -> Settled {
    let webhooks = &state.config.webhooks;
    let timestamp = crate::store::now();
    let sent = client
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Grader-Timestamp", timestamp.to_string())
        .header(
            "X-Grader-Signature",
            webhooks.sign(timestamp, delivery.body.as_bytes()),
        )
        .header("X-Grader-Delivery", delivery.id.to_string())
        .body(delivery.body.clone())
        .send()
        .await;
    let error = match sent {
        Ok(response) if response.status().is_success() => {
            tracing::info!(submission = %delivery.submission_id, attempts = delivery.attempts, "webhook delivered");
            state.metrics.webhook_delivered();
            return Settled::Delivered;
        }
        Ok(response) => format!("the receiver answered {}", response.status()),
        Err(error) => format!("could not reach the receiver: {error}"),
    };
    if delivery.attempts >= i64::from(webhooks.attempts) {
        tracing::warn!(submission = %delivery.submission_id, %error, "webhook given up");
        state.metrics.webhook_failed();
        return Settled::Failed { error };
    }
    let wait = webhooks.backoff_after(delivery.attempts);
    tracing::info!(submission = %delivery.submission_id, %error, ?wait, "webhook to be tried again");
    Settled::Retry {
        at_ms: crate::store::now_millis().saturating_add(wait.as_millis() as i64),
        error,
    }
}
