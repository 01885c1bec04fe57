//! `/v1/submissions`: submit, read, wait for, stream and list submissions.
//! A submission is stored before it is acknowledged; a learner sees only
//! their own, in the learner view.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::state::{AppState, Update};
use crate::store::{Caller, Enqueued, Limits, Store, StoredSubmission, SubmissionStatus, now};

/// Files in one submission, at most.
const MAX_FILES: usize = 20;

/// Query parameters whose mistakes are answered as JSON errors, like every
/// other mistake, rather than axum's plain text.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection| AppError::BadRequest(rejection.body_text()))
    }
}

/// A submission as JSON: the exercise and its files by name.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    /// `<track>/<slug>`.
    pub exercise: String,
    /// File name → content: UTF-8 text as a string, any other file (a
    /// git bundle) as `{"base64": "…"}`.
    pub files: BTreeMap<String, crate::model::FileBody>,
    /// Where to POST the result once graded (in the submitter's view,
    /// signed: see the README). Only hosts the operator allows.
    #[serde(default)]
    pub callback_url: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// Seconds to wait for the result before answering (at most the
    /// service's limit); without it the answer comes at once.
    pub wait: Option<f64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most this many, newest first (default 50, at most 500).
    pub limit: Option<i64>,
}

/// A submission as its caller may see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionView {
    pub id: String,
    pub exercise: String,
    pub status: SubmissionStatus,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// Where it stands in the queue while `queued` (1: graded next), when
    /// asked for one submission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<i64>,
    /// The grader's result JSON (version 1), in the caller's view, once
    /// `status` is `done`.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
}

impl SubmissionView {
    fn new(stored: &StoredSubmission, caller: &Caller) -> SubmissionView {
        let view = if caller.role.sees_all() {
            grader::View::Author
        } else {
            grader::View::Learner
        };
        SubmissionView {
            id: stored.id.clone(),
            exercise: stored.exercise.clone(),
            status: stored.status,
            created_at: stored.created_at,
            finished_at: stored.finished_at,
            queue_position: None,
            result: stored
                .result
                .as_ref()
                .and_then(|result| serde_json::to_value(result.for_view(view)).ok()),
        }
    }
}

/// Submits files for grading: 202 with the queued submission, or 200 with
/// its result when `wait` is given and it is graded in time.
#[utoipa::path(post, path = "/v1/submissions", tag = "submissions",
    security(("bearer" = [])),
    params(WaitQuery,
        ("Idempotency-Key" = Option<String>, Header,
            description = "1 to 255 visible ASCII characters (a UUID, say): a retry with the same key (per token) answers the first submission, with `Idempotent-Replayed: true`, and stores none")),
    request_body(content = NewSubmission, description = "JSON, or multipart/form-data with an `exercise` field and one file part per file"),
    responses(
        (status = 200, body = SubmissionView, description = "graded within `wait`"),
        (status = 202, body = SubmissionView, description = "stored and queued"),
        (status = 400, body = crate::error::ErrorBody, description = "a malformed body, or a `callback_url` the operator does not allow"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody, description = "no such exercise"),
        (status = 413, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody, description = "missing, unexpected, oversized or repeated files"),
        (status = 429, body = crate::error::ErrorBody, description = "over the token's rate, or too many of its submissions still waiting"),
        (status = 503, body = crate::error::ErrorBody, description = "the queue is full"),
    ))]
pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Query(query): Query<WaitQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let idempotency_key = idempotency_key(request.headers())?;
    let new = read_submission(request, &state).await?;
    let callback = callback(&state, &caller, new.callback_url.as_deref())?;
    let exercise = state
        .catalog
        .get(&new.exercise)
        .ok_or_else(|| AppError::NotFound(format!("no exercise {}", new.exercise)))?;
    checked(exercise, &new.files)?;
    let stored = StoredSubmission {
        id: new_id(),
        token_id: caller.token_id,
        exercise: exercise.id.clone(),
        files: new.files,
        status: SubmissionStatus::Queued,
        result: None,
        attempts: 0,
        created_at: now(),
        finished_at: None,
        callback,
        idempotency_key,
    };
    let limits = Limits {
        pending_per_token: state.config.pending_per_token,
        queue_capacity: state.config.queue_capacity,
    };
    match state.store.enqueue(&stored, limits).await? {
        Enqueued::Queued => {}
        Enqueued::Existing(id) => return replayed(&state, &caller, &id).await,
        Enqueued::TooManyPending(pending) => return Err(AppError::TooManyPending(pending)),
        Enqueued::QueueFull(queued) => {
            // A rough wait: the queue ahead, at ~2 s a grading per worker.
            let seconds = (queued as u64 * 2) / state.config.workers.max(1) as u64;
            return Err(AppError::QueueFull(Duration::from_secs(
                seconds.clamp(1, 300),
            )));
        }
    }
    state.metrics.accepted();
    tracing::info!(id = %stored.id, exercise = %stored.exercise, caller = %caller.name, "submission queued");
    state.wake.notify_one();
    let _ = state.updates.send(Update {
        id: stored.id.clone(),
    });
    // Without `wait`, the answer is what was stored: no second read.
    let current = match query.wait {
        Some(_) => wait_for(&state, &stored.id, query.wait)
            .await?
            .unwrap_or(stored),
        None => stored,
    };
    let status = if current.status == SubmissionStatus::Done {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let location = format!("/v1/submissions/{}", current.id);
    let mut view = SubmissionView::new(&current, &caller);
    view.queue_position = position(&state, &current).await?;
    Ok((status, [(header::LOCATION, location)], Json(view)).into_response())
}

/// Where the result goes, if the submitter asked, in the view they may
/// see; 400 for a URL the operator does not allow.
fn callback<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    url: Option<&str>,
) -> Result<Option<crate::store::Callback>, AppError> {
    let Some(url) = url else {
        return Ok(None);
    };
    state
        .config
        .webhooks
        .check(url)
        .map_err(AppError::BadRequest)?;
    Ok(Some(crate::store::Callback {
        url: url.to_owned(),
        view: if caller.role.sees_all() {
            grader::View::Author
        } else {
            grader::View::Learner
        },
    }))
}

/// 422 unless `files` are what `exercise` takes (names, sizes, count).
fn checked(
    exercise: &grader::Exercise,
    files: &BTreeMap<String, crate::model::FileBody>,
) -> Result<(), AppError> {
    if files.len() > MAX_FILES {
        return Err(AppError::Unprocessable(format!(
            "a submission holds at most {MAX_FILES} files"
        )));
    }
    let mut bytes = BTreeMap::new();
    for (name, body) in files {
        let content = body
            .bytes()
            .map_err(|why| AppError::Unprocessable(format!("{name}: {why}")))?;
        bytes.insert(name.clone(), content);
    }
    let submission = grader::Submission { files: bytes };
    submission
        .check(exercise)
        .map_err(|error| AppError::Unprocessable(error.to_string()))?;
    // A file the exercise edits as text must be text, however it came.
    for spec in &exercise.spec.submission.files {
        if !spec.binary
            && let Some(content) = submission.files.get(&spec.name)
            && std::str::from_utf8(content).is_err()
        {
            return Err(AppError::Unprocessable(format!(
                "`{}` is not UTF-8 text",
                spec.name
            )));
        }
    }
    Ok(())
}

/// The answer to a retry: the first submission with its key, as it is
/// now, marked `Idempotent-Replayed`.
async fn replayed<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    id: &str,
) -> Result<Response, AppError> {
    let earlier = state.store.get(id).await?.ok_or_else(|| not_found(id))?;
    let status = if earlier.status == SubmissionStatus::Done {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let mut view = SubmissionView::new(&earlier, caller);
    view.queue_position = position(state, &earlier).await?;
    let location = format!("/v1/submissions/{}", earlier.id);
    Ok((
        status,
        [
            (header::LOCATION, location),
            (
                HeaderName::from_static("idempotent-replayed"),
                "true".to_owned(),
            ),
        ],
        Json(view),
    )
        .into_response())
}

/// The longest `Idempotency-Key` taken.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The request's `Idempotency-Key`, if it has one: 1 to 255 visible ASCII
/// characters (a UUID, say), else 400.
fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.as_bytes();
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY
        || !key.iter().all(|byte| (0x21..=0x7e).contains(byte))
    {
        return Err(AppError::BadRequest(format!(
            "the Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"
        )));
    }
    Ok(Some(String::from_utf8_lossy(key).into_owned()))
}

/// One submission: its status, and its result once graded.
#[utoipa::path(get, path = "/v1/submissions/{id}", tag = "submissions",
    security(("bearer" = [])),
    params(("id" = String, Path), WaitQuery),
    responses((status = 200, body = SubmissionView), (status = 404, body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody, description = "a malformed query parameter"), (status = 401, body = crate::error::ErrorBody, description = "no token, or not a valid one"), (status = 429, body = crate::error::ErrorBody, description = "over the token's rate")))]
pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<WaitQuery>,
) -> Result<Json<SubmissionView>, AppError> {
    owned(&state, &caller, &id).await?;
    let stored = wait_for(&state, &id, query.wait)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let mut view = SubmissionView::new(&stored, &caller);
    view.queue_position = position(&state, &stored).await?;
    Ok(Json(view))
}

/// The caller's submissions, newest first (an author's or admin's: all).
#[utoipa::path(get, path = "/v1/submissions", tag = "submissions",
    security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = [SubmissionView]), (status = 400, body = crate::error::ErrorBody, description = "a malformed query parameter"), (status = 401, body = crate::error::ErrorBody, description = "no token, or not a valid one"), (status = 429, body = crate::error::ErrorBody, description = "over the token's rate")))]
pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<SubmissionView>>, AppError> {
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let owner = (!caller.role.sees_all()).then_some(caller.token_id);
    let stored = state.store.list(owner, limit).await?;
    Ok(Json(
        stored
            .iter()
            .map(|submission| SubmissionView::new(submission, &caller))
            .collect(),
    ))
}

/// A submission's progress as server-sent events: `status` on each change
/// (queued with its `queue_position`, running, done), then `result` with
/// the whole submission.
#[utoipa::path(get, path = "/v1/submissions/{id}/events", tag = "submissions",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody, description = "no token, or not a valid one"), (status = 429, body = crate::error::ErrorBody, description = "over the token's rate")))]
pub async fn events<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    owned(&state, &caller, &id).await?;
    struct Progress<S> {
        state: AppState<S>,
        updates: tokio::sync::broadcast::Receiver<Update>,
        caller: Caller,
        id: String,
        last: Option<(SubmissionStatus, Option<i64>)>,
        finished: bool,
    }
    let start = Progress {
        updates: state.updates.subscribe(),
        state,
        caller,
        id,
        last: None,
        finished: false,
    };
    let stream = futures_util::stream::unfold(start, |mut progress| async move {
        loop {
            if progress.finished {
                return None;
            }
            let stored = match progress.state.store.get(&progress.id).await {
                Ok(Some(stored)) => stored,
                _ => return None,
            };
            if stored.status == SubmissionStatus::Done
                && progress
                    .last
                    .is_some_and(|(status, _)| status == SubmissionStatus::Done)
            {
                progress.finished = true;
                let view = SubmissionView::new(&stored, &progress.caller);
                let event = Event::default()
                    .event("result")
                    .json_data(&view)
                    .unwrap_or_default();
                return Some((Ok(event), progress));
            }
            let place = position(&progress.state, &stored).await.ok().flatten();
            if progress.last != Some((stored.status, place)) {
                progress.last = Some((stored.status, place));
                let mut event = serde_json::json!({"status": stored.status});
                if let Some(place) = place {
                    event["queue_position"] = place.into();
                }
                let event = Event::default()
                    .event("status")
                    .json_data(event)
                    .unwrap_or_default();
                return Some((Ok(event), progress));
            }
            // Wait for a change of this submission (or look again soon, in
            // case an update was missed).
            let deadline = tokio::time::sleep(Duration::from_secs(1));
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    update = progress.updates.recv() => match update {
                        Ok(update) if update.id != progress.id => continue,
                        _ => break,
                    },
                    () = &mut deadline => break,
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Where `stored` stands in the queue, if it is queued.
async fn position<S: Store>(
    state: &AppState<S>,
    stored: &StoredSubmission,
) -> Result<Option<i64>, AppError> {
    if stored.status != SubmissionStatus::Queued {
        return Ok(None);
    }
    Ok(state.store.position(&stored.id).await?)
}

/// The submission `id` if `caller` may see it; another learner's is "not
/// found", so ids cannot be probed.
async fn owned<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    id: &str,
) -> Result<StoredSubmission, AppError> {
    let stored = state.store.get(id).await?.ok_or_else(|| not_found(id))?;
    if !caller.role.sees_all() && stored.token_id != caller.token_id {
        return Err(not_found(id));
    }
    Ok(stored)
}

fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("no submission {id}"))
}

/// Waits up to `seconds` (capped) for `id` to be done; returns it as it is
/// then.
async fn wait_for<S: Store>(
    state: &AppState<S>,
    id: &str,
    seconds: Option<f64>,
) -> Result<Option<StoredSubmission>, AppError> {
    let limit = state.config.max_wait;
    let wait = seconds
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .map_or(Duration::ZERO, |seconds| {
            // Clamped before it becomes a Duration: 1e20 s would panic.
            Duration::from_secs_f64(seconds.min(limit.as_secs_f64()))
        });
    let deadline = Instant::now() + wait;
    let mut updates = state.updates.subscribe();
    loop {
        let stored = state.store.get(id).await?;
        let done = stored
            .as_ref()
            .is_none_or(|stored| stored.status == SubmissionStatus::Done);
        let left = deadline.saturating_duration_since(Instant::now());
        if done || left.is_zero() {
            return Ok(stored);
        }
        let _ = tokio::time::timeout(left.min(Duration::from_secs(1)), async {
            loop {
                match updates.recv().await {
                    Ok(update) if update.id != id => continue,
                    _ => break,
                }
            }
        })
        .await;
    }
}

/// The submission in a JSON or multipart body; rejections become clear
/// JSON errors (413 for a body over the limit).
async fn read_submission<S: Store>(
    request: Request,
    state: &AppState<S>,
) -> Result<NewSubmission, AppError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(request, state)
            .await
            .map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
        return read_form(multipart, state).await;
    }
    let Json(new) = Json::<NewSubmission>::from_request(request, state)
        .await
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(too_large(state)),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest(
                "send JSON (Content-Type: application/json) or multipart/form-data".to_owned(),
            ),
            _ => AppError::BadRequest(rejection.body_text()),
        })?;
    Ok(new)
}

/// A multipart form: an `exercise` field, one part per file, optionally a
/// `callback_url`; each once.
async fn read_form<S: Store>(
    mut multipart: Multipart,
    state: &AppState<S>,
) -> Result<NewSubmission, AppError> {
    let refused = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(too_large(state))
        } else {
            AppError::BadRequest(error.body_text())
        }
    };
    let mut exercise = None;
    let mut callback_url = None;
    let mut files = BTreeMap::new();
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(refused)?;
        // A second part of one name would silently replace the first:
        // which one the learner meant is theirs to say.
        let (slot, twice) = match (file_name, name.as_str()) {
            (Some(file_name), _) => {
                if files.contains_key(&file_name) {
                    return Err(AppError::Unprocessable(format!(
                        "the file `{file_name}` is sent twice"
                    )));
                }
                // A file part may be any bytes (a git bundle).
                files.insert(file_name, crate::model::FileBody::of(bytes.to_vec()));
                continue;
            }
            (None, "exercise") => (&mut exercise, "the form has two `exercise` fields"),
            (None, "callback_url") => (&mut callback_url, "the form has two `callback_url` fields"),
            (None, _) => {
                return Err(AppError::BadRequest(format!(
                    "unexpected form field `{name}`: send `exercise`, file parts and \
                     optionally `callback_url`"
                )));
            }
        };
        if slot.is_some() {
            return Err(AppError::BadRequest(twice.to_owned()));
        }
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| AppError::Unprocessable(format!("`{name}` is not UTF-8 text")))?;
        *slot = Some(text);
    }
    let exercise = exercise
        .ok_or_else(|| AppError::BadRequest("the form has no `exercise` field".to_owned()))?;
    Ok(NewSubmission {
        exercise,
        files,
        callback_url,
    })
}

fn too_large<S>(state: &AppState<S>) -> String {
    format!(
        "the request body is over the service's limit of {} bytes",
        state.config.max_body
    )
}

fn new_id() -> String {
    // Sortable by time, then random: `s_<ms hex>_<random hex>`.
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    format!("s_{millis:012x}{}", hex::encode(rand::random::<[u8; 6]>()))
}
