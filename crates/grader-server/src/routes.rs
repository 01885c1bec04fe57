//! The HTTP API, versioned under `/v1`, and its OpenAPI description.

pub mod exercises;
pub mod gradebook;
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
        .route("/v1/me", get(ops::me))
        .route("/v1/exercises", get(exercises::list::<S>))
        .route("/v1/exercises/{track}/{slug}", get(exercises::show::<S>))
        .route(
            "/v1/exercises/{track}/{slug}/stats",
            get(exercises::stats::<S>),
        )
        .route(
            "/v1/exercises/{track}/{slug}/similarity",
            get(exercises::similarity::<S>),
        )
        .route("/v1/gradebook", get(gradebook::show::<S>))
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
        .layer(middleware::from_fn(headers_within_limit))
        // Outermost, and per route: it sees the matched route's template.
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state.metrics),
            crate::metrics::track,
        ))
        .with_state(state)
}

pub use crate::error::MAX_HEADER_BYTES;

/// Refuses a request whose headers are over [`MAX_HEADER_BYTES`] (a 200 KB
/// `Cookie` was taken in and parsed) with 431.
async fn headers_within_limit(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let size: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if size > MAX_HEADER_BYTES {
        use axum::response::IntoResponse;
        return crate::error::AppError::HeadersTooLarge(size).into_response();
    }
    next.run(request).await
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "grader", description = "Submit solutions to exercises and read their grading."),
    paths(
        ops::health, ops::metrics, ops::openapi, ops::me,
        exercises::list, exercises::show, exercises::stats, exercises::similarity,
        gradebook::show,
        submissions::create, submissions::show, submissions::list, submissions::events,
    ),
    components(schemas(
        crate::error::ErrorBody, ops::Health, ops::Me, crate::model::Role, crate::store::Unserved,
        exercises::ExerciseSummary, exercises::ExerciseDetail, exercises::SubmissionFile,
        crate::stats::ExerciseStats, crate::stats::ScoreBucket, crate::stats::TestFailures,
        crate::stats::HintShown,
        exercises::Similarity, exercises::SimilarPair, exercises::SimilarSide,
        exercises::SimilarFragment, exercises::SimilarLines,
        crate::gradebook::Gradebook, crate::gradebook::GradebookRow,
        submissions::NewSubmission, submissions::SubmissionView,
        crate::store::SubmissionStatus,
    )),
    modifiers(&BearerAuth, &EveryOperation),
)]
pub struct ApiDoc;

struct BearerAuth;

/// What every operation may answer besides its own: 405 for a method the
/// path does not take (with `Allow`), 431 for headers over the limit.
struct EveryOperation;

impl utoipa::Modify for EveryOperation {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::ResponseBuilder;
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let responses = &mut operation.responses.responses;
                responses.entry("405".to_owned()).or_insert_with(|| {
                    ResponseBuilder::new()
                        .description("this path does not take this method; the Allow header lists those it takes")
                        .build()
                        .into()
                });
                responses.entry("431".to_owned()).or_insert_with(|| {
                    ResponseBuilder::new()
                        .description("the request's headers are over 16 KiB")
                        .build()
                        .into()
                });
            }
        }
    }
}

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
