//! `/v1/gradebook`: the class's scores, one row per learner (authors and
//! admins only), as JSON or, for `Accept: text/csv`, as CSV.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::gradebook::{self, Gradebook};
use crate::state::AppState;
use crate::store::{Caller, Store};

/// The gradebook: every learner's best score of every exercise served,
/// their graded attempts and last activity. JSON, or CSV when the request
/// accepts `text/csv` (one row per learner; a spreadsheet opens it).
#[utoipa::path(get, path = "/v1/gradebook", tag = "exercises",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Gradebook, content_type = "application/json"),
        (status = 200, body = String, content_type = "text/csv", description = "with `Accept: text/csv`"),
        (status = 403, body = crate::error::ErrorBody, description = "a learner's token"),
        (status = 401, body = crate::error::ErrorBody, description = "no token, or not a valid one"),
        (status = 429, body = crate::error::ErrorBody, description = "over the token's rate")))]
pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !caller.role.sees_all() {
        return Err(AppError::Forbidden(
            "the gradebook is for the class's authors: an author's or admin's token",
        ));
    }
    let learners = state.store.callers().await?;
    let mut graded = BTreeMap::new();
    for exercise in state.catalog.all() {
        graded.insert(exercise.id.clone(), state.store.graded(&exercise.id).await?);
    }
    let book = gradebook::compute(&learners, &graded);
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"));
    // One URL, two bodies: caches must tell them apart.
    let vary = [(header::VARY, "Accept")];
    Ok(if wants_csv {
        (
            vary,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"grades.csv\"",
                ),
            ],
            book.to_csv(),
        )
            .into_response()
    } else {
        (vary, Json(book)).into_response()
    })
}
