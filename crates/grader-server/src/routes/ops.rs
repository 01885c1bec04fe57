//! For operators: health, metrics, and the OpenAPI description.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::OpenApi;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Caller, Store};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when every dependency answers, else `unavailable`.
    pub status: &'static str,
    /// `ok`, or `unavailable` when the database does not answer.
    pub database: &'static str,
    /// Submissions waiting; absent while the database does not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued: Option<i64>,
    /// Queued submissions of exercises no live grading node serves: they
    /// wait until a node that serves them starts. Absent while the
    /// database does not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unserved: Option<Vec<crate::store::Unserved>>,
    pub workers: usize,
    pub exercises: usize,
}

/// Whether the service and its dependencies answer: 503 with
/// `Retry-After`, and which one is down, within a second when one is not.
#[utoipa::path(get, path = "/v1/health", tag = "operations",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "a dependency does not answer; the body says which",
            body = Health, headers(("Retry-After" = u64, description = "seconds"))),
        (status = 500, body = crate::error::ErrorBody)))]
pub async fn health<S: Store>(State(state): State<AppState<S>>) -> Result<Response, AppError> {
    let mut health = Health {
        status: "ok",
        database: "ok",
        queued: None,
        unserved: None,
        workers: state.config.workers,
        exercises: state.catalog.all().count(),
    };
    let read = async {
        Ok::<_, crate::store::StoreError>((
            state.store.queued().await?,
            state.store.unserved().await?,
        ))
    };
    match read.await {
        Ok((queued, unserved)) => {
            health.queued = Some(queued);
            health.unserved = Some(unserved);
            Ok(Json(health).into_response())
        }
        Err(error) if error.is_unavailable() => {
            tracing::warn!(%error, "health: the database does not answer");
            health.status = "unavailable";
            health.database = "unavailable";
            let retry = crate::error::UNAVAILABLE_RETRY.as_secs().to_string();
            Ok((
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, retry)],
                Json(health),
            )
                .into_response())
        }
        Err(error) => Err(error.into()),
    }
}

/// Counters, gauges and histograms in Prometheus' text format (0.0.4);
/// README.md lists them.
#[utoipa::path(get, path = "/v1/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics<S: Store>(
    State(state): State<AppState<S>>,
) -> Result<impl IntoResponse, AppError> {
    let queued = state.store.queued().await?;
    let unserved = state.store.unserved().await?;
    let unserved = unserved.iter().map(|each| each.queued).sum();
    let text = state
        .metrics
        .render(queued, unserved, state.config.workers)?;
    Ok(([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text))
}

/// This description.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations",
    responses((status = 200, content_type = "application/json", body = Object)))]
pub async fn openapi() -> impl IntoResponse {
    Json(crate::routes::ApiDoc::openapi())
}

/// Who the token is: its name and role. The page asks, to show an author
/// what only an author may read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub name: String,
    pub role: crate::model::Role,
}

/// The caller's token: its name and role.
#[utoipa::path(get, path = "/v1/me", tag = "operations",
    security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody, description = "no token, or not a valid one"), (status = 429, body = crate::error::ErrorBody, description = "over the token's rate")))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        name: caller.name,
        role: caller.role,
    })
}
