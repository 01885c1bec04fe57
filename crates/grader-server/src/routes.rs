//! The HTTP API, versioned under `/v1`, and its OpenAPI description.

pub mod exercises;
pub mod ops;
pub mod page;
pub mod submissions;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Router, middleware};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::state::AppState;
use crate::store::Store;

/// The router over `state`; tests drive it with `tower::ServiceExt` or a
/// real listener.
pub fn app<S: Store>(state: AppState<S>) -> Router {
    let max_body = state.config.max_body;
    Router::new()
        .route("/", get(page::index))
        .route("/assets/{*path}", get(page::asset))
        .route("/v1/health", get(ops::health::<S>))
        .route("/v1/metrics", get(ops::metrics::<S>))
        .route("/v1/openapi.json", get(ops::openapi))
        .route("/v1/exercises", get(exercises::list::<S>))
        .route("/v1/exercises/{track}/{slug}", get(exercises::show::<S>))
        .route(
            "/v1/submissions",
            get(submissions::list::<S>).post(submissions::create::<S>),
        )
        .route("/v1/submissions/{id}", get(submissions::show::<S>))
        .route("/v1/submissions/{id}/events", get(submissions::events::<S>))
        .fallback(|| async {
            crate::error::AppError::NotFound("no such endpoint; see /v1/openapi.json".to_owned())
        })
        // axum adds the Allow header to what this answers.
        .method_not_allowed_fallback(|| async { crate::error::AppError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(max_body))
        // Outermost, and per route: it sees the matched route's template.
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state.metrics),
            crate::metrics::track,
        ))
        .with_state(state)
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "grader", description = "Submit solutions to exercises and read their grading."),
    paths(
        ops::health, ops::metrics, ops::openapi,
        exercises::list, exercises::show,
        submissions::create, submissions::show, submissions::list, submissions::events,
    ),
    components(schemas(
        crate::error::ErrorBody, ops::Health,
        exercises::ExerciseSummary, exercises::ExerciseDetail, exercises::SubmissionFile,
        submissions::NewSubmission, submissions::SubmissionView,
        crate::store::SubmissionStatus,
    )),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
