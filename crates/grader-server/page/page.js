// The learner's page: sign in with a token, pick an exercise, read its
// statement and visible tests, edit the files (CodeMirror 5), submit,
// follow the grading live (the API's server-sent events), read the result
// grouped by task, and reopen earlier submissions. An author or admin also
// sees how the class does on the exercise (a chart drawn by Chart.js).
//
// It only calls the /v1 API. The token lives in this browser alone:
// sessionStorage, or localStorage when "Remember on this device" is ticked.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = "grader-token";

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || "",
    exercises: [],
    exercise: null, // the detail of the exercise shown
    docs: new Map(), // file name -> CodeMirror.Doc
    uploads: new Map(), // binary file name -> { base64, label, size } the learner chose
    active: null, // the file shown in the editor
    editor: null,
    following: null, // AbortController of the submission being followed
    opened: null, // id of the submission whose result is shown
    seesAll: false, // an author's or admin's token (GET /v1/me)
    classRefused: false, // the service said 403 to this token's figures
    chart: null, // the Chart of the class's scores, once drawn
  };

  // --- small helpers ---------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  const points = (value) => String(Math.round(value * 100) / 100);
  const percent = (share) => Math.round(share * 100) + "%";

  /// The API's address of the exercise `id` (`<track>/<slug>`).
  const exercisePath = (id) => "/v1/exercises/" + id.split("/").map(encodeURIComponent).join("/");

  class ApiError extends Error {
    constructor(status, code, message, retryAfter) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  async function api(path, options = {}) {
    let response;
    try {
      response = await fetch(path, {
        ...options,
        headers: { Authorization: "Bearer " + state.token, ...(options.headers || {}) },
      });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, "network", "the grader could not be reached; check your connection and try again");
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const message = (body && body.message) || response.statusText || "the request failed";
      throw new ApiError(response.status, body && body.error, message, response.headers.get("Retry-After"));
    }
    return body;
  }

  /// What went wrong with a request, for a person.
  function explain(error) {
    if (!(error instanceof ApiError)) return String(error.message || error);
    switch (error.status) {
      case 401:
        return "Your token was not accepted. Sign out and sign in again with the token your course gave you.";
      case 413:
        return "Your files are too large to send. " + error.message + ".";
      case 422:
        return "The files were not accepted: " + error.message + ".";
      case 429:
      case 503:
        return "The grader is busy: " + error.message + ".";
      default:
        return error.message.charAt(0).toUpperCase() + error.message.slice(1) + ".";
    }
  }

  function modeFor(name) {
    if (/\.py$/i.test(name)) return "python";
    if (/\.sql$/i.test(name)) return "text/x-sql";
    return null;
  }

  function modeForLanguage(language) {
    switch ((language || "").toLowerCase()) {
      case "python": case "py": case "python3": case "pycon": return "python";
      case "sql": case "sqlite": case "postgresql": case "psql": return "text/x-sql";
      default: return null;
    }
  }

  /// Highlights the text of `code` in place (CodeMirror's runmode).
  function highlight(code, mode) {
    if (!mode || !window.CodeMirror || !CodeMirror.runMode) return;
    const text = code.textContent;
    code.textContent = "";
    CodeMirror.runMode(text, mode, code);
    code.parentElement.classList.add("cm-s-default");
  }

  // --- signing in ------------------------------------------------------

  function showSigninMessage(text) {
    const message = $("signin-message");
    message.textContent = text;
    message.hidden = !text;
  }

  function setSignedIn(signedIn) {
    $("signin").hidden = signedIn;
    $("signedin").hidden = !signedIn;
    $("work").hidden = !signedIn;
  }

  async function signIn(token, remember, saved) {
    state.token = token;
    showSigninMessage("");
    $("load").disabled = true;
    try {
      state.exercises = await api("/v1/exercises");
    } catch (error) {
      state.token = "";
      if (saved) forgetToken();
      if (error instanceof ApiError && error.status === 401) {
        showSigninMessage(
          (saved ? "Your saved token is no longer accepted. " : "That token was not accepted. ") +
            "Check that you copied all of it (it starts with grd_), or ask your course for a new one.",
        );
      } else {
        showSigninMessage("Could not load the exercises: " + explain(error));
      }
      $("token").focus();
      return;
    } finally {
      $("load").disabled = false;
    }
    try {
      const me = await api("/v1/me");
      state.seesAll = me.role === "author" || me.role === "admin";
    } catch (error) {
      // Without it the page is the learner's, which it is for most.
      state.seesAll = false;
    }
    if (!saved) {
      forgetToken();
      (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
    }
    $("token").value = "";
    setSignedIn(true);
    fillExercises();
    const wanted = decodeURIComponent(location.hash.slice(1));
    const known = state.exercises.find((exercise) => exercise.id === wanted);
    const first = known || state.exercises[0];
    if (!first) {
      $("statement").textContent = "There are no exercises on this grader yet.";
      return;
    }
    $("exercise").value = first.id;
    await showExercise(first.id);
  }

  function forgetToken() {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
  }

  // Signing out forgets the learner's work in this browser too: on a
  // shared computer the next learner's editor must not open with it.
  function forgetWork() {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("grader-draft:") || key === SUBMITTED_KEY) localStorage.removeItem(key);
    }
    state.docs = new Map();
    state.uploads = new Map();
    if (state.editor) state.editor.swapDoc(CodeMirror.Doc(""));
  }

  function fillExercises() {
    const tracks = new Map();
    for (const exercise of state.exercises) {
      const track = exercise.id.split("/")[0];
      if (!tracks.has(track)) tracks.set(track, []);
      tracks.get(track).push(exercise);
    }
    $("exercise").replaceChildren(
      ...[...tracks].map(([track, exercises]) =>
        el("optgroup", { label: track },
          ...exercises.map((exercise) =>
            el("option", { value: exercise.id, text: `${exercise.title} (${exercise.difficulty})` }))),
      ),
    );
  }

  // --- one exercise ----------------------------------------------------

  function stopFollowing() {
    if (state.following) state.following.abort();
    state.following = null;
  }

  async function showExercise(id) {
    stopFollowing();
    history.replaceState(null, "", "#" + id);
    $("progress").replaceChildren();
    $("result").replaceChildren();
    state.opened = null;
    let exercise;
    try {
      exercise = await api(exercisePath(id));
    } catch (error) {
      $("statement").replaceChildren(el("p", { class: "message", text: "Could not load this exercise: " + explain(error) }));
      return;
    }
    state.exercise = exercise;
    const tags = exercise.tags.length ? " · " + exercise.tags.join(", ") : "";
    $("meta").textContent = `${exercise.kind} · ${exercise.difficulty}${tags}`;
    // Rendered and made safe by the service (raw HTML shown as text, only
    // safe link schemes), and the page's policy runs no inline script.
    $("statement").innerHTML = exercise.statement_html;
    for (const code of $("statement").querySelectorAll("pre > code")) {
      const language = /language-([\w+-]+)/.exec(code.className);
      highlight(code, modeForLanguage(language && language[1]));
    }
    showVisibleTests(exercise);
    setUpEditor(exercise);
    await refreshHistory();
    await refreshClass();
  }

  function showVisibleTests(exercise) {
    const files = Object.entries(exercise.visible_tests);
    const box = $("visible-tests");
    if (!files.length) {
      box.replaceChildren();
      return;
    }
    box.replaceChildren(
      el("h2", { text: "Visible tests" }),
      el("p", { class: "muted small", text: "Your code is graded by these tests and by hidden ones; for a hidden test you see its name and points." }),
      ...files.map(([path, text], index) => {
        const code = el("code", { text });
        const details = el("details", { open: index === 0 },
          el("summary", { text: path }),
          el("pre", { class: "code", tabindex: "0", "aria-label": path }, code));
        highlight(code, modeFor(path));
        return details;
      }),
    );
  }

  function draftKey(name) {
    return `grader-draft:${state.exercise.id}:${name}`;
  }

  function setUpEditor(exercise) {
    if (!state.editor) createEditor();
    state.docs = new Map();
    state.uploads = new Map();
    for (const file of exercise.files) {
      // A binary file (a git bundle) is uploaded whole, never edited.
      if (file.binary) continue;
      const starter = exercise.starter[file.name] || "";
      const draft = localStorage.getItem(`grader-draft:${exercise.id}:${file.name}`);
      const doc = CodeMirror.Doc(draft !== null ? draft : starter, modeFor(file.name));
      doc.on("change", () => {
        localStorage.setItem(`grader-draft:${exercise.id}:${file.name}`, doc.getValue());
      });
      state.docs.set(file.name, doc);
    }
    $("tabs").replaceChildren(
      ...exercise.files.map((file, index) =>
        el("button", {
          type: "button",
          role: "tab",
          id: "tab-" + index,
          "aria-controls": file.binary ? "upload" : "editor",
          "data-file": file.name,
          title: `${file.name}, at most ${file.max_size} bytes`,
          text: file.name,
          onclick: () => showFile(file.name),
          onkeydown: (event) => moveBetweenTabs(event, index),
        })),
    );
    showFile(exercise.files[0].name);
  }

  function moveBetweenTabs(event, index) {
    const tabs = [...$("tabs").children];
    let next = null;
    if (event.key === "ArrowRight") next = (index + 1) % tabs.length;
    if (event.key === "ArrowLeft") next = (index - 1 + tabs.length) % tabs.length;
    if (next === null) return;
    event.preventDefault();
    tabs[next].focus();
    tabs[next].click();
  }

  function showFile(name) {
    state.active = name;
    const binary = !state.docs.has(name);
    $("editor").hidden = binary;
    $("editor-hint").hidden = binary;
    $("upload").hidden = !binary;
    for (const tab of $("tabs").children) {
      const selected = tab.dataset.file === name;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected) $(binary ? "upload" : "editor").setAttribute("aria-labelledby", tab.id);
    }
    if (binary) {
      showUpload(name);
      return;
    }
    state.editor.swapDoc(state.docs.get(name));
    state.editor.getInputField().setAttribute("aria-label", `Code of ${name}`);
    state.editor.refresh();
  }

  /// A binary file's panel: what is chosen, a file picker, and the
  /// starter to download when there is one.
  function showUpload(name) {
    const file = state.exercise.files.find((candidate) => candidate.name === name);
    const chosen = state.uploads.get(name);
    const starter = state.exercise.starter[name];
    const parts = [
      el("p", { text: `${name} is a file you upload, not one you edit here (at most ${file.max_size} bytes).` }),
      el("label", { for: "upload-input", text: `Choose ${name}: ` }),
      el("input", { type: "file", id: "upload-input", onchange: (event) => choose(name, event.target.files[0]) }),
      el("p", { id: "upload-chosen", text: chosen ? `Chosen: ${chosen.label}, ${chosen.size} bytes.` : "Nothing chosen yet." }),
    ];
    if (starter && typeof starter === "object" && starter.base64) {
      parts.push(el("p", {}, el("a", {
        href: "data:application/octet-stream;base64," + starter.base64,
        download: name,
        text: `Download the starter ${name}`,
      })));
    }
    $("upload").replaceChildren(...parts);
  }

  async function choose(name, picked) {
    if (!picked) return;
    const bytes = new Uint8Array(await picked.arrayBuffer());
    let text = "";
    for (let at = 0; at < bytes.length; at += 0x8000) {
      text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
    }
    state.uploads.set(name, { base64: btoa(text), label: picked.name, size: bytes.length });
    showUpload(name);
  }

  function createEditor() {
    // Esc then Tab leaves the editor; Tab alone indents.
    let leaving = false;
    state.editor = CodeMirror($("editor"), {
      lineNumbers: true,
      indentUnit: 4,
      tabSize: 4,
      indentWithTabs: false,
      matchBrackets: true,
      viewportMargin: Infinity,
      extraKeys: {
        Tab: (cm) => {
          if (cm.somethingSelected()) cm.indentSelection("add");
          else cm.execCommand("insertSoftTab");
        },
        "Shift-Tab": (cm) => cm.indentSelection("subtract"),
      },
    });
    state.editor.on("keydown", (cm, event) => {
      if (event.key === "Tab" && leaving) {
        event.codemirrorIgnore = true;
        leaving = false;
        return;
      }
      leaving = event.key === "Escape";
    });
  }

  function resetFile() {
    const name = state.active;
    if (!state.docs.has(name)) {
      state.uploads.delete(name);
      showUpload(name);
      return;
    }
    const doc = state.docs.get(name);
    doc.setValue(state.exercise.starter[name] || "");
    localStorage.removeItem(draftKey(name));
    $("progress").replaceChildren(
      el("span", { text: `${name} is back to the starter. Ctrl+Z in the editor brings your code back.` }));
  }

  // --- submitting and following ---------------------------------------

  const WORDS = {
    queued: "Queued: waiting for a free grader…",
    running: "Running the tests…",
  };

  function showProgress(status, position) {
    if (status === "done") {
      $("progress").replaceChildren();
      return;
    }
    let words = WORDS[status] || status;
    if (status === "queued" && position === 1) words = "Queued: next to be graded…";
    else if (status === "queued" && position > 1) words = `Queued: ${position - 1} ahead of yours…`;
    $("progress").replaceChildren(
      el("span", { class: "spinner", "aria-hidden": "true" }),
      el("span", { text: words }));
  }

  async function submit() {
    if (!state.exercise) return;
    stopFollowing();
    const files = {};
    for (const [name, doc] of state.docs) files[name] = doc.getValue();
    for (const file of state.exercise.files.filter((candidate) => candidate.binary)) {
      const chosen = state.uploads.get(file.name);
      if (!chosen) {
        $("progress").replaceChildren(el("span", { class: "message", text: `Choose a file for ${file.name} first.` }));
        return;
      }
      files[file.name] = { base64: chosen.base64 };
    }
    const exerciseId = state.exercise.id;
    $("submit").disabled = true;
    $("result").replaceChildren();
    $("progress").replaceChildren(el("span", { class: "spinner", "aria-hidden": "true" }), el("span", { text: "Sending…" }));
    let submission;
    try {
      submission = await api("/v1/submissions", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ exercise: exerciseId, files }),
      });
    } catch (error) {
      $("progress").replaceChildren(el("span", { class: "message", text: "Not submitted. " + explain(error) }));
      $("submit").disabled = false;
      return;
    }
    state.opened = submission.id;
    keepSubmitted(submission.id, files);
    await refreshHistory();
    await followAndShow(submission);
    $("submit").disabled = false;
  }

  async function followAndShow(submission) {
    const controller = new AbortController();
    state.following = controller;
    showProgress(submission.status, submission.queue_position);
    let done = submission;
    try {
      if (submission.status !== "done") done = await follow(submission.id, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) return;
      $("progress").replaceChildren(el("span", { class: "message",
        text: `Submitted, but its progress could not be read: ${explain(error)} It is still graded: open it from your submissions below.` }));
      return;
    }
    if (controller.signal.aborted) return;
    state.following = null;
    showProgress("done");
    showResult(done);
    await refreshHistory();
    await refreshClass();
    $("result").focus();
  }

  /// Follows `id` through the event stream until its result; polls if the
  /// stream breaks.
  async function follow(id, signal) {
    try {
      const response = await fetch(`/v1/submissions/${encodeURIComponent(id)}/events`, {
        headers: { Authorization: "Bearer " + state.token, Accept: "text/event-stream" },
        signal,
      });
      if (response.ok && response.body) {
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = parseEvent(block);
            if (event.type === "status") {
              const data = JSON.parse(event.data);
              showProgress(data.status, data.queue_position);
            }
            if (event.type === "result") {
              reader.cancel().catch(() => {});
              return JSON.parse(event.data);
            }
          }
        }
      }
    } catch (error) {
      if (signal.aborted) throw error;
    }
    for (;;) {
      const view = await api(`/v1/submissions/${encodeURIComponent(id)}?wait=20`, { signal });
      if (view.status === "done") return view;
      showProgress(view.status, view.queue_position);
    }
  }

  function parseEvent(block) {
    let type = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") type = value;
      if (field === "data") data.push(value);
    }
    return { type, data: data.join("\n") };
  }

  // --- the result -------------------------------------------------------

  const ERRORS = {
    timeout: ["Your code ran out of time",
      "The run went past the exercise's time limit and was stopped. Look for a loop that never ends, or work repeated far more often than needed, then submit again."],
    memory: ["Your code ran out of memory",
      "The run used more memory than the exercise allows and was stopped. Look for a list or string that grows without end, or a recursion that never stops."],
    output_limit: ["Your code printed too much",
      "The run printed more than the exercise allows and was stopped. Remove print calls, above all inside loops."],
    crashed: ["Your code could not be loaded, or stopped before the tests ended",
      "Read the message below: it is often a syntax error, a misspelt name or an import that fails. Running the visible tests on your own machine shows the whole traceback."],
    invalid_submission: ["These files were not accepted",
      "A file is missing, unexpected or too large. Submit exactly the files the exercise asks for."],
    infra: ["The grader had a problem on its side",
      "This is not your doing, and this attempt does not count. Submit again in a minute."],
  };

  const STATUS_WORDS = { passed: "Passed", failed: "Failed", error: "Error", skipped: "Skipped" };

  function showResult(view) {
    const result = view.result;
    const box = $("result");
    if (!result) {
      box.replaceChildren();
      return;
    }
    const score = `${points(result.score)}/${points(result.max_score)} points`;
    const failing = result.tests.filter((test) => test.status === "failed" || test.status === "error").length;
    const parts = [];
    if (result.status === "passed") {
      parts.push(el("div", { class: "summary passed" },
        el("strong", { text: `All ${result.tests.length} tests passed: ${score}` })));
    } else if (result.status === "failed") {
      // Hints from the exercise's known mistakes, as text (never HTML).
      const hints = (result.hints || []).map((hint) => el("p", { class: "hint", text: `Hint: ${hint}` }));
      parts.push(el("div", { class: "summary failed" },
        el("strong", { text: `${failing} of ${result.tests.length} tests did not pass: ${score}` }),
        ...hints,
        el("p", { text: "The failing visible tests come first, with what went wrong." })));
    } else {
      const kind = result.error ? result.error.kind : "crashed";
      const [title, advice] = ERRORS[kind] || ["Your submission could not be graded", ""];
      parts.push(el("div", { class: "summary error" },
        el("strong", { text: `${title}: ${score}` }),
        el("p", { text: advice }),
        result.error && result.error.message ? el("pre", { text: result.error.message }) : null));
    }
    // Code that cannot load gives every test one message: say it once.
    const messages = new Set(result.tests.filter((test) => test.message).map((test) => test.message));
    const shared = result.tests.length > 1 && messages.size === 1 &&
      result.tests.every((test) => test.message || test.visibility === "hidden") ? [...messages][0] : null;
    if (shared) parts.push(el("p", { class: "shared-message", text: `Every test: ${shared}` }));
    parts.push(...groupByTask(result.tests).map((group) => renderTask(group, shared)));
    const files = submitted(view.id);
    if (files) {
      parts.push(el("button", {
        type: "button", class: "quiet load-files",
        text: "Put this submission's code back in the editor",
        onclick: () => loadFiles(files),
      }));
    }
    box.replaceChildren(
      el("h2", { text: `Result of ${new Date(view.created_at * 1000).toLocaleString()}` }),
      ...parts);
  }

  function groupByTask(tests) {
    const groups = new Map();
    for (const test of tests) {
      const task = test.task === undefined || test.task === null ? null : test.task;
      if (!groups.has(task)) groups.set(task, []);
      groups.get(task).push(test);
    }
    const keys = [...groups.keys()].sort((a, b) => (a === null) - (b === null) || a - b);
    const failing = (test) => test.status === "failed" || test.status === "error";
    const rank = (test) => (failing(test) ? (test.visibility === "visible" ? 0 : 1) : 2);
    return keys.map((task) => ({
      task,
      titled: keys.length > 1 || task !== null,
      // A stable sort: within a rank, the order of the test files.
      tests: groups.get(task).slice().sort((a, b) => rank(a) - rank(b)),
    }));
  }

  function renderTask(group, shared) {
    const score = group.tests.reduce((sum, test) => sum + test.score, 0);
    const max = group.tests.reduce((sum, test) => sum + test.max_score, 0);
    const title = group.task === null ? (group.titled ? "Other tests" : "Tests") : `Task ${group.task}`;
    return el("section", { class: "task" },
      el("h3", {}, el("span", { text: title }), el("span", { class: "points", text: `${points(score)}/${points(max)}` })),
      el("ul", { class: "tests" }, ...group.tests.map((test) => renderTest(test, shared))));
  }

  function renderTest(test, shared) {
    const hidden = test.visibility === "hidden";
    const status = STATUS_WORDS[test.status] || test.status;
    const item = el("li", { class: "test", "data-status": test.status, "data-visibility": test.visibility },
      el("div", { class: "line" },
        el("span", { class: "badge " + test.status, text: status }),
        el("span", { class: "name", text: test.name },
          hidden ? el("span", { class: "muted hidden-note", text: " (hidden test)" }) : null),
        el("span", { class: "points", "aria-label": `${points(test.score)} of ${points(test.max_score)} points`,
          text: `${points(test.score)}/${points(test.max_score)}` })));
    if (test.message && test.message !== shared) item.append(el("pre", { class: "test-message", text: test.message }));
    if (test.output && test.output.text) {
      item.append(el("details", {},
        el("summary", { text: test.output.truncated ? "What it printed (cut)" : "What it printed" }),
        el("pre", { text: test.output.text })));
    }
    return item;
  }

  // The API gives a submission's result, not its files: this browser
  // keeps the code of the last submissions it sent, to put one back.
  const SUBMITTED_KEY = "grader-submitted";
  const KEEP_SUBMITTED = 30;

  function keepSubmitted(id, files) {
    let kept = [];
    try {
      kept = JSON.parse(localStorage.getItem(SUBMITTED_KEY)) || [];
    } catch (_) {
      kept = [];
    }
    // Text only: a binary file would crowd the browser's storage out.
    const text = Object.fromEntries(Object.entries(files).filter(([, body]) => typeof body === "string"));
    kept.unshift({ id, files: text });
    try {
      localStorage.setItem(SUBMITTED_KEY, JSON.stringify(kept.slice(0, KEEP_SUBMITTED)));
    } catch (_) {
      // Storage full or refused: the code is simply not kept.
    }
  }

  function submitted(id) {
    try {
      const kept = JSON.parse(localStorage.getItem(SUBMITTED_KEY)) || [];
      const entry = kept.find((entry) => entry.id === id);
      return entry ? entry.files : null;
    } catch (_) {
      return null;
    }
  }

  function loadFiles(files) {
    for (const [name, text] of Object.entries(files)) {
      const doc = state.docs.get(name);
      if (doc && typeof text === "string") doc.setValue(text);
    }
    $("progress").replaceChildren(el("span", { text: "That submission's code is in the editor. Ctrl+Z brings back what was there." }));
    state.editor.focus();
  }

  // --- history ------------------------------------------------------------

  function describe(view) {
    if (view.status === "queued") return ["queued", "Queued"];
    if (view.status === "running") return ["running", "Grading…"];
    const result = view.result;
    if (!result) return ["error", "Done"];
    const score = `${points(result.score)}/${points(result.max_score)}`;
    if (result.status === "error") {
      const kind = result.error ? result.error.kind.replace(/_/g, " ") : "error";
      return ["error", `Could not grade (${kind}) ${score}`];
    }
    return [result.status, `${STATUS_WORDS[result.status]} ${score}`];
  }

  async function refreshHistory() {
    if (!state.exercise) return;
    const id = state.exercise.id;
    let all;
    try {
      all = await api("/v1/submissions?limit=200");
    } catch (error) {
      $("history-empty").textContent = "Your submissions could not be read: " + explain(error);
      $("history-empty").hidden = false;
      return;
    }
    if (!state.exercise || state.exercise.id !== id) return;
    const mine = all.filter((view) => view.exercise === id);
    $("history-empty").textContent = "None yet for this exercise.";
    $("history-empty").hidden = mine.length > 0;
    $("history").replaceChildren(...mine.map((view) => {
      const [cls, words] = describe(view);
      return el("li", {},
        el("button", {
          type: "button",
          "data-id": view.id,
          "aria-current": view.id === state.opened ? "true" : null,
          onclick: () => openSubmission(view.id),
        },
          el("span", { class: "when", text: new Date(view.created_at * 1000).toLocaleString() }),
          el("span", { class: cls, text: words })));
    }));
  }

  async function openSubmission(id) {
    stopFollowing();
    state.opened = id;
    $("result").replaceChildren();
    let view;
    try {
      view = await api(`/v1/submissions/${encodeURIComponent(id)}`);
    } catch (error) {
      $("progress").replaceChildren(el("span", { class: "message", text: "Could not open it: " + explain(error) }));
      return;
    }
    for (const button of $("history").querySelectorAll("button")) {
      if (button.dataset.id === id) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
    if (view.status === "done") {
      showProgress("done");
      showResult(view);
      $("result").focus();
    } else {
      $("result").replaceChildren();
      await followAndShow(view);
    }
  }

  // --- the class: an author's or admin's figures -----------------------------

  // The figures answer an author's or admin's token and refuse a
  // learner's (403); the page asks only for the former (GET /v1/me says
  // the token's role at sign-in), so a learner's page never sends the
  // request. Should the service still say 403, the page stops asking
  // until the next sign-in.

  function hideClass() {
    $("class-stats").hidden = true;
    $("class-jump").hidden = true;
  }

  async function refreshClass() {
    if (!state.exercise || !state.seesAll || state.classRefused) return;
    const id = state.exercise.id;
    let stats;
    try {
      stats = await api(exercisePath(id) + "/stats");
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) {
        state.classRefused = true;
        $("class-stats").dataset.state = "refused";
        hideClass();
      } else if (!$("class-stats").hidden && state.exercise && state.exercise.id === id) {
        // An author who saw the figures is told why they did not change.
        $("class-message").textContent = "The class's figures could not be read: " + explain(error);
        $("class-message").hidden = false;
      }
      return;
    }
    if (!state.exercise || state.exercise.id !== id) return;
    showClass(stats);
    // Similarity reads Python and SQL: a shell exercise is not asked for.
    if (state.exercise.kind === "shell") {
      showSimilar(null, "Similarity reads Python and SQL; this exercise is neither.");
      return;
    }
    let similar = null;
    let failure = null;
    try {
      similar = await api(exercisePath(id) + "/similarity");
    } catch (error) {
      // The figures above stand without it; the author is told why.
      failure = "Similar submissions could not be read: " + explain(error);
    }
    if (!state.exercise || state.exercise.id !== id) return;
    showSimilar(similar, failure);
  }

  /// The pairs of alike submissions, each a button that opens both side
  /// by side with the matching lines marked.
  function showSimilar(similar, failure) {
    const pairs = (similar && similar.pairs) || [];
    $("class-similar-empty").textContent =
      failure || "No two submissions share code beyond the starter.";
    $("class-similar-empty").hidden = pairs.length > 0;
    $("class-side").hidden = true;
    $("class-similar").replaceChildren(...pairs.slice(0, 20).map((pair, index) =>
      el("li", { "data-index": String(index) },
        el("div", { class: "line" },
          el("button", {
            type: "button", class: "link name",
            text: `token ${pair.a.token_id} and token ${pair.b.token_id}`,
            onclick: () => showSide(similar, pair),
          }),
          el("span", { class: "share", text: percent(pair.score) })))));
  }

  function showSide(similar, pair) {
    for (const [side, key] of [["a", "a"], ["b", "b"]]) {
      const submission = pair[key].submission;
      const files = similar.files[submission] || {};
      const marked = new Map();
      for (const fragment of pair.fragments) {
        const lines = fragment[key];
        if (!marked.has(lines.file)) marked.set(lines.file, new Set());
        for (let line = lines.start; line <= lines.end; line += 1) marked.get(lines.file).add(line);
      }
      $(`class-side-${side}-heading`).textContent = `token ${pair[key].token_id} · ${submission}`;
      const code = [];
      for (const [name, text] of Object.entries(files)) {
        code.push(el("span", { class: "file", text: `# ${name}` }));
        text.split("\n").forEach((line, at) => {
          const number = at + 1;
          const hit = marked.has(name) && marked.get(name).has(number);
          code.push(el("span", { class: hit ? "match" : null, "data-line": String(number), text: line }));
        });
      }
      $(`class-side-${side}`).replaceChildren(...code);
    }
    $("class-side").hidden = false;
  }

  function showClass(stats) {
    const box = $("class-stats");
    $("class-message").hidden = true;
    const known = (value) => value !== null && value !== undefined;
    $("class-about").textContent =
      `Figures of every submission to ${stats.exercise}; each token counts as one learner. Only authors and admins see this section.`;
    $("class-learners").textContent = String(stats.learners);
    $("class-submissions").textContent = String(stats.submissions);
    $("class-passing").textContent = known(stats.passing_share) ? percent(stats.passing_share) : "—";
    $("class-attempts").textContent =
      known(stats.median_attempts_to_pass) ? points(stats.median_attempts_to_pass) : "—";

    const failed = stats.tests_failed_most || [];
    $("class-failed-empty").hidden = failed.length > 0;
    $("class-failed").replaceChildren(...failed.map((test) =>
      el("li", { "data-id": test.id, "data-visibility": test.visible ? "visible" : "hidden" },
        el("div", { class: "line" },
          el("span", { class: "name", title: test.id, text: test.name },
            test.visible ? null : el("span", { class: "muted hidden-note", text: " (hidden)" })),
          el("span", { class: "share", text: `${percent(test.share)} · ${learnersWord(test.learners)}` })))));

    // A hint is the author's Markdown: shown as the text it is, never
    // as HTML.
    const hints = stats.hints_shown_most || [];
    $("class-hints-empty").hidden = hints.length > 0;
    $("class-hints").replaceChildren(...hints.map((hint) =>
      el("li", {},
        el("div", { class: "line" },
          el("span", { class: "hint-text", text: hint.hint }),
          el("span", { class: "share", text: `${percent(hint.share)} · ${learnersWord(hint.learners)}` })))));

    box.dataset.state = "shown";
    box.hidden = false;
    $("class-jump").hidden = false;
    // Drawn once the section is shown, so that Chart.js sizes the canvas
    // to its box.
    drawScores(stats.score_distribution || []);
  }

  function learnersWord(count) {
    return count === 1 ? "1 learner" : `${count} learners`;
  }

  /// The bar chart of how many learners are in each score bucket. Without
  /// Chart.js (its file did not load) the figures are still in the
  /// canvas's description.
  function drawScores(buckets) {
    const labels = buckets.map((bucket) => bucket.label);
    const counts = buckets.map((bucket) => bucket.learners);
    $("class-scores-text").textContent =
      buckets.map((bucket) => `${bucket.label}: ${learnersWord(bucket.learners)}`).join(", ") + ".";
    if (!window.Chart) return;
    const colors = labels.map((label) => (label === "100%" ? "#1f8a3a" : "#0a58ca"));
    if (state.chart) {
      state.chart.data.labels = labels;
      state.chart.data.datasets[0].data = counts;
      state.chart.data.datasets[0].backgroundColor = colors;
      state.chart.update();
      return;
    }
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#5f5f66";
    state.chart = new Chart($("class-scores"), {
      type: "bar",
      data: { labels, datasets: [{ label: "Learners", data: counts, backgroundColor: colors }] },
      options: {
        // The figures change after a submission; bars that grow each time
        // would only slow the reading.
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: {
          x: { title: { display: true, text: "Best score" } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Learners" } },
        },
      },
    });
  }

  // --- wiring ---------------------------------------------------------------

  $("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) {
      showSigninMessage("Paste the token your course gave you first.");
      return;
    }
    signIn(token, $("remember").checked, false);
  });
  $("signout").addEventListener("click", () => {
    stopFollowing();
    forgetToken();
    forgetWork();
    state.token = "";
    state.exercise = null;
    // The next token may be a learner's: the class's figures go, and
    // whether they may be read is found out again.
    state.seesAll = false;
    state.classRefused = false;
    delete $("class-stats").dataset.state;
    hideClass();
    setSignedIn(false);
    $("token").focus();
  });
  $("exercise").addEventListener("change", (event) => showExercise(event.target.value));
  // In-page jumps without touching the address, which names the exercise.
  for (const button of document.querySelectorAll("[data-jump]")) {
    button.addEventListener("click", () => {
      $(button.dataset.jump).scrollIntoView({ block: "start" });
    });
  }
  $("submit").addEventListener("click", submit);
  $("reset").addEventListener("click", resetFile);

  if (state.token) signIn(state.token, false, true);
})();
