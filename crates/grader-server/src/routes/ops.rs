//! For operators: health, metrics, and the OpenAPI description.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::OpenApi;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::Store;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: &'static str,
    pub queued: i64,
    pub workers: usize,
    pub exercises: usize,
}

/// Whether the service and its database answer.
#[utoipa::path(get, path = "/v1/health", tag = "operations",
    responses((status = 200, body = Health), (status = 500, body = crate::error::ErrorBody)))]
pub async fn health<S: Store>(State(state): State<AppState<S>>) -> Result<Json<Health>, AppError> {
    Ok(Json(Health {
        status: "ok",
        queued: state.store.queued().await?,
        workers: state.config.workers,
        exercises: state.catalog.all().count(),
    }))
}

/// Counters, gauges and histograms in Prometheus' text format (0.0.4);
/// README.md lists them.
#[utoipa::path(get, path = "/v1/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics<S: Store>(
    State(state): State<AppState<S>>,
) -> Result<impl IntoResponse, AppError> {
    let queued = state.store.queued().await?;
    let text = state.metrics.render(queued, state.config.workers)?;
    Ok(([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text))
}

/// This description.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations",
    responses((status = 200, content_type = "application/json", body = Object)))]
pub async fn openapi() -> impl IntoResponse {
    Json(crate::routes::ApiDoc::openapi())
}
