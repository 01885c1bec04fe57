//! The learner's page in a real browser (headless Chromium through
//! WebDriver) against a real `grader serve`: sign in, pick an exercise,
//! edit with the keyboard, submit a failing solution, read why; the same
//! on a 390 px phone; a wrong token; an author's figures of the class,
//! which a learner never sees. Screenshots land in
//! `target/page-screenshots/` for a person to look at.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::browser::{Driver, assert_no_horizontal_overflow, console_errors, screenshot};
use crate::support::{Served, learner_token, root, token};

/// How long a grading may take to show up on the page.
const GRADING: Duration = Duration::from_secs(120);
/// How long the page may take to show anything else.
const PAGE: Duration = Duration::from_secs(20);

fn keys(keys: &[Key]) -> String {
    keys.iter().map(|key| char::from(*key)).collect()
}

/// A score as the page writes it: `8`, `0.5`.
fn points(value: &serde_json::Value) -> String {
    let value = value.as_f64().unwrap();
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

async fn text(browser: &Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css} on the page: {error}"))
        .text()
        .await
        .unwrap()
}

/// The element `css` finds, once it is on the page.
async fn wait_for(browser: &Client, css: &str) -> Element {
    browser
        .wait()
        .at_most(PAGE)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css} on the page within {PAGE:?}: {error}"))
}

async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css} on the page: {error}"))
        .click()
        .await
        .unwrap();
}

/// Picks `exercise` in the list and waits for its file's tab.
async fn choose(browser: &Client, exercise: &str, file: &str) {
    browser
        .find(Locator::Id("exercise"))
        .await
        .unwrap()
        .select_by_value(exercise)
        .await
        .unwrap();
    wait_for(browser, &format!("#tabs [role=tab][data-file='{file}']")).await;
}

/// Scrolls the result into view.
async fn show_result(browser: &Client) {
    script(
        browser,
        "document.getElementById('result').scrollIntoView();",
    )
    .await;
}

async fn script(browser: &Client, source: &str) -> serde_json::Value {
    browser.execute(source, vec![]).await.unwrap()
}

/// What the editor holds.
async fn editor_text(browser: &Client) -> String {
    script(
        browser,
        "return document.querySelector('.CodeMirror').CodeMirror.getValue();",
    )
    .await
    .as_str()
    .unwrap()
    .to_owned()
}

/// Types `token` into the sign-in form and sends it with Enter.
async fn sign_in(browser: &Client, token: &str) {
    let field = browser.find(Locator::Id("token")).await.unwrap();
    field.click().await.unwrap();
    field
        .send_keys(&format!("{token}{}", char::from(Key::Enter)))
        .await
        .unwrap();
}

/// Replaces the code in the editor, as a paste would.
async fn paste(browser: &Client, code: &str) {
    browser
        .execute(
            "document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0]);",
            vec![serde_json::Value::from(code)],
        )
        .await
        .unwrap();
}

/// Pastes `code` into the editor, submits it, and waits until the result
/// shows with the summary `outcome` (`passed`, `failed`, `error`).
async fn submit_code(browser: &Client, code: &str, outcome: &str) {
    paste(browser, code).await;
    click(browser, "#submit").await;
    browser
        .wait()
        .at_most(GRADING)
        .for_element(Locator::Css(&format!("#result .summary.{outcome}")))
        .await
        .unwrap_or_else(|error| panic!("no {outcome} result within {GRADING:?}: {error}"));
}

/// The result's summary once the grading shows up.
async fn summary(browser: &Client) -> String {
    browser
        .wait()
        .at_most(GRADING)
        .for_element(Locator::Css("#result .summary"))
        .await
        .unwrap_or_else(|error| panic!("no result on the page within {GRADING:?}: {error}"));
    text(browser, "#result .summary").await
}

/// Waits until the text `css` shows is `expected`: the page fills some
/// parts when an answer arrives, after what the test waited for.
async fn wait_for_text(browser: &Client, css: &str, expected: &str) {
    let started = Instant::now();
    loop {
        let shown = match browser.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if shown == expected {
            return;
        }
        assert!(
            started.elapsed() < PAGE,
            "{css} shows {shown:?}, not {expected:?}, after {PAGE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn no_console_errors(browser: &Client, when: &str) {
    let errors = console_errors(browser).await;
    assert!(
        errors.is_empty(),
        "{when}: the console has errors: {errors:#?}"
    );
}

/// The newest submission of `token`, as the API gives it.
async fn newest(base: &str, token: &str) -> serde_json::Value {
    let list: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/v1/submissions"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list[0].clone()
}

#[tokio::test]
async fn a_learner_submits_a_failing_solution_and_reads_why_on_a_desktop_and_a_phone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let token = learner_token(&db, "ann");
    let served = Served::start(&db, &[]).await;
    let driver = Driver::start().await;

    // At 1280 px.
    let browser = driver.browser(1280, 900, false).await;
    browser.goto(&served.base).await.unwrap();
    sign_in(&browser, &token).await;
    wait_for(&browser, "#exercise option[value='python/fizzbuzz']").await;
    assert!(
        !browser
            .find(Locator::Id("signin"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap(),
        "the sign-in form is gone once signed in"
    );
    let stored = script(
        &browser,
        "return [sessionStorage.getItem('grader-token'), localStorage.getItem('grader-token'), document.cookie];",
    )
    .await;
    assert_eq!(
        stored,
        serde_json::json!([token, null, ""]),
        "the token is kept for this tab only, unless asked to remember it"
    );
    choose(&browser, "python/fizzbuzz", "fizzbuzz.py").await;
    // The statement is rendered, its code highlighted; the visible tests
    // are there to read.
    assert_eq!(text(&browser, "#statement h2").await, "FizzBuzz");
    browser
        .find(Locator::Css("#statement pre code .cm-keyword"))
        .await
        .expect("the statement's Python is highlighted");
    assert!(
        text(&browser, "#visible-tests summary")
            .await
            .contains("tests/test_fizzbuzz.py")
    );
    assert!(
        editor_text(&browser)
            .await
            .contains("raise NotImplementedError"),
        "the editor starts with the starter"
    );

    // A solution that gets 15 wrong, pasted; then a line typed at its end
    // (the empty line after its last newline), indented with Tab; then Esc, Tab leaves the editor for Submit, and Enter
    // presses it.
    let mutant = std::fs::read_to_string(
        root().join("exercises/python/fizzbuzz/mutants/checks-three-first/fizzbuzz.py"),
    )
    .unwrap();
    paste(&browser, &mutant).await;
    click(&browser, ".CodeMirror").await;
    let editor = browser.active_element().await.unwrap();
    editor
        .send_keys(&keys(&[Key::Control, Key::End, Key::Null]))
        .await
        .unwrap();
    editor
        .send_keys(&format!("{}# typed in the browser", char::from(Key::Tab)))
        .await
        .unwrap();
    let code = editor_text(&browser).await;
    assert!(
        code.ends_with("    return result\n    # typed in the browser"),
        "Tab indents by four spaces: {code:?}"
    );
    editor
        .send_keys(&keys(&[Key::Escape, Key::Tab]))
        .await
        .unwrap();
    let focused = script(&browser, "return document.activeElement.id;").await;
    assert_eq!(focused, "submit", "Esc, Tab leaves the editor");
    browser
        .active_element()
        .await
        .unwrap()
        .send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();

    let shown = summary(&browser).await;
    let api = newest(&served.base, &token).await;
    let result = &api["result"];
    assert_eq!(result["status"], "failed", "{api:#}");
    let score = format!(
        "{}/{} points",
        points(&result["score"]),
        points(&result["max_score"])
    );
    assert!(shown.contains(&score), "{shown:?} does not say {score}");
    // The failing visible test comes first, with its message.
    let failing = result["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|test| test["visibility"] == "visible" && test["status"] == "failed")
        .unwrap();
    let first = browser
        .find(Locator::Css("#result .tests li"))
        .await
        .unwrap();
    assert_eq!(
        first.attr("data-status").await.unwrap().as_deref(),
        Some("failed")
    );
    assert_eq!(
        first.attr("data-visibility").await.unwrap().as_deref(),
        Some("visible")
    );
    let first_text = first.text().await.unwrap();
    assert!(
        first_text.contains(failing["name"].as_str().unwrap()),
        "{first_text}"
    );
    let message = failing["message"].as_str().unwrap();
    assert!(
        first_text.contains(message.lines().next().unwrap().trim()),
        "{first_text:?} lacks the message {message:?}"
    );
    // Hidden tests: name and points, never a message.
    let hidden_messages = browser
        .find_all(Locator::Css(
            "#result li[data-visibility=hidden] .test-message",
        ))
        .await
        .unwrap();
    assert!(hidden_messages.is_empty());
    assert!(
        !browser
            .find_all(Locator::Css("#result li[data-visibility=hidden]"))
            .await
            .unwrap()
            .is_empty()
    );
    // Progress came from the event stream, not from polling.
    let requests = script(
        &browser,
        "return performance.getEntriesByType('resource').map((entry) => entry.name);",
    )
    .await;
    let requests: Vec<&str> = requests
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|name| name.as_str())
        .collect();
    assert!(
        requests.iter().any(|name| name.ends_with("/events")),
        "{requests:#?}"
    );
    assert!(
        !requests.iter().any(|name| name.contains("wait=")),
        "{requests:#?}"
    );
    // It is in the history. Reset to the starter, then the submission
    // opened from the history puts its code back.
    let history = text(&browser, "#history").await;
    assert!(history.contains("Failed"), "{history:?}");
    click(&browser, "#reset").await;
    assert!(
        editor_text(&browser)
            .await
            .contains("raise NotImplementedError")
    );
    click(&browser, "#history button").await;
    wait_for(&browser, "#result .load-files")
        .await
        .click()
        .await
        .unwrap();
    assert!(
        editor_text(&browser)
            .await
            .ends_with("# typed in the browser")
    );
    assert_no_horizontal_overflow(&browser, "desktop, with the result").await;
    show_result(&browser).await;
    screenshot(&browser, "desktop-result").await;
    script(&browser, "window.scrollTo(0, 0);").await;
    screenshot(&browser, "desktop-top").await;
    no_console_errors(&browser, "desktop").await;

    // An sql exercise: its file in the editor, highlighted as SQL.
    choose(&browser, "sql/cheap-products", "query.sql").await;
    let keywords = browser
        .find_all(Locator::Css(".CodeMirror-code .cm-keyword"))
        .await
        .unwrap();
    assert!(!keywords.is_empty(), "the query is highlighted as SQL");
    no_console_errors(&browser, "desktop, an sql exercise").await;
    browser.close().await.unwrap();

    // At 390 px, on a touch phone: the exercise from the address, the
    // earlier submission reopened, then a solution that cannot load.
    let phone = driver.browser(390, 844, true).await;
    phone
        .goto(&format!("{}/#python/fizzbuzz", served.base))
        .await
        .unwrap();
    assert_no_horizontal_overflow(&phone, "phone, signed out").await;
    screenshot(&phone, "phone-signin").await;
    sign_in(&phone, &token).await;
    wait_for(&phone, "#history button").await;
    assert_eq!(
        script(&phone, "return document.getElementById('exercise').value;").await,
        "python/fizzbuzz"
    );
    assert_no_horizontal_overflow(&phone, "phone, the exercise").await;
    screenshot(&phone, "phone-exercise").await;
    click(&phone, "#history button").await;
    let reopened = summary(&phone).await;
    assert!(reopened.contains(&score), "{reopened:?}");

    // A tap takes the learner from the statement to the editor.
    click(&phone, "[data-jump=working]").await;
    let top = script(
        &phone,
        "return document.getElementById('working').getBoundingClientRect().top;",
    )
    .await;
    assert!(
        top.as_f64().unwrap().abs() < 2.0,
        "the solution is at the top of the screen: {top}"
    );
    paste(&phone, "def fizzbuzz(n):\n    return [\n").await;
    click(&phone, "#submit").await;
    phone
        .wait()
        .at_most(GRADING)
        .for_element(Locator::Css("#result .summary.error"))
        .await
        .unwrap();
    show_result(&phone).await;
    let error = text(&phone, "#result .summary").await;
    assert!(error.contains("could not be loaded"), "{error:?}");
    assert!(
        error.contains("syntax error"),
        "says what to try: {error:?}"
    );
    assert_no_horizontal_overflow(&phone, "phone, with an error").await;
    screenshot(&phone, "phone-error").await;
    no_console_errors(&phone, "phone").await;
    phone.close().await.unwrap();
}

#[tokio::test]
async fn a_wrong_token_is_answered_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    learner_token(&db, "ann");
    let served = Served::start(&db, &[]).await;
    let driver = Driver::start().await;
    let browser = driver.browser(390, 844, true).await;
    browser.goto(&served.base).await.unwrap();
    sign_in(&browser, "grd_0123456789abcdef").await;
    wait_for(&browser, "#signin-message:not([hidden])").await;
    let message = text(&browser, "#signin-message").await;
    assert!(
        message.contains("That token was not accepted"),
        "{message:?}"
    );
    assert_eq!(
        script(
            &browser,
            "return [document.getElementById('work').hidden, sessionStorage.length, localStorage.length];"
        )
        .await,
        serde_json::json!([true, 0, 0]),
        "nothing is shown or kept for a token that was refused"
    );
    assert_no_horizontal_overflow(&browser, "phone, wrong token").await;
    screenshot(&browser, "phone-wrong-token").await;
    // The only error: the browser's own line about the refused request.
    let errors = console_errors(&browser).await;
    assert!(
        errors.iter().all(|error| error.contains("401")),
        "{errors:#?}"
    );
    browser.close().await.unwrap();
}

/// Regression (issue 26): on a shared computer the page kept the previous
/// learner's drafts and submitted code after sign-out, and the next
/// learner's editor opened with them. Signing out forgets them.
#[tokio::test]
async fn signing_out_forgets_the_learners_drafts_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let ann = learner_token(&db, "ann");
    let bob = learner_token(&db, "bob");
    let served = Served::start(&db, &[]).await;
    let driver = Driver::start().await;
    let browser = driver.browser(1280, 900, false).await;
    browser.goto(&served.base).await.unwrap();
    sign_in(&browser, &ann).await;
    wait_for(&browser, "#work:not([hidden])").await;
    choose(&browser, "python/fizzbuzz", "fizzbuzz.py").await;
    paste(&browser, "# ann's draft, not for bob\n").await;
    let kept = script(
        &browser,
        "return Object.keys(localStorage).filter((key) => key.startsWith('grader-draft:')).length;",
    )
    .await;
    assert_eq!(kept, 1, "the draft is kept while ann works");

    click(&browser, "#signout").await;
    wait_for(&browser, "#signin:not([hidden])").await;
    let left = script(
        &browser,
        "return Object.keys(localStorage).filter((key) => key.startsWith('grader-'));",
    )
    .await;
    assert_eq!(left, serde_json::json!([]), "nothing of ann's is left");

    sign_in(&browser, &bob).await;
    wait_for(&browser, "#work:not([hidden])").await;
    choose(&browser, "python/fizzbuzz", "fizzbuzz.py").await;
    let code = editor_text(&browser).await;
    assert!(!code.contains("ann's draft"), "{code}");
    no_console_errors(&browser, "after sign-out").await;
    browser.close().await.unwrap();
}

/// What Chart.js drew of the class's scores: the learners it counts in
/// each bucket, and whether any pixel of the canvas is painted; null
/// when no chart is on the canvas.
async fn drawn_scores(browser: &Client) -> serde_json::Value {
    script(
        browser,
        "const canvas = document.getElementById('class-scores'); \
         const chart = Chart.getChart(canvas); \
         if (chart === undefined) return null; \
         const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data; \
         return {counts: chart.data.datasets[0].data, painted: pixels.some((value) => value !== 0)};",
    )
    .await
}

/// An author submits a failing solution, then the reference, and the Class
/// section follows: the figures, the scores drawn by Chart.js, the tests
/// failed (a hidden one said to be hidden) and the hint shown. A learner's
/// page, graded result and all, never asks for the figures: no Class
/// section, no refused request in the console.
#[tokio::test]
async fn an_author_reads_the_class_figures_and_a_learner_sees_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let author = token(&db, "pat", "author");
    let learner = learner_token(&db, "ann");
    let served = Served::start(&db, &[]).await;
    let driver = Driver::start().await;

    let browser = driver.browser(1280, 900, false).await;
    browser.goto(&served.base).await.unwrap();
    sign_in(&browser, &author).await;
    wait_for(&browser, "#exercise option[value='python/fizzbuzz']").await;
    choose(&browser, "python/fizzbuzz", "fizzbuzz.py").await;

    // A solution that gets 15 wrong: the mistake the exercise knows, with
    // its hint.
    let mutant = std::fs::read_to_string(
        root().join("exercises/python/fizzbuzz/mutants/checks-three-first/fizzbuzz.py"),
    )
    .unwrap();
    submit_code(&browser, &mutant, "failed").await;
    // An author's page (GET /v1/me said so) shows the figures, and asks
    // again after each result.
    wait_for(&browser, "#class-stats[data-state=shown]").await;
    wait_for_text(&browser, "#class-submissions", "1").await;
    assert_eq!(text(&browser, "#class-learners").await, "1");
    assert_eq!(text(&browser, "#class-passing").await, "0%");
    assert_eq!(
        text(&browser, "#class-attempts").await,
        "—",
        "no learner has passed yet"
    );
    let api = newest(&served.base, &author).await;
    let result = &api["result"];
    assert_eq!(result["status"], "failed", "{api:#}");
    let failed: Vec<&str> = result["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|test| test["status"] == "failed" && test.get("parent").is_none())
        .map(|test| test["name"].as_str().unwrap())
        .collect();
    assert!(!failed.is_empty(), "{api:#}");
    let listed = text(&browser, "#class-failed").await;
    for name in &failed {
        assert!(listed.contains(name), "{listed:?} does not name {name:?}");
    }
    assert!(
        !browser
            .find_all(Locator::Css(
                "#class-failed li[data-visibility=hidden] .hidden-note"
            ))
            .await
            .unwrap()
            .is_empty(),
        "a hidden test failed, and is said to be hidden: {listed:?}"
    );
    let hint = result["hints"][0]
        .as_str()
        .unwrap_or_else(|| panic!("the mutant's hint is in the result: {api:#}"));
    let hints = text(&browser, "#class-hints").await;
    assert!(hints.contains(hint), "{hints:?} lacks {hint:?}");

    // The reference: passed at the second attempt.
    let reference =
        std::fs::read_to_string(root().join("exercises/python/fizzbuzz/reference/fizzbuzz.py"))
            .unwrap();
    wait_for(&browser, "#submit:not([disabled])").await;
    submit_code(&browser, &reference, "passed").await;
    wait_for_text(&browser, "#class-submissions", "2").await;
    assert_eq!(text(&browser, "#class-learners").await, "1");
    assert_eq!(text(&browser, "#class-passing").await, "100%");
    assert_eq!(text(&browser, "#class-attempts").await, "2");
    let listed = text(&browser, "#class-failed").await;
    assert!(
        failed.iter().any(|name| listed.contains(name)),
        "the tests failed on the way are still counted: {listed:?}"
    );
    let drawn = drawn_scores(&browser).await;
    assert_eq!(
        drawn,
        serde_json::json!({"counts": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "painted": true}),
        "Chart.js drew the one learner at 100%"
    );
    assert_no_horizontal_overflow(&browser, "desktop, the class").await;
    script(
        &browser,
        "document.getElementById('class-stats').scrollIntoView();",
    )
    .await;
    screenshot(&browser, "desktop-class").await;
    no_console_errors(&browser, "desktop, the class").await;
    browser.close().await.unwrap();

    // The same figures on a 390 px phone.
    let phone = driver.browser(390, 844, true).await;
    phone
        .goto(&format!("{}/#python/fizzbuzz", served.base))
        .await
        .unwrap();
    sign_in(&phone, &author).await;
    wait_for(&phone, "#class-stats[data-state=shown]").await;
    wait_for_text(&phone, "#class-submissions", "2").await;
    assert_eq!(
        drawn_scores(&phone).await["painted"],
        true,
        "the chart is drawn on a phone too"
    );
    assert_no_horizontal_overflow(&phone, "phone, the class").await;
    click(&phone, "[data-jump=class-stats]").await;
    screenshot(&phone, "phone-class").await;
    no_console_errors(&phone, "phone, the class").await;
    phone.close().await.unwrap();

    // A learner submits too: the page never asks for the figures.
    let browser = driver.browser(1280, 900, false).await;
    browser.goto(&served.base).await.unwrap();
    sign_in(&browser, &learner).await;
    wait_for(&browser, "#exercise option[value='python/fizzbuzz']").await;
    choose(&browser, "python/fizzbuzz", "fizzbuzz.py").await;
    submit_code(&browser, &reference, "passed").await;
    // Submit is enabled again once the page has done all it does after a
    // result, asking for the figures included.
    wait_for(&browser, "#submit:not([disabled])").await;
    choose(&browser, "sql/cheap-products", "query.sql").await;
    assert_eq!(
        script(
            &browser,
            "return [document.getElementById('class-stats').hidden, \
             document.getElementById('class-jump').hidden, \
             performance.getEntriesByType('resource') \
               .filter((entry) => entry.name.endsWith('/stats')).length];",
        )
        .await,
        serde_json::json!([true, true, 0]),
        "no Class section for a learner, and no request for it"
    );
    no_console_errors(&browser, "a learner, after a result").await;
    browser.close().await.unwrap();
}

/// A git exercise's file is a bundle, uploaded whole: its tab shows a file
/// picker and the starter to download (the starter's own bytes), the page
/// sends the chosen bundle base64-encoded, and the service grades it.
#[tokio::test]
async fn a_learner_uploads_a_git_bundle_and_it_is_graded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let ann = learner_token(&db, "ann");
    let served = Served::start(&db, &[]).await;
    let driver = Driver::start().await;
    let browser = driver.browser(1280, 900, false).await;
    browser.goto(&served.base).await.unwrap();
    sign_in(&browser, &ann).await;
    wait_for(&browser, "#work:not([hidden])").await;
    choose(&browser, "shell/merge-feature", "repo.bundle").await;
    wait_for(&browser, "#upload:not([hidden]) input[type=file]").await;
    wait_for(&browser, "#editor[hidden]").await;
    wait_for(&browser, "#editor-hint[hidden]").await;
    assert!(
        text(&browser, "#upload-chosen")
            .await
            .contains("Nothing chosen"),
        "{}",
        text(&browser, "#upload").await
    );

    let exercise = root().join("exercises/shell/merge-feature");
    let starter = std::fs::read(exercise.join("starter/repo.bundle")).unwrap();
    let link = script(
        &browser,
        "const link = document.querySelector('#upload a[download]'); \
         return link && [link.getAttribute('download'), link.href];",
    )
    .await;
    let href = link[1].as_str().expect("a link to download the starter");
    assert_eq!(link[0], "repo.bundle");
    let encoded = href
        .strip_prefix("data:application/octet-stream;base64,")
        .unwrap();
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
        starter,
        "the starter to download is the starter's own bytes"
    );

    // Submitting with nothing chosen says what is missing, and sends nothing.
    click(&browser, "#submit").await;
    wait_for_text(
        &browser,
        "#progress",
        "Choose a file for repo.bundle first.",
    )
    .await;

    let reference = exercise.join("reference/repo.bundle");
    browser
        .find(Locator::Id("upload-input"))
        .await
        .unwrap()
        .send_keys(reference.to_str().unwrap())
        .await
        .unwrap();
    let size = std::fs::metadata(&reference).unwrap().len();
    wait_for_text(
        &browser,
        "#upload-chosen",
        &format!("Chosen: repo.bundle, {size} bytes."),
    )
    .await;
    click(&browser, "#submit").await;
    browser
        .wait()
        .at_most(GRADING)
        .for_element(Locator::Css("#result .summary.passed"))
        .await
        .unwrap_or_else(|error| panic!("no passed result within {GRADING:?}: {error}"));
    let newest = newest(&served.base, &ann).await;
    assert_eq!(newest["result"]["score"], newest["result"]["max_score"]);
    no_console_errors(&browser, "after an upload").await;
    screenshot(&browser, "upload-bundle").await;
    browser.close().await.unwrap();
}

/// An author sees which learners' submissions are alike, and opens a pair
/// side by side with the matching lines marked.
#[tokio::test]
async fn an_author_opens_two_similar_submissions_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("grader.db");
    let author = token(&db, "pat", "author");
    let ann = learner_token(&db, "ann");
    let bob = learner_token(&db, "bob");
    let served = Served::start(&db, &[]).await;
    let reference =
        std::fs::read_to_string(root().join("exercises/python/fizzbuzz/reference/fizzbuzz.py"))
            .unwrap();
    let copied = format!("# all mine\n{}", reference.replace("result", "out"));
    for (token, code) in [(&ann, &reference), (&bob, &copied)] {
        let response = reqwest::Client::new()
            .post(format!("{}/v1/submissions?wait=60", served.base))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "exercise": "python/fizzbuzz",
                "files": {"fizzbuzz.py": code},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }
    let driver = Driver::start().await;
    let browser = driver.browser(1280, 900, false).await;
    browser.goto(&served.base).await.unwrap();
    sign_in(&browser, &author).await;
    wait_for(&browser, "#exercise option[value='python/fizzbuzz']").await;
    choose(&browser, "python/fizzbuzz", "fizzbuzz.py").await;
    wait_for(&browser, "#class-similar li button").await;
    assert!(text(&browser, "#class-similar").await.contains('%'));
    click(&browser, "#class-similar li button").await;
    wait_for(&browser, "#class-side:not([hidden])").await;
    let marked = script(
        &browser,
        "return [document.querySelectorAll('#class-side-a .match').length, \
                 document.querySelectorAll('#class-side-b .match').length, \
                 document.getElementById('class-side-b').textContent.includes('# all mine')];",
    )
    .await;
    assert!(marked[0].as_u64().unwrap() > 3, "{marked}");
    assert!(marked[1].as_u64().unwrap() > 3, "{marked}");
    assert_eq!(marked[2], true, "{marked}");
    assert_no_horizontal_overflow(&browser, "desktop, similar submissions").await;
    no_console_errors(&browser, "desktop, similar submissions").await;
    browser.close().await.unwrap();
}
