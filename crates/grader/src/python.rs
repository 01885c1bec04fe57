//! The python kind: pytest on the submission plus the exercise's tests, in
//! the python runner image, read back through the harness's report.

use std::path::Path;
use std::time::Duration;

use grader_sandbox::{Archive, Ending, Job, Outcome, Runner};

use crate::channel::Key;
use crate::exercise::{Exercise, ExerciseSpec, Visibility};
use crate::grade::{Grader, JobError};
use crate::kind::ExerciseKind;
use crate::manifest::{self, Manifest};
use crate::report::{self, Report};
use crate::result::{ErrorKind, GradeError, GradeResult, Output, TestResult, TestStatus};
use crate::submission::Submission;
use source::TestSources;

pub mod source;

/// Bytes kept of one test's captured output, and of its failure message.
const TEST_OUTPUT_CAP: usize = 4096;
const MESSAGE_CAP: usize = 4096;
/// Bytes kept of the run's own stdout/stderr in the author's log.
const LOG_CAP: usize = 16 * 1024;

/// The python kind.
#[derive(Debug)]
pub struct Python;

impl ExerciseKind for Python {
    fn validate(&self, _dir: &Path, spec: &ExerciseSpec, problem: &mut dyn FnMut(&str, String)) {
        for (index, file) in spec.submission.files.iter().enumerate() {
            if crate::exercise::is_reserved(&file.name) {
                problem(
                    &format!("submission.files[{index}].name"),
                    format!(
                        "`{}` would configure or replace the tests; choose another name",
                        file.name
                    ),
                );
            }
        }
        if let Some(python) = &spec.python
            && let Some(timeout) = python.test_timeout
            && timeout.0 < Duration::from_millis(100)
        {
            problem("python.test_timeout", "expected at least 100ms".to_owned());
        }
    }

    fn has_section(&self, spec: &ExerciseSpec) -> bool {
        spec.python.is_some()
    }

    fn scaffold(&self) -> &'static [crate::templates::Template] {
        crate::templates::PYTHON
    }

    fn test_extension(&self) -> Option<&'static str> {
        Some(".py")
    }

    fn is_test_file(&self, name: &str) -> bool {
        crate::exercise::is_test_file(name)
    }

    async fn grade<R: Runner>(
        &self,
        grader: &Grader<R>,
        exercise: &Exercise,
        submission: &Submission,
    ) -> GradeResult {
        grader
            .batch(
                exercise,
                "python",
                |key| archive(exercise, submission, key),
                |image| job(exercise, image),
                |outcome, key| interpret(exercise, outcome, key),
            )
            .await
    }
}

/// The container side of the job.
pub fn job(exercise: &Exercise, image: String) -> Job {
    Job {
        image,
        limits: exercise.limits(),
        env: vec![("GRADER_PRELOAD".to_owned(), "pytest".to_owned())],
        own_container: false,
    }
}

/// The job's files: the submission at the top, the exercise's tests under
/// `tests/`, and the manifest that runs pytest on the listed test files.
pub fn archive(
    exercise: &Exercise,
    submission: &Submission,
    key: &Key,
) -> Result<Archive, JobError> {
    let mut archive = Archive::new();
    for (name, contents) in &submission.files {
        archive.add(name, contents.clone())?;
    }
    add_tree(&mut archive, &exercise.tests_dir(), "tests")?;
    let check_syntax: Vec<&str> = submission
        .files
        .keys()
        .map(String::as_str)
        .filter(|name| name.ends_with(".py"))
        .collect();
    let args: Vec<String> = exercise
        .spec
        .tests
        .iter()
        .map(|test| format!("tests/{}", test.file))
        .collect();
    let manifest = Manifest {
        key: key.as_str(),
        job: manifest::Job::Pytest(manifest::PythonJob {
            args,
            tests_dir: "tests",
            test_timeout: exercise.test_timeout().map(|timeout| timeout.as_secs_f64()),
            output_cap: TEST_OUTPUT_CAP,
            message_cap: MESSAGE_CAP,
            check_syntax,
        }),
    };
    archive.set_manifest(manifest.to_json())?;
    Ok(archive)
}

/// Adds every regular file under `dir` as `<prefix>/<relative path>`,
/// skipping caches and hidden files; a link or a special file anywhere
/// under it is an error.
fn add_tree(archive: &mut Archive, dir: &Path, prefix: &str) -> Result<(), JobError> {
    let skipped = |relative: &Path| {
        relative.iter().any(|part| {
            let part = part.to_string_lossy();
            part == "__pycache__" || part.starts_with('.')
        })
    };
    // `dir` is inside the exercise too: not followed if it is a link.
    if let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) {
        crate::fsread::dir_in(parent, Path::new(name))?;
    }
    for relative in crate::fsread::files(dir)? {
        if skipped(&relative) {
            continue;
        }
        let path = dir.join(&relative);
        let contents = crate::fsread::read(&path, grader_sandbox::archive::MAX_FILE)?;
        archive.add(&format!("{prefix}/{}", relative.display()), contents)?;
    }
    Ok(())
}

/// Turns what came back from the job into a result (author view).
pub fn interpret(exercise: &Exercise, outcome: &Outcome, key: &Key) -> GradeResult {
    let report = Report::parse(&outcome.stdout.bytes, key);
    let mut result = GradeResult::graded(
        &exercise.id,
        outcome.duration,
        Vec::new(),
        log(outcome, &report),
    );

    let stopped = crate::ending::stopped(outcome, &exercise.limits(), Some(key));

    result.tests = tests(exercise, &report, stopped.as_ref());

    let error = if let Some((kind, message)) = stopped {
        Some((kind, running_note(message, &report)))
    } else if report.cut {
        Some((
            ErrorKind::Crashed,
            "the test report was cut short: lines of it went missing, which only code \
             running in the submission's container can do"
                .to_owned(),
        ))
    } else if !report.defects.is_empty() {
        // Signed lines carry the learner's text (messages, reprs, output):
        // one the grader cannot read is the learner's doing, never `infra`.
        Some((
            ErrorKind::Crashed,
            format!("the test report could not be read: {}", report.defects[0]),
        ))
    } else if let Some(syntax) = &report.syntax_error {
        let place = match (syntax.line, syntax.column) {
            (Some(line), Some(column)) => format!(", line {line}, column {column}"),
            (Some(line), None) => format!(", line {line}"),
            _ => String::new(),
        };
        let mut message = format!("{}{place}: {}", syntax.file, syntax.message);
        if !syntax.text.trim().is_empty() {
            message.push_str(&format!("\n    {}", syntax.text.trim_end()));
        }
        Some((
            ErrorKind::Crashed,
            format!("your code has a syntax error: {message}"),
        ))
    } else if !report.collect_errors.is_empty() {
        Some((
            ErrorKind::Crashed,
            could_not_load(exercise, &report.collect_errors),
        ))
    } else if report.exit_code.is_none() {
        let code = match outcome.ending {
            Ending::Exited { code } => code,
            _ => -1,
        };
        Some((
            ErrorKind::Crashed,
            running_note(
                format!("the test run stopped before it finished (exit code {code})"),
                &report,
            ),
        ))
    } else if report.collected.as_ref().is_none_or(Vec::is_empty) {
        Some((ErrorKind::Infra, "pytest found no tests to run".to_owned()))
    } else if let Some(code @ 2..) = report.exit_code {
        Some((
            ErrorKind::Crashed,
            format!("pytest stopped with exit code {code}"),
        ))
    } else {
        None
    };
    if let Some((kind, message)) = error {
        result.error = Some(GradeError {
            kind,
            message,
            learner_fault: kind.learner_fault(),
        });
    }
    result.settle();
    result
}

/// Every test the report names, in the order of the exercise's test files
/// and of the lines in each (unittest's methods included, which pytest
/// runs by name), each case of a test's subtests right after it.
fn tests(
    exercise: &Exercise,
    report: &Report,
    stopped: Option<&(ErrorKind, String)>,
) -> Vec<TestResult> {
    let mut sources = TestSources::new(&exercise.dir.join("tests"));
    let mut tests = Vec::new();
    if let Some(collected) = &report.collected {
        for test in collected {
            let mut result = test_result(exercise, test, report, stopped);
            attach_code(&mut result, test, &mut sources);
            tests.push(result);
            for case in report.subtests.iter().filter(|case| case.parent == test.id) {
                let mut result = subtest_result(exercise, test, case);
                attach_code(&mut result, test, &mut sources);
                tests.push(result);
            }
        }
    }
    // Those of files that could not load, as not run, so that the score is
    // out of everything the exercise is worth.
    for test in &report.not_loaded {
        if tests.iter().all(|known: &TestResult| known.id != test.id) {
            let mut result = TestResult::judged(
                test.id.clone(),
                test.name.clone(),
                settings_of(exercise, test),
                TestStatus::Error,
                Some("not run: the tests could not load your code".to_owned()),
                0,
            );
            result.line = test.line;
            attach_code(&mut result, test, &mut sources);
            tests.push(result);
        }
    }
    let file_order = |id: &str| {
        let file = id.split("::").next().unwrap_or_default();
        exercise
            .spec
            .tests
            .iter()
            .position(|test| test.file == file)
            .unwrap_or(usize::MAX)
    };
    // Stable: a test's cases, and a parametrized test's instances, share
    // its line and keep their order.
    tests.sort_by_key(|test| (file_order(&test.id), test.line.unwrap_or(u32::MAX)));
    tests
}

/// The exercise's settings for `test`; its `@pytest.mark.task` marker gives
/// its task where exercise.yaml gives none.
fn settings_of(exercise: &Exercise, test: &report::CollectedTest) -> crate::exercise::TestSettings {
    let mut settings = exercise
        .test_settings(&test.id)
        .unwrap_or_else(crate::exercise::TestSettings::unlisted);
    settings.task = settings.task.or(test.task);
    settings
}

/// One case of `parent`'s subtests: its parent's visibility, task and tags,
/// and no points of its own.
fn subtest_result(
    exercise: &Exercise,
    parent: &report::CollectedTest,
    case: &report::SubtestEvent,
) -> TestResult {
    let mut settings = settings_of(exercise, parent);
    settings.points = 0.0;
    let mut result = TestResult::judged(
        case.id.clone(),
        format!("{} [{}]", parent.name, case.name),
        settings,
        case.outcome.status(),
        (!case.message.is_empty()).then(|| case.message.clone()),
        (case.duration * 1000.0) as u64,
    );
    result.output = (!case.output.is_empty()).then(|| Output {
        text: case.output.clone(),
        truncated: case.output_truncated,
    });
    result.line = parent.line;
    result.parent = Some(parent.id.clone());
    result.case = case.msg.clone();
    result
}

fn test_result(
    exercise: &Exercise,
    test: &report::CollectedTest,
    report: &Report,
    stopped: Option<&(ErrorKind, String)>,
) -> TestResult {
    let settings = settings_of(exercise, test);
    let (status, message, output, duration) = match report.results.get(&test.id) {
        Some(event) => {
            let status = event.outcome.status();
            let message = (!event.message.is_empty()).then(|| event.message.clone());
            let output = (!event.output.is_empty()).then(|| Output {
                text: event.output.clone(),
                truncated: event.output_truncated,
            });
            (status, message, output, event.duration)
        }
        None => {
            let why = match stopped {
                Some((ErrorKind::Timeout, _))
                    if report.running.as_deref() == Some(test.id.as_str()) =>
                {
                    "this test was running when the time limit struck".to_owned()
                }
                Some((kind, _)) => format!("not run: the run was stopped ({})", kind.as_str()),
                // pytest runs nothing when a test file could not load.
                None if !report.collect_errors.is_empty() => {
                    "not run: the tests could not load your code".to_owned()
                }
                None => "not run: the run stopped before this test".to_owned(),
            };
            (TestStatus::Error, Some(why), None, 0.0)
        }
    };
    test.row(settings, status, message, output, duration)
}

/// A test's code, cut out of its test file here (the report says only
/// where it is).
fn attach_code(result: &mut TestResult, test: &report::CollectedTest, sources: &mut TestSources) {
    result.code = sources.code(test);
    result.exercism_code = sources.exercism_code(test);
}

/// The error of a run whose test files could not be collected. Learners
/// read it in every view, so it quotes only a visible test file's error: a
/// hidden file's would tell what the hidden tests import and how. The
/// author's log has every file's error in full.
fn could_not_load(exercise: &Exercise, errors: &[report::CollectErrorEvent]) -> String {
    let visible = errors.iter().find(|error| {
        exercise
            .test_settings(&error.file)
            .is_some_and(|settings| settings.visibility == Visibility::Visible)
    });
    match visible {
        Some(error) => match useful_lines(&error.message) {
            Some(lines) => format!("the tests could not load your code:\n{lines}"),
            None => format!("the tests could not load your code: {}", error.summary),
        },
        None if errors
            .iter()
            .any(|error| error.file.ends_with("conftest.py")) =>
        {
            "the tests could not load your code: their shared setup (conftest.py) could \
             not import what it needs from it; check that your code defines every name \
             the exercise asks for, and runs without an error when imported"
                .to_owned()
        }
        None => "the tests could not load your code: a hidden test file could not \
                 import what it needs from it; check that your code defines every \
                 name the exercise asks for"
            .to_owned(),
    }
}

/// What a learner can use of a collection error's text: the frames of the
/// tests and the submission (with their source lines) and the whole
/// exception, every line of it, without pytest's `E   `; not pytest's
/// header nor the frames of the interpreter and the harness (absolute
/// paths). `None` when nothing is left.
fn useful_lines(message: &str) -> Option<String> {
    let mut kept = Vec::new();
    let mut in_internal_frame = false;
    for line in message.lines() {
        if line.trim().is_empty()
            || line.starts_with("ImportError while importing test module ")
            || line.starts_with("Hint: make sure your test modules")
            || line == "Traceback:"
        {
            continue;
        }
        if let Some(exception) = line.strip_prefix("E   ").or(line.strip_prefix("E ")) {
            in_internal_frame = false;
            kept.push(exception.to_owned());
        } else if line.starts_with(' ') {
            // A frame's source line goes with its frame.
            if !in_internal_frame {
                kept.push(line.to_owned());
            }
        } else {
            in_internal_frame = line.starts_with('/');
            if !in_internal_frame {
                kept.push(line.to_owned());
            }
        }
    }
    (!kept.is_empty()).then(|| kept.join("\n"))
}

fn running_note(message: String, report: &Report) -> String {
    match &report.running {
        Some(id) => format!("{message}, while running {id}"),
        None => message,
    }
}

fn log(outcome: &Outcome, report: &Report) -> Output {
    let mut errors = String::new();
    for error in &report.collect_errors {
        errors.push_str(&format!(
            "collecting {} failed:\n{}\n",
            error.file, error.message
        ));
    }
    Output::run_log(outcome, &errors, &report.other_lines, LOG_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn useful_lines_keep_the_tests_frame_and_the_whole_exception() {
        let message = [
            "ImportError while importing test module '/work/tests/test_a.py'.",
            "Hint: make sure your test modules/packages have valid Python names.",
            "Traceback:",
            "/usr/lib/python3.11/importlib/__init__.py:126: in import_module",
            "    return _bootstrap._gcd_import(name[level:], package, level)",
            "tests/test_a.py:3: in <module>",
            "    from a import b",
            "/opt/grader/grader_remote.py:328: in ref_of",
            "    found = self.request(\"import\", path[0])",
            "E   ImportError: cannot import name 'b' from 'a'",
            "E   Did you misname or forget to define it?",
        ]
        .join("\n");
        assert_eq!(
            useful_lines(&message).unwrap(),
            [
                "tests/test_a.py:3: in <module>",
                "    from a import b",
                "ImportError: cannot import name 'b' from 'a'",
                "Did you misname or forget to define it?",
            ]
            .join("\n")
        );
        assert_eq!(useful_lines("Traceback:\n"), None);
    }
}
