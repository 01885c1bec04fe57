//! The case files of an api exercise (`tests/*.yaml`, format version 1):
//! scenarios of HTTP steps, each a request, what to expect of the
//! response, and values to capture from it for later steps. Parsed with
//! unknown fields denied and validated like exercise.yaml; documented in
//! `exercises/README.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::api::jsonpath;
use crate::units::HumanDuration;

pub const CASES_VERSION: u32 = 1;
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const TYPES: &[&str] = &[
    "null", "boolean", "integer", "number", "string", "array", "object",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    pub version: u32,
    pub scenarios: Vec<Scenario>,
}

/// One test: steps run in order against the running app; the first that
/// does not get what it expects fails the scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The test's name: lowercase letters, digits and `_`.
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Said in feedback: `step 2 (log in)`.
    #[serde(default)]
    pub name: Option<String>,
    /// Every step but a restart sends one.
    #[serde(default)]
    pub request: Option<Request>,
    /// Stop the app and start it again, then wait until it answers its
    /// readiness path: what it kept is what its services kept.
    #[serde(default)]
    pub restart: bool,
    /// Send the request again until it gets what the step expects, or
    /// this long has passed (a job accepted with 202, finished later).
    #[serde(default)]
    pub poll: Option<Poll>,
    /// Send this many copies of the request, each `CONCURRENT_GAP` after
    /// the one before, without waiting for the answers; every answer must
    /// be what the step expects (an app that serves requests at once).
    #[serde(default)]
    pub concurrent: Option<u32>,
    #[serde(default)]
    pub expect: Expect,
    /// Variable name → JSON path into the response body, for `{{name}}` in
    /// later steps.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
}

/// Most copies a concurrent step sends.
pub const MAX_CONCURRENT: u32 = 16;
/// Time between two copies of a concurrent step's request: long enough
/// for the app to take the one before (a worker busy with it leaves the
/// next to another).
pub const CONCURRENT_GAP: std::time::Duration = std::time::Duration::from_millis(100);

/// How a step polls: its request again every `every` until `within`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Poll {
    pub within: HumanDuration,
    #[serde(default)]
    pub every: Option<HumanDuration>,
}

impl Poll {
    /// Between two requests unless the step says otherwise.
    pub const DEFAULT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

    pub fn every(&self) -> std::time::Duration {
        self.every.map_or(Poll::DEFAULT_EVERY, |every| every.0)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: String,
    /// May hold `{{variables}}`, as may query and header values, the token,
    /// and strings in the body.
    pub path: String,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub json: Option<Value>,
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub body: Option<String>,
    /// Sent as `Authorization: Bearer <token>`.
    #[serde(default)]
    pub token: Option<String>,
    /// A token the grader mints and sends as `Authorization: Bearer`.
    #[serde(default)]
    pub jwt: Option<JwtSpec>,
}

/// A grader-minted HS256 token: `sub`, `iat`, `exp`, and any `claims`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtSpec {
    pub sub: String,
    /// Expired an hour ago instead of valid for an hour.
    #[serde(default)]
    pub expired: bool,
    /// Signed with a key other than the app's `JWT_SECRET`.
    #[serde(default)]
    pub wrong_key: bool,
    /// Its payload edited after signing.
    #[serde(default)]
    pub tampered: bool,
    #[serde(default)]
    pub claims: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: Option<u16>,
    /// Header name → text its value must contain (case-insensitive).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body holds at least this: objects may have more keys; arrays
    /// match element by element and must be as long.
    #[serde(default)]
    pub json: Option<Value>,
    /// The body is exactly this.
    #[serde(default)]
    pub json_exact: Option<Value>,
    /// JSON path → the value there, exactly.
    #[serde(default)]
    pub values: BTreeMap<String, Value>,
    /// JSON path → the type of the value there: null, boolean, integer,
    /// number, string, array, object.
    #[serde(default)]
    pub types: BTreeMap<String, String>,
    /// The response must come within this.
    #[serde(default)]
    pub max_time: Option<HumanDuration>,
}

/// Reads and validates the case file `tests/<file>` of the exercise in
/// `dir` — never through a link, within the cap on an exercise's files
/// (`fsread`), as at load time so at every grading; problems name the
/// field.
pub fn load(dir: &Path, file: &str) -> Result<CaseFile, Vec<String>> {
    let relative = Path::new("tests").join(file);
    let text = crate::fsread::read_to_string_in(dir, &relative, crate::exercise::MAX_EXERCISE_FILE)
        .map_err(|error| vec![format!("read: {}", error.with_cause())])?;
    let cases: CaseFile = serde_saphyr::from_str(&text).map_err(|error| vec![error.to_string()])?;
    let problems = validate(&cases);
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(problems)
    }
}

fn validate(cases: &CaseFile) -> Vec<String> {
    let mut problems = Vec::new();
    if cases.version != CASES_VERSION {
        problems.push(format!(
            "version: expected {CASES_VERSION}, found {}",
            cases.version
        ));
    }
    if cases.scenarios.is_empty() {
        problems.push("scenarios: expected at least one scenario".to_owned());
    }
    let mut names = BTreeSet::new();
    for (index, scenario) in cases.scenarios.iter().enumerate() {
        let field = format!("scenarios[{index}]");
        let valid = !scenario.name.is_empty()
            && scenario.name.len() <= 80
            && scenario
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            problems.push(format!(
                "{field}.name: expected lowercase letters, digits and `_`, found `{}`",
                scenario.name
            ));
        }
        if !names.insert(scenario.name.as_str()) {
            problems.push(format!("{field}.name: `{}` is used twice", scenario.name));
        }
        if scenario.steps.is_empty() {
            problems.push(format!("{field}.steps: expected at least one step"));
        }
        let mut captured: BTreeSet<&str> = BTreeSet::new();
        for (number, step) in scenario.steps.iter().enumerate() {
            let field = format!("{field}.steps[{number}]");
            validate_step(step, &field, &captured, &mut problems);
            captured.extend(step.capture.keys().map(String::as_str));
        }
    }
    problems
}

fn validate_step(step: &Step, field: &str, captured: &BTreeSet<&str>, problems: &mut Vec<String>) {
    if step.restart {
        let extra = step.request.is_some()
            || step.poll.is_some()
            || step.concurrent.is_some()
            || !step.capture.is_empty()
            || expects_anything(&step.expect);
        if extra {
            problems.push(format!(
                "{field}: a restart step takes only `name` and `restart`"
            ));
        }
        return;
    }
    let Some(request) = &step.request else {
        problems.push(format!("{field}: expected a `request`, or `restart: true`"));
        return;
    };
    if let Some(poll) = &step.poll {
        validate_poll(poll, field, problems);
    }
    if let Some(copies) = step.concurrent {
        if !(2..=MAX_CONCURRENT).contains(&copies) {
            problems.push(format!(
                "{field}.concurrent: expected from 2 to {MAX_CONCURRENT} requests"
            ));
        }
        if step.poll.is_some() || !step.capture.is_empty() {
            problems.push(format!(
                "{field}: a concurrent step neither polls nor captures (which answer would it take?)"
            ));
        }
    }
    validate_request(request, field, problems);
    validate_variables(request, field, captured, problems);
    validate_expect(&step.expect, field, problems);
    validate_captures(step, field, problems);
}

/// A poll's window and pace.
fn validate_poll(poll: &Poll, field: &str, problems: &mut Vec<String>) {
    let within = poll.within.0;
    if within < std::time::Duration::from_millis(100) || within > std::time::Duration::from_secs(60)
    {
        problems.push(format!(
            "{field}.poll.within: expected between 100ms and 60s"
        ));
    }
    let every = poll.every();
    if every < std::time::Duration::from_millis(10) || every > within {
        problems.push(format!(
            "{field}.poll.every: expected between 10ms and poll.within"
        ));
    }
}

/// The request's method, path, and at most one body and one credential.
fn validate_request(request: &Request, field: &str, problems: &mut Vec<String>) {
    if !METHODS.contains(&request.method.as_str()) {
        problems.push(format!(
            "{field}.request.method: expected one of {}, found `{}`",
            METHODS.join(", "),
            request.method
        ));
    }
    if !request.path.starts_with('/') {
        problems.push(format!(
            "{field}.request.path: expected a path starting with `/`, found `{}`",
            request.path
        ));
    }
    let bodies = [
        request.json.is_some(),
        request.form.is_some(),
        request.body.is_some(),
    ];
    if bodies.iter().filter(|set| **set).count() > 1 {
        problems.push(format!(
            "{field}.request: expected at most one of json, form, body"
        ));
    }
    if request.token.is_some() && request.jwt.is_some() {
        problems.push(format!(
            "{field}.request: expected at most one of token, jwt"
        ));
    }
}

/// Every `{{variable}}` of the request is captured by an earlier step.
fn validate_variables(
    request: &Request,
    field: &str,
    captured: &BTreeSet<&str>,
    problems: &mut Vec<String>,
) {
    let mut texts: Vec<&str> = vec![&request.path];
    texts.extend(request.query.values().map(String::as_str));
    texts.extend(request.headers.values().map(String::as_str));
    texts.extend(request.token.as_deref());
    texts.extend(request.body.as_deref());
    if let Some(form) = &request.form {
        texts.extend(form.values().map(String::as_str));
    }
    if let Some(jwt) = &request.jwt {
        texts.push(&jwt.sub);
    }
    let mut json_strings = Vec::new();
    if let Some(json) = &request.json {
        strings_in(json, &mut json_strings);
    }
    texts.extend(json_strings.iter().map(|s| s.as_str()));
    for text in texts {
        for name in variables(text) {
            if !captured.contains(name) {
                problems.push(format!(
                    "{field}.request: `{{{{{name}}}}}` is not captured by an earlier step of this scenario"
                ));
            }
        }
    }
}

/// The expectations: a real status, one JSON form, paths and types known.
fn validate_expect(expect: &Expect, field: &str, problems: &mut Vec<String>) {
    if let Some(status) = expect.status
        && !(100..=599).contains(&status)
    {
        problems.push(format!(
            "{field}.expect.status: expected an HTTP status, found {status}"
        ));
    }
    if expect.json.is_some() && expect.json_exact.is_some() {
        problems.push(format!(
            "{field}.expect: expected at most one of json, json_exact"
        ));
    }
    for path in expect.values.keys().chain(expect.types.keys()) {
        if let Err(message) = jsonpath::parse(path) {
            problems.push(format!("{field}.expect: {message}"));
        }
    }
    for (path, kind) in &expect.types {
        if !TYPES.contains(&kind.as_str()) {
            problems.push(format!(
                "{field}.expect.types.{path}: expected one of {}, found `{kind}`",
                TYPES.join(", ")
            ));
        }
    }
}

/// What the step keeps: plain names, valid paths.
fn validate_captures(step: &Step, field: &str, problems: &mut Vec<String>) {
    for (name, path) in &step.capture {
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            problems.push(format!(
                "{field}.capture: expected a name of letters, digits and `_`, found `{name}`"
            ));
        }
        if let Err(message) = jsonpath::parse(path) {
            problems.push(format!("{field}.capture.{name}: {message}"));
        }
    }
}

fn expects_anything(expect: &Expect) -> bool {
    expect.status.is_some()
        || !expect.headers.is_empty()
        || expect.json.is_some()
        || expect.json_exact.is_some()
        || !expect.values.is_empty()
        || !expect.types.is_empty()
        || expect.max_time.is_some()
}

fn strings_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings_in(item, out)),
        Value::Object(map) => map.values().for_each(|item| strings_in(item, out)),
        _ => {}
    }
}

/// The `{{names}}` in `text`.
pub fn variables(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(yaml: &str) -> Vec<String> {
        match serde_saphyr::from_str::<CaseFile>(yaml) {
            Ok(cases) => validate(&cases),
            Err(error) => vec![error.to_string()],
        }
    }

    #[test]
    fn a_good_case_file_has_no_problems() {
        let yaml = r#"
version: 1
scenarios:
  - name: login_then_read
    steps:
      - request: {method: POST, path: /login, json: {username: ann, password: pw}}
        expect: {status: 200, types: {"$.access_token": string}}
        capture: {token: $.access_token}
      - request: {method: GET, path: /me, token: "{{token}}"}
        expect: {status: 200, json: {username: ann}}
"#;
        assert_eq!(problems(yaml), Vec::<String>::new());
    }

    #[test]
    fn mistakes_are_named_with_their_field() {
        let yaml = r#"
version: 1
scenarios:
  - name: Bad Name
    steps:
      - request: {method: FETCH, path: items, json: {}, body: "x", token: "{{nope}}"}
        expect: {status: 999, types: {"$.id": int}}
        capture: {"x-y": "id"}
"#;
        assert_eq!(
            problems(yaml),
            [
                "scenarios[0].name: expected lowercase letters, digits and `_`, found `Bad Name`",
                "scenarios[0].steps[0].request.method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, found `FETCH`",
                "scenarios[0].steps[0].request.path: expected a path starting with `/`, found `items`",
                "scenarios[0].steps[0].request: expected at most one of json, form, body",
                "scenarios[0].steps[0].request: `{{nope}}` is not captured by an earlier step of this scenario",
                "scenarios[0].steps[0].expect.status: expected an HTTP status, found 999",
                "scenarios[0].steps[0].expect.types.$.id: expected one of null, boolean, integer, number, string, array, object, found `int`",
                "scenarios[0].steps[0].capture: expected a name of letters, digits and `_`, found `x-y`",
                "scenarios[0].steps[0].capture.x-y: a JSON path starts with `$`, found `id`",
            ]
        );
    }

    #[test]
    fn restart_poll_and_concurrent_steps_are_checked() {
        let yaml = r#"
version: 1
scenarios:
  - name: ok
    steps:
      - request: {method: POST, path: /jobs}
        expect: {status: 202}
        capture: {id: $.id}
      - restart: true
      - request: {method: GET, path: "/jobs/{{id}}"}
        poll: {within: 5s, every: 100ms}
        expect: {values: {$.status: done}}
  - name: bad
    steps:
      - restart: true
        request: {method: GET, path: /}
      - name: nothing
      - request: {method: GET, path: /}
        poll: {within: 1s, every: 2s}
      - request: {method: GET, path: /}
        concurrent: 1
      - request: {method: GET, path: /}
        concurrent: 2
        capture: {x: $.x}
  - name: at_once
    steps:
      - request: {method: GET, path: /slow}
        concurrent: 3
        expect: {status: 200, max_time: 1500ms}
"#;
        assert_eq!(
            problems(yaml),
            [
                "scenarios[1].steps[0]: a restart step takes only `name` and `restart`",
                "scenarios[1].steps[1]: expected a `request`, or `restart: true`",
                "scenarios[1].steps[2].poll.every: expected between 10ms and poll.within",
                "scenarios[1].steps[3].concurrent: expected from 2 to 16 requests",
                "scenarios[1].steps[4]: a concurrent step neither polls nor captures (which answer would it take?)",
            ]
        );
    }

    #[test]
    fn unknown_fields_are_errors() {
        let yaml = "version: 1\nscenarios:\n  - name: a\n    stepz: []\n";
        let problems = problems(yaml);
        assert!(problems[0].contains("stepz"), "{problems:?}");
    }
}
