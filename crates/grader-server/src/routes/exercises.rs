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

/// Pairs of learners whose latest graded submissions of an exercise are
/// alike, best first (`grader::similar`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Similarity {
    pub exercise: String,
    /// Learners compared: each one's latest graded submission.
    pub learners: usize,
    pub pairs: Vec<SimilarPair>,
    /// The text files of every submission in `pairs`, by submission id and
    /// file name: what a side-by-side view shows.
    pub files: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarPair {
    pub a: SimilarSide,
    pub b: SimilarSide,
    /// 0 to 1: twice the fingerprints both hold over the sum of each one's.
    pub score: f64,
    pub shared: usize,
    /// The passages that match, each side.
    pub fragments: Vec<SimilarFragment>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarSide {
    /// The learner: their token's id.
    pub token_id: i64,
    /// Their submission compared (its id, for `GET /v1/submissions/{id}`).
    pub submission: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarFragment {
    pub a: SimilarLines,
    pub b: SimilarLines,
}

/// Lines `start..=end` (from 1) of a file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarLines {
    pub file: String,
    pub start: u32,
    pub end: u32,
}

/// Most pairs one answer lists.
const SIMILAR_PAIRS: usize = 100;

/// Pairs of learners' latest graded submissions of an exercise ranked by
/// similarity (authors and admins only), with the matching line ranges;
/// the starter's code counts for nobody. Python exercises (python,
/// pytest, api) and sql ones.
#[utoipa::path(get, path = "/v1/exercises/{track}/{slug}/similarity", tag = "exercises",
    security(("bearer" = [])),
    params(("track" = String, Path), ("slug" = String, Path)),
    responses((status = 200, body = Similarity), (status = 403, body = crate::error::ErrorBody, description = "a learner's token"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody, description = "a shell exercise, which similarity does not read"), (status = 401, body = crate::error::ErrorBody, description = "no token, or not a valid one"), (status = 429, body = crate::error::ErrorBody, description = "over the token's rate")))]
pub async fn similarity<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path((track, slug)): Path<(String, String)>,
) -> Result<Json<Similarity>, AppError> {
    if !caller.role.sees_all() {
        return Err(AppError::Forbidden(
            "similarity between learners is for the class's authors: an author's or admin's token",
        ));
    }
    let id = format!("{track}/{slug}");
    let Some(exercise) = state.catalog.get(&id) else {
        return Err(AppError::NotFound(format!("no exercise {id}")));
    };
    let Some(language) = grader::similar::language_of(exercise.spec.kind) else {
        return Err(AppError::Unprocessable(format!(
            "{id} is a {} exercise; similarity reads Python and SQL",
            exercise.spec.kind.as_str()
        )));
    };
    // Each learner's latest graded submission: its text files. Authors'
    // and admins' own submissions (a reference tried) are no learner's.
    let learners: std::collections::BTreeSet<i64> = state
        .store
        .callers()
        .await?
        .into_iter()
        .filter(|caller| caller.role == crate::model::Role::Learner)
        .map(|caller| caller.token_id)
        .collect();
    let mut latest: BTreeMap<i64, crate::store::StoredSubmission> = BTreeMap::new();
    for submission in state.store.graded(&id).await? {
        if !learners.contains(&submission.token_id) {
            continue;
        }
        let newer = latest
            .get(&submission.token_id)
            .is_none_or(|kept| submission.created_at >= kept.created_at);
        if newer {
            latest.insert(submission.token_id, submission);
        }
    }
    // `graded` leaves the files out: each compared submission is read whole.
    let mut documents = Vec::with_capacity(latest.len());
    for submission in latest.values() {
        let Some(whole) = state.store.whole(&submission.id).await? else {
            continue;
        };
        documents.push(grader::similar::Document {
            learner: whole.id.clone(),
            files: whole
                .files
                .into_iter()
                .filter_map(|(name, body)| match body {
                    crate::model::FileBody::Text(text) => Some((name, text)),
                    crate::model::FileBody::Binary(_) => None,
                })
                .collect(),
        });
    }
    let given = grader::similar::given(exercise);
    let texts: BTreeMap<String, BTreeMap<String, String>> = documents
        .iter()
        .map(|document| (document.learner.clone(), document.files.clone()))
        .collect();
    // Seconds of CPU for a large class: off the request threads.
    let ranked = match tokio::task::spawn_blocking(move || {
        grader::similar::rank(language, &documents, &given)
    })
    .await
    {
        Ok(ranked) => ranked,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    };
    let token_of: BTreeMap<&str, i64> = latest
        .values()
        .map(|submission| (submission.id.as_str(), submission.token_id))
        .collect();
    let side = |submission: &str| SimilarSide {
        token_id: token_of.get(submission).copied().unwrap_or_default(),
        submission: submission.to_owned(),
    };
    let lines = |lines: grader::similar::Lines| SimilarLines {
        file: lines.file,
        start: lines.start,
        end: lines.end,
    };
    let pairs: Vec<SimilarPair> = ranked
        .into_iter()
        .take(SIMILAR_PAIRS)
        .map(|pair| SimilarPair {
            a: side(&pair.a),
            b: side(&pair.b),
            score: pair.score,
            shared: pair.shared,
            fragments: pair
                .fragments
                .into_iter()
                .map(|fragment| SimilarFragment {
                    a: lines(fragment.a),
                    b: lines(fragment.b),
                })
                .collect(),
        })
        .collect();
    let mut files = BTreeMap::new();
    for pair in &pairs {
        for side in [&pair.a, &pair.b] {
            if let Some(text) = texts.get(&side.submission) {
                files.insert(side.submission.clone(), text.clone());
            }
        }
    }
    Ok(Json(Similarity {
        exercise: id,
        learners: latest.len(),
        pairs,
        files,
    }))
}
