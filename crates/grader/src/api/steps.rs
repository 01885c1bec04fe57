//! Running a scenario's steps over HTTP with reqwest, and judging each
//! response. Nothing is retried unless the step polls (`poll`: its request
//! again until it gets what it expects, within a bound); each request
//! waits at most the exercise's request timeout and never past the job's
//! deadline. A `restart` step has the harness restart the app and waits
//! until it answers again.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use serde_json::Value;

use crate::api::cases::{Expect, Request, Scenario, Step, variables};
pub use crate::api::ready::Target;
use crate::api::ready::{self, NotReady};
use crate::api::tunnel::Tunnel;
use crate::api::{jsonpath, jwt};

/// Bytes of a response body kept for feedback.
const BODY_SHOWN: usize = 600;
/// Bytes of a response body read at all.
const BODY_CAP: usize = 1 << 20;

/// Why a scenario did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A step did not get what it expected: what a learner reads.
    Failed(String),
    /// The job's deadline came during this step (`step 2: GET /notes`).
    OutOfTime(String),
}

/// How a step went wrong, before it is labelled.
enum StepError {
    Failed(String),
    OutOfTime(String),
}

impl From<String> for StepError {
    fn from(message: String) -> Self {
        StepError::Failed(message)
    }
}

/// What a restart step needs: the tunnel that restarts the app, and the
/// readiness probe that tells it is back.
#[derive(Debug, Clone, Copy)]
pub struct Restarter<'a> {
    pub tunnel: &'a Tunnel,
    pub ready_path: &'a str,
    pub ready_deadline: Duration,
}

/// How a scenario went: None when every step passed, else why not.
pub async fn run_scenario(
    client: &reqwest::Client,
    target: &Target,
    restarter: Restarter<'_>,
    scenario: &Scenario,
) -> Option<Failure> {
    let mut vars: BTreeMap<String, Value> = BTreeMap::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        let label = match &step.name {
            Some(name) => format!("step {} ({name})", index + 1),
            None => format!("step {}", index + 1),
        };
        match run_step(client, target, restarter, step, &mut vars).await {
            Ok(()) => {}
            Err(StepError::Failed(why)) => return Some(Failure::Failed(format!("{label}: {why}"))),
            Err(StepError::OutOfTime(shown)) => {
                return Some(Failure::OutOfTime(format!("{label}: {shown}")));
            }
        }
    }
    None
}

async fn run_step(
    client: &reqwest::Client,
    target: &Target,
    restarter: Restarter<'_>,
    step: &Step,
    vars: &mut BTreeMap<String, Value>,
) -> Result<(), StepError> {
    if step.restart {
        return restart(client, target, restarter).await;
    }
    let Some(request) = &step.request else {
        // `cases::validate` refuses such a step.
        return Err(StepError::Failed("the step has no request".to_owned()));
    };
    if let Some(copies) = step.concurrent {
        return at_once(client, target, step, request, vars, copies).await;
    }
    let Some(poll) = &step.poll else {
        return send(client, target, step, request, vars).await;
    };
    // Again and again until it gets what it expects; the last answer is
    // what a learner reads.
    let until = Instant::now() + poll.within.0;
    loop {
        match send(client, target, step, request, vars).await {
            Err(StepError::Failed(why)) if Instant::now() + poll.every() < until => {
                let _ = why;
                tokio::time::sleep(poll.every()).await;
            }
            Err(StepError::Failed(why)) => {
                return Err(StepError::Failed(format!(
                    "{why}\n(asked every {} for {})",
                    show_duration(poll.every()),
                    show_duration(poll.within.0)
                )));
            }
            done => return done,
        }
    }
}

/// Sends `copies` of the request, each `CONCURRENT_GAP` after the one
/// before, without waiting for the answers, and judges every answer; the
/// first that is not what the step expects is the step's failure.
async fn at_once(
    client: &reqwest::Client,
    target: &Target,
    step: &Step,
    request: &Request,
    vars: &BTreeMap<String, Value>,
    copies: u32,
) -> Result<(), StepError> {
    let sends = (0..copies).map(|index| {
        // A concurrent step captures nothing: each copy judges with its
        // own copy of the variables.
        let mut vars = vars.clone();
        async move {
            tokio::time::sleep(crate::api::cases::CONCURRENT_GAP * index).await;
            send(client, target, step, request, &mut vars).await
        }
    });
    let answers = futures_util::future::join_all(sends).await;
    for (index, answer) in answers.into_iter().enumerate() {
        match answer {
            Ok(()) => {}
            Err(StepError::Failed(why)) => {
                return Err(StepError::Failed(format!(
                    "{why}\n(request {} of {copies} sent {} apart)",
                    index + 1,
                    show_duration(crate::api::cases::CONCURRENT_GAP)
                )));
            }
            Err(out_of_time) => return Err(out_of_time),
        }
    }
    Ok(())
}

/// Restarts the app and waits until it answers its readiness path again.
async fn restart(
    client: &reqwest::Client,
    target: &Target,
    restarter: Restarter<'_>,
) -> Result<(), StepError> {
    let shown = "restart the app".to_owned();
    let path = restarter.ready_path;
    if !restarter.tunnel.restart() {
        return Err(StepError::Failed(format!(
            "{shown}\nthe app's container is gone"
        )));
    }
    let ready = ready::wait_ready(
        client,
        target,
        restarter.tunnel,
        path,
        restarter.ready_deadline,
    )
    .await;
    match ready {
        Ok(()) => Ok(()),
        Err((NotReady::TimeLimit, _)) => Err(StepError::OutOfTime(shown)),
        Err((NotReady::Exited(code), _)) => Err(StepError::Failed(format!(
            "{shown}\nthe app stopped (exit code {code}) before it answered GET {path} again"
        ))),
        Err((NotReady::Deadline, waited)) => Err(StepError::Failed(format!(
            "{shown}\nthe app did not answer GET {path} within {:.0}s of its restart",
            waited.as_secs_f64()
        ))),
        Err((NotReady::Ended(_), _)) => Err(StepError::Failed(format!(
            "{shown}\nthe app's container stopped"
        ))),
    }
}

/// Sends the step's request once and judges the response.
async fn send(
    client: &reqwest::Client,
    target: &Target,
    step: &Step,
    request: &Request,
    vars: &mut BTreeMap<String, Value>,
) -> Result<(), StepError> {
    let path = substitute(&request.path, vars);
    let shown = show_request(request, &path, vars);
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("{shown}\nnot an HTTP method"))?;
    let (limit, by_deadline) = target.limit();
    if limit.is_zero() {
        return Err(StepError::OutOfTime(shown));
    }
    let builder = client
        .request(method, format!("{}{path}", target.base))
        .timeout(limit);
    let builder = with_body(
        with_auth(with_head(builder, request, vars), request, target, vars),
        request,
        vars,
    );
    let started = Instant::now();
    let response = builder
        .send()
        .await
        .map_err(|error| unanswered(&error, &shown, by_deadline, target))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let (limit, by_deadline) = target.limit();
    let (body, whole) = read_body(response, limit).await;
    if !whole && by_deadline {
        return Err(StepError::OutOfTime(shown));
    }
    let answer = Answer {
        shown,
        status,
        headers,
        elapsed: started.elapsed(),
        text: String::from_utf8_lossy(&body).into_owned(),
        json: serde_json::from_slice(&body).ok(),
    };
    judge(step, &answer, vars)
}

/// The request's query and headers, with the scenario's values.
fn with_head(
    mut builder: reqwest::RequestBuilder,
    request: &Request,
    vars: &BTreeMap<String, Value>,
) -> reqwest::RequestBuilder {
    if !request.query.is_empty() {
        let query: Vec<(String, String)> = request
            .query
            .iter()
            .map(|(key, value)| (key.clone(), substitute(value, vars)))
            .collect();
        builder = builder.query(&query);
    }
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), substitute(value, vars));
    }
    builder
}

/// The request's bearer token: given, or a JWT signed here as the step
/// asks (expired, with the wrong key, tampered with).
fn with_auth(
    mut builder: reqwest::RequestBuilder,
    request: &Request,
    target: &Target,
    vars: &BTreeMap<String, Value>,
) -> reqwest::RequestBuilder {
    if let Some(token) = &request.token {
        builder = builder.bearer_auth(substitute(token, vars));
    }
    let Some(spec) = &request.jwt else {
        return builder;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let mut claims = serde_json::Map::new();
    for (key, value) in &spec.claims {
        claims.insert(key.clone(), substitute_json(value, vars));
    }
    claims.insert("sub".to_owned(), Value::String(substitute(&spec.sub, vars)));
    claims.insert("iat".to_owned(), Value::from(now - 60));
    let exp = if spec.expired { now - 3600 } else { now + 3600 };
    claims.insert("exp".to_owned(), Value::from(exp));
    let key = if spec.wrong_key {
        format!("not-{}", target.jwt_secret)
    } else {
        target.jwt_secret.clone()
    };
    let mut token = jwt::sign(&Value::Object(claims), key.as_bytes());
    if spec.tampered {
        token = jwt::tamper(&token);
    }
    builder.bearer_auth(token)
}

/// The request's body: JSON, a form, or text, with the scenario's values.
fn with_body(
    builder: reqwest::RequestBuilder,
    request: &Request,
    vars: &BTreeMap<String, Value>,
) -> reqwest::RequestBuilder {
    if let Some(json) = &request.json {
        builder.json(&substitute_json(json, vars))
    } else if let Some(form) = &request.form {
        let form: Vec<(String, String)> = form
            .iter()
            .map(|(key, value)| (key.clone(), substitute(value, vars)))
            .collect();
        builder.form(&form)
    } else if let Some(body) = &request.body {
        builder.body(substitute(body, vars))
    } else {
        builder
    }
}

/// What a request that got no response is to the learner.
fn unanswered(
    error: &reqwest::Error,
    shown: &str,
    by_deadline: bool,
    target: &Target,
) -> StepError {
    if error.is_timeout() && by_deadline {
        StepError::OutOfTime(shown.to_owned())
    } else if error.is_timeout() {
        StepError::Failed(format!(
            "{shown}\nno response within the {} limit",
            show_duration(target.timeout)
        ))
    } else if error.is_builder() {
        StepError::Failed(format!(
            "{shown}\nthe request could not be built from the captured values: {error}"
        ))
    } else {
        StepError::Failed(format!(
            "{shown}\nno response: the app closed the connection or is not running"
        ))
    }
}

/// A response, read: what a step's expectations are judged against.
struct Answer {
    /// The request as the learner reads it.
    shown: String,
    status: u16,
    headers: reqwest::header::HeaderMap,
    elapsed: Duration,
    text: String,
    json: Option<Value>,
}

impl Answer {
    fn got(&self) -> String {
        format!("got: {} {}", self.status, shorten(&self.text))
    }

    fn expected(&self, expected: &str) -> StepError {
        StepError::Failed(format!(
            "{}\nexpected {expected}\n{}",
            self.shown,
            self.got()
        ))
    }
}

/// Judges `answer` by the step's expectations, then keeps its captures.
fn judge(
    step: &Step,
    answer: &Answer,
    vars: &mut BTreeMap<String, Value>,
) -> Result<(), StepError> {
    let expect = &step.expect;
    if let Some(wanted) = expect.status
        && wanted != answer.status
    {
        return Err(answer.expected(&format!("status {wanted}")));
    }
    for (name, part) in &expect.headers {
        let value = answer
            .headers
            .get(name.as_str())
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        if !value.to_lowercase().contains(&part.to_lowercase()) {
            return Err(answer.expected(&format!(
                "the header {name} to contain `{part}`, it was `{value}`"
            )));
        }
    }
    if let Some(limit) = expect.max_time
        && answer.elapsed > limit.0
    {
        return Err(StepError::Failed(format!(
            "{}\nexpected a response within {}, it took {} ms",
            answer.shown,
            show_duration(limit.0),
            answer.elapsed.as_millis()
        )));
    }
    let needs_json = expect.json.is_some()
        || expect.json_exact.is_some()
        || !expect.values.is_empty()
        || !expect.types.is_empty()
        || !step.capture.is_empty();
    let Some(json) = &answer.json else {
        return if needs_json {
            Err(answer.expected("a JSON body"))
        } else {
            Ok(())
        };
    };
    judge_json(expect, json, vars).map_err(|expected| answer.expected(&expected))?;
    for (name, path) in &step.capture {
        let steps = jsonpath::parse(path).map_err(|error| format!("{}\n{error}", answer.shown))?;
        match jsonpath::get(json, &steps) {
            Some(value) => {
                vars.insert(name.clone(), value.clone());
            }
            None => {
                return Err(answer.expected(&format!("a value at {path} to keep as `{name}`")));
            }
        }
    }
    Ok(())
}

/// The body, up to a cap, within `timeout`; and whether it came before the
/// time ran out (what came by then is judged).
async fn read_body(mut response: reqwest::Response, timeout: Duration) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    let read = async {
        while let Ok(Some(chunk)) = response.chunk().await {
            let room = BODY_CAP.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if room <= chunk.len() {
                break;
            }
        }
    };
    let whole = tokio::time::timeout(timeout, read).await.is_ok();
    (body, whole)
}

/// Checks the JSON expectations; the error says what was expected.
fn judge_json(expect: &Expect, json: &Value, vars: &BTreeMap<String, Value>) -> Result<(), String> {
    if let Some(wanted) = &expect.json {
        let wanted = substitute_json(wanted, vars);
        if let Some(difference) = first_difference(&wanted, json, "$") {
            return Err(format!(
                "a body containing {}; {difference}",
                shorten(&compact(&wanted))
            ));
        }
    }
    if let Some(wanted) = &expect.json_exact {
        let wanted = substitute_json(wanted, vars);
        if !same(&wanted, json) {
            return Err(format!("the body {}", compact(&wanted)));
        }
    }
    for (path, wanted) in &expect.values {
        let wanted = substitute_json(wanted, vars);
        let steps = jsonpath::parse(path)?;
        match jsonpath::get(json, &steps) {
            Some(value) if same(&wanted, value) => {}
            Some(value) => {
                return Err(format!(
                    "{path} to be {}, it is {}",
                    compact(&wanted),
                    compact(value)
                ));
            }
            None => return Err(format!("{path} to be {}, there is none", compact(&wanted))),
        }
    }
    for (path, kind) in &expect.types {
        let steps = jsonpath::parse(path)?;
        match jsonpath::get(json, &steps) {
            Some(value) if type_matches(kind, value) => {}
            Some(value) => {
                return Err(format!(
                    "{path} to be of type {kind}, it is {} {}",
                    jsonpath::type_name(value),
                    compact(value)
                ));
            }
            None => return Err(format!("{path} to be of type {kind}, there is none")),
        }
    }
    Ok(())
}

fn type_matches(kind: &str, value: &Value) -> bool {
    let actual = jsonpath::type_name(value);
    actual == kind || (kind == "number" && actual == "integer")
}

/// Where `actual` first fails to hold `expected`, said for a learner:
/// `at $.total: expected 25, got 10`.
fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().find_map(|(key, value)| {
            let here = format!("{path}.{key}");
            match a.get(key) {
                Some(other) => first_difference(value, other, &here),
                None => Some(format!("{here} is missing")),
            }
        }),
        (Value::Array(e), Value::Array(a)) if e.len() != a.len() => Some(format!(
            "at {path}: expected {} item{}, got {}",
            e.len(),
            if e.len() == 1 { "" } else { "s" },
            a.len()
        )),
        (Value::Array(e), Value::Array(a)) => e
            .iter()
            .zip(a)
            .enumerate()
            .find_map(|(index, (x, y))| first_difference(x, y, &format!("{path}[{index}]"))),
        _ if same(expected, actual) => None,
        _ => Some(format!(
            "at {path}: expected {}, got {}",
            shorten(&compact(expected)),
            shorten(&compact(actual))
        )),
    }
}

/// Whether `actual` holds at least `expected`.
pub fn subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(key, value)| a.get(key).is_some_and(|other| subset(value, other))),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| subset(x, y))
        }
        _ => same(expected, actual),
    }
}

/// Equality with numbers compared by value (1 equals 1.0).
fn same(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => expected == actual,
    }
}

/// `text` with each `{{name}}` replaced by its captured value.
fn substitute(text: &str, vars: &BTreeMap<String, Value>) -> String {
    let mut out = text.to_owned();
    for name in variables(text) {
        if let Some(value) = vars.get(name) {
            let replacement = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            out = out.replace(&format!("{{{{{name}}}}}"), &replacement);
        }
    }
    out
}

/// A JSON value with `{{name}}` strings replaced; a string that is one
/// variable takes the captured value itself, with its type.
fn substitute_json(value: &Value, vars: &BTreeMap<String, Value>) -> Value {
    match value {
        Value::String(text) => {
            let names = variables(text);
            let whole = names.len() == 1 && text.trim() == format!("{{{{{}}}}}", names[0]);
            match (whole, names.first().and_then(|name| vars.get(*name))) {
                (true, Some(captured)) => captured.clone(),
                _ => Value::String(substitute(text, vars)),
            }
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute_json(v, vars)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute_json(v, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn show_request(request: &Request, path: &str, vars: &BTreeMap<String, Value>) -> String {
    let mut text = format!("{} {path}", request.method);
    if !request.query.is_empty() {
        let pairs: Vec<String> = request
            .query
            .iter()
            .map(|(key, value)| format!("{key}={}", substitute(value, vars)))
            .collect();
        text.push('?');
        text.push_str(&pairs.join("&"));
    }
    if let Some(json) = &request.json {
        text.push(' ');
        text.push_str(&shorten(&compact(&substitute_json(json, vars))));
    } else if let Some(form) = &request.form {
        text.push_str(&format!(
            " (form {})",
            form.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(spec) = &request.jwt {
        let mut kind = vec![];
        if spec.expired {
            kind.push("expired");
        }
        if spec.wrong_key {
            kind.push("signed with another key");
        }
        if spec.tampered {
            kind.push("tampered with");
        }
        let kind = if kind.is_empty() {
            "valid".to_owned()
        } else {
            kind.join(", ")
        };
        text.push_str(&format!(
            " with a {kind} token for `{}`",
            substitute(&spec.sub, vars)
        ));
    } else if request.token.is_some() {
        text.push_str(" with the token");
    }
    text
}

fn compact(value: &Value) -> String {
    value.to_string()
}

fn shorten(text: &str) -> String {
    let text = text.trim();
    if text.len() <= BODY_SHOWN {
        return text.to_owned();
    }
    let mut cut = BODY_SHOWN;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

/// `5s`, or `1500ms` when it is not whole seconds.
pub fn show_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_allows_more_keys_but_not_other_values() {
        assert!(subset(&json!({"a": 1}), &json!({"a": 1.0, "b": 2})));
        assert!(!subset(&json!({"a": 1}), &json!({"a": 2})));
        assert!(!subset(&json!({"a": 1}), &json!({"b": 1})));
        assert!(subset(&json!([{"id": 1}]), &json!([{"id": 1, "x": 0}])));
        assert!(!subset(&json!([{"id": 1}]), &json!([{"id": 1}, {"id": 2}])));
    }

    #[test]
    fn the_first_difference_is_named_by_its_path() {
        let expected = json!({"page": 1, "total": 25, "items": [{"id": 1}, {"id": 2}]});
        let actual = json!({"page": 1, "total": 10, "items": [{"id": 1}, {"id": 2}]});
        assert_eq!(
            first_difference(&expected, &actual, "$").as_deref(),
            Some("at $.total: expected 25, got 10")
        );
        let actual = json!({"page": 1, "total": 25, "items": [{"id": 1}, {"id": 3}]});
        assert_eq!(
            first_difference(&expected, &actual, "$").as_deref(),
            Some("at $.items[1].id: expected 2, got 3")
        );
        assert_eq!(
            first_difference(&json!({"a": 1}), &json!({}), "$").as_deref(),
            Some("$.a is missing")
        );
        assert_eq!(first_difference(&expected, &expected, "$"), None);
    }

    #[test]
    fn variables_keep_their_type_when_they_are_the_whole_value() {
        let vars = BTreeMap::from([
            ("id".to_owned(), json!(7)),
            ("name".to_owned(), json!("ann")),
        ]);
        assert_eq!(
            substitute_json(
                &json!({"id": "{{id}}", "label": "user {{name}} #{{id}}"}),
                &vars
            ),
            json!({"id": 7, "label": "user ann #7"})
        );
        assert_eq!(substitute("/items/{{id}}", &vars), "/items/7");
    }
}
