//! `/v1/exercises`: what can be submitted to, and what a learner may read
//! of it.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

mod statement;

use crate::catalog;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Caller, Store};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExerciseSummary {
    /// `<track>/<slug>`.
    pub id: String,
    pub title: String,
    /// `python`, `sql`, `api` or `pytest`.
    pub kind: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionFile {
    pub name: String,
    /// Largest size accepted, in bytes.
    pub max_size: u64,
    /// Uploaded whole, not edited as text (a git bundle); sent as
    /// `{"base64": "…"}`.
    pub binary: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExerciseDetail {
    #[serde(flatten)]
    pub summary: ExerciseSummary,
    /// The learner-facing README, in Markdown.
    pub statement: String,
    /// The same as HTML, safe to insert into a page as it is: raw HTML
    /// shown as text, links only to `http`, `https`, `mailto` or relative
    /// addresses, headings from `h2`, code blocks as
    /// `<pre><code class="language-…">`.
    pub statement_html: String,
    /// The files a submission must hold, no others.
    pub files: Vec<SubmissionFile>,
    /// File name → the starter's content: text as a string, a binary
    /// file as `{"base64": "…"}`.
    pub starter: BTreeMap<String, crate::model::FileBody>,
    /// Path → content of the visible tests (and a sql exercise's schema).
    pub visible_tests: BTreeMap<String, String>,
}

fn summary(exercise: &grader::Exercise) -> ExerciseSummary {
    let text = |value: serde_json::Result<serde_json::Value>| {
        value
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    ExerciseSummary {
        id: exercise.id.clone(),
        title: exercise.spec.title.clone(),
        kind: text(serde_json::to_value(exercise.spec.kind)),
        difficulty: text(serde_json::to_value(exercise.spec.difficulty)),
        tags: exercise.spec.tags.clone(),
    }
}

/// Every exercise served.
#[utoipa::path(get, path = "/v1/exercises", tag = "exercises",
    security(("bearer" = [])),
    responses((status = 200, body = [ExerciseSummary]), (status = 401, body = crate::error::ErrorBody, description = "no token, or not a valid one"), (status = 429, body = crate::error::ErrorBody, description = "over the token's rate")))]
pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    _caller: Caller,
) -> Json<Vec<ExerciseSummary>> {
    Json(state.catalog.all().map(summary).collect())
}

/// One exercise: its statement, starter files and visible tests.
#[utoipa::path(get, path = "/v1/exercises/{track}/{slug}", tag = "exercises",
    security(("bearer" = [])),
    params(("track" = String, Path), ("slug" = String, Path)),
    responses((status = 200, body = ExerciseDetail), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody, description = "no token, or not a valid one"), (status = 429, body = crate::error::ErrorBody, description = "over the token's rate")))]
pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    _caller: Caller,
    Path((track, slug)): Path<(String, String)>,
) -> Result<Json<ExerciseDetail>, AppError> {
    let id = format!("{track}/{slug}");
    let exercise = state
        .catalog
        .get(&id)
        .ok_or_else(|| AppError::NotFound(format!("no exercise {id}")))?;
    let (statement, starter, visible_tests) = catalog::learner_files(exercise);
    Ok(Json(ExerciseDetail {
        summary: summary(exercise),
        statement_html: statement::to_html(&statement),
        statement,
        files: exercise
            .spec
            .submission
            .files
            .iter()
            .map(|file| SubmissionFile {
                name: file.name.clone(),
                max_size: file.max_size(),
                binary: file.binary,
            })
            .collect(),
        starter,
        visible_tests,
    }))
}

/// What the class did with one exercise (authors and admins only):
/// learners, attempts, the share passing, the median attempts to a first
/// pass, the spread of best scores, the tests failed and the hints shown
/// most (see `stats.rs` for what counts).
#[utoipa::path(get, path = "/v1/exercises/{track}/{slug}/stats", tag = "exercises",
    security(("bearer" = [])),
    params(("track" = String, Path), ("slug" = String, Path)),
    responses((status = 200, body = crate::stats::ExerciseStats), (status = 403, body = crate::error::ErrorBody, description = "a learner's token"), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody, description = "no token, or not a valid one"), (status = 429, body = crate::error::ErrorBody, description = "over the token's rate")))]
pub async fn stats<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path((track, slug)): Path<(String, String)>,
) -> Result<Json<crate::stats::ExerciseStats>, AppError> {
    if !caller.role.sees_all() {
        return Err(AppError::Forbidden(
            "a class's stats are for its authors: an author's or admin's token",
        ));
    }
    let id = format!("{track}/{slug}");
    if state.catalog.get(&id).is_none() {
        return Err(AppError::NotFound(format!("no exercise {id}")));
    }
    let graded = state.store.graded(&id).await?;
    Ok(Json(crate::stats::compute(&id, &graded)))
}
