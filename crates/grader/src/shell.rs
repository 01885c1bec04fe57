//! The shell kind: the learner's shell scripts against the exercise's bats
//! files, in the shell runner image, one bats run per file.
//!
//! In the container the tests run as one user and the learner's scripts as
//! another, started only through a broker that entry.py forks while it is
//! still root (`runner-images/shell/harness/grader_broker.py`): the
//! learner's code never holds bats's TAP stream nor the report channel, and
//! cannot read the tests, the fixtures, or signal anything but its own
//! processes. The harness (`grader_shell.py`) reports each test's verdict
//! as bats gives it; a test bats never reported failed.
//!
//! Tests are `<file>::<name>`, the name as the `@test` line writes it. The
//! grader reads the names here, as bats's preprocessor does, so the
//! result lists every test, run or not, and its points are known before
//! anything runs.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use grader_sandbox::{Archive, Job, Outcome, Runner};
use serde::Deserialize;

use crate::channel::{self, Key};
use crate::exercise::{Exercise, ExerciseSpec, TestSettings};
use crate::grade::{Grader, JobError};
use crate::kind::ExerciseKind;
use crate::manifest::{self, Manifest};
use crate::result::{ErrorKind, GradeError, GradeResult, Output, TestResult, TestStatus};
use crate::spec::shell::ShellSpec;
use crate::submission::Submission;

/// Bytes kept of one test's failure message (bats's own lines and the
/// test's output).
const MESSAGE_CAP: usize = 4096;
/// Bytes kept of the run's own stderr in the author's log.
const LOG_CAP: usize = 16 * 1024;
/// Where the exercise's fixtures are, in its folder and in the job.
const FIXTURES: &str = "fixtures";

/// The shell kind.
#[derive(Debug)]
pub struct Shell;

impl ExerciseKind for Shell {
    fn validate(&self, dir: &Path, spec: &ExerciseSpec, problem: &mut dyn FnMut(&str, String)) {
        for (index, file) in spec.submission.files.iter().enumerate() {
            if file.name.contains('/') || file.name.starts_with('.') {
                problem(
                    &format!("submission.files[{index}].name"),
                    format!(
                        "`{}`: a shell exercise's files are plain names in one folder",
                        file.name
                    ),
                );
            }
        }
        if let Some(shell) = &spec.shell
            && let Some(timeout) = shell.call_timeout
            && !(std::time::Duration::from_millis(100)..=std::time::Duration::from_secs(600))
                .contains(&timeout.0)
        {
            problem(
                "shell.call_timeout",
                "expected between 100ms and 10m".to_owned(),
            );
        }
        for (index, test) in spec.tests.iter().enumerate() {
            let field = format!("tests[{index}].file");
            let Ok(text) = crate::fsread::read_in(
                dir,
                &Path::new("tests").join(&test.file),
                crate::exercise::MAX_EXERCISE_FILE,
            ) else {
                // A missing or unreadable file is reported by the package.
                continue;
            };
            match bats_tests(&String::from_utf8_lossy(&text)) {
                Ok(tests) if tests.is_empty() => {
                    problem(&field, format!("`{}` has no `@test`", test.file))
                }
                Ok(tests) => {
                    for name in test.overrides.keys() {
                        if !tests.iter().any(|test| &test.name == name) {
                            problem(
                                &format!("tests[{index}].overrides"),
                                format!("`{}` has no test named `{name}`", test.file),
                            );
                        }
                    }
                }
                Err(why) => problem(&field, format!("`{}`: {why}", test.file)),
            }
        }
    }

    fn has_section(&self, spec: &ExerciseSpec) -> bool {
        spec.shell.is_some()
    }

    fn scaffold(&self) -> &'static [crate::templates::Template] {
        crate::templates::SHELL
    }

    fn test_extension(&self) -> Option<&'static str> {
        Some(".bats")
    }

    async fn grade<R: Runner>(
        &self,
        grader: &Grader<R>,
        exercise: &Exercise,
        submission: &Submission,
    ) -> GradeResult {
        // Read once: packed into the job, and the list of tests the
        // result is made of.
        let files = match test_files(exercise) {
            Ok(files) => files,
            Err(error) => {
                return GradeResult::error(&exercise.id, ErrorKind::Infra, error.to_string());
            }
        };
        grader
            .batch(
                exercise,
                "shell",
                |key| archive(exercise, submission, &files, key),
                |image| job(exercise, image),
                |outcome, key| interpret(exercise, &files, outcome, key),
            )
            .await
    }
}

/// A test file of the exercise: its name under `tests/`, its bytes, its
/// tests.
#[derive(Debug)]
pub struct BatsFile {
    pub name: String,
    pub text: Vec<u8>,
    pub tests: Vec<BatsTest>,
}

/// One `@test` of a bats file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatsTest {
    /// As bats reports it: the `@test` line's text, without its quotes.
    pub name: String,
    /// Its line, from 1.
    pub line: u32,
    /// Its code, from the `@test` line to the `}` that closes it at the
    /// start of a line.
    pub code: String,
}

/// The tests of a bats file, in order, read as bats 1.8's preprocessor
/// reads them (`@test <name> {`; a name's one leading and one trailing
/// quote dropped). A name must be plain text — bats would expand `$`, a
/// backquote or a backslash in it when it reports it, and the grader could
/// not know the name — and be the file's only one.
pub fn bats_tests(text: &str) -> Result<Vec<BatsTest>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut tests: Vec<BatsTest> = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let line = line.trim_end_matches('\r');
        let Some(rest) = line.trim_start_matches([' ', '\t']).strip_prefix("@test") else {
            continue;
        };
        if !rest.starts_with([' ', '\t']) {
            continue;
        }
        // The last `{` after a blank, as the preprocessor's greedy pattern
        // finds it.
        let Some(open) = rest.match_indices('{').map(|(at, _)| at).rev().find(|&at| {
            rest[..at].ends_with([' ', '\t']) && !rest[..at].trim_matches([' ', '\t']).is_empty()
        }) else {
            continue;
        };
        let raw = rest[..open].trim_matches([' ', '\t']);
        let name = raw.strip_prefix(['\'', '"']).unwrap_or(raw);
        let name = name.strip_suffix(['\'', '"']).unwrap_or(name);
        if name.contains(['$', '`', '\\', '"']) {
            return Err(format!(
                "line {}: the test name `{name}` has `$`, a backquote, a backslash or a double \
                 quote, which bats would expand; write it as plain text",
                at + 1
            ));
        }
        if tests.iter().any(|test| test.name == name) {
            return Err(format!("line {}: a second test named `{name}`", at + 1));
        }
        let one_line = line.trim_end().ends_with('}') && rest[open..].contains('}');
        let end = if one_line {
            at + 1
        } else {
            lines[at + 1..]
                .iter()
                .position(|line| line.trim_end() == "}")
                .map_or(lines.len(), |offset| at + 1 + offset + 1)
        };
        tests.push(BatsTest {
            name: name.to_owned(),
            line: at as u32 + 1,
            code: lines[at..end].join("\n"),
        });
    }
    Ok(tests)
}

/// The exercise's `shell` section, or its defaults.
fn settings(exercise: &Exercise) -> ShellSpec {
    exercise.spec.shell.clone().unwrap_or_default()
}

/// The container side of the job: a container of its own, whose first
/// process starts the broker as root.
pub fn job(exercise: &Exercise, image: String) -> Job {
    Job {
        image,
        limits: exercise.limits(),
        env: vec![("GRADER_PRELOAD".to_owned(), "shell".to_owned())],
        own_container: true,
    }
}

/// Each listed test file with its tests, visible files first: no hidden
/// test is on the container's disk while a visible one runs.
fn test_files(exercise: &Exercise) -> Result<Vec<BatsFile>, JobError> {
    let mut files = Vec::new();
    for test in &exercise.spec.tests {
        let text = crate::fsread::read_in(
            &exercise.dir,
            &Path::new("tests").join(&test.file),
            crate::exercise::MAX_EXERCISE_FILE,
        )?;
        let tests = bats_tests(&String::from_utf8_lossy(&text))
            .map_err(|_| JobError::Exercise("a test file's tests cannot be read"))?;
        files.push((
            test.visibility,
            BatsFile {
                name: test.file.clone(),
                text,
                tests,
            },
        ));
    }
    // Stable: within each visibility, the order exercise.yaml gives.
    files.sort_by_key(|(visibility, _)| *visibility != crate::exercise::Visibility::Visible);
    Ok(files.into_iter().map(|(_, file)| file).collect())
}

/// The job's files: the submission under `submission/`, the test files
/// under `tests/` (which the entry script keeps in memory), the fixtures
/// under `fixtures/`, and the manifest.
pub fn archive(
    exercise: &Exercise,
    submission: &Submission,
    files: &[BatsFile],
    key: &Key,
) -> Result<Archive, JobError> {
    let mut archive = Archive::new();
    for (name, contents) in &submission.files {
        archive.add(&format!("submission/{name}"), contents.clone())?;
    }
    for file in files {
        archive.add(&format!("tests/{}", file.name), file.text.clone())?;
    }
    let fixtures = exercise.dir.join(FIXTURES);
    if fixtures.is_dir() {
        crate::fsread::dir_in(&exercise.dir, Path::new(FIXTURES))?;
        for relative in crate::fsread::files(&fixtures)? {
            let contents =
                crate::fsread::read(&fixtures.join(&relative), grader_sandbox::archive::MAX_FILE)?;
            archive.add(&format!("{FIXTURES}/{}", relative.display()), contents)?;
        }
    }
    let manifest = Manifest {
        key: key.as_str(),
        job: manifest::Job::Shell(manifest::ShellJob {
            files: files
                .iter()
                .map(|file| manifest::BatsFile {
                    name: file.name.clone(),
                    tests: file.tests.iter().map(|test| test.name.clone()).collect(),
                })
                .collect(),
            call_timeout: settings(exercise).call_timeout().as_secs_f64(),
            message_cap: MESSAGE_CAP,
        }),
    };
    archive.set_manifest(manifest.to_json())?;
    Ok(archive)
}

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    Test {
        file: String,
        name: String,
        outcome: Verdict,
        #[serde(default)]
        message: String,
        /// How long bats says the test took (`--timing`).
        #[serde(default)]
        ms: u64,
    },
    Infra {
        message: String,
    },
    BrokerLost,
    Log {
        file: String,
        text: String,
    },
    Done,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Verdict {
    Passed,
    Failed,
    Skipped,
}

/// What the harness reported.
#[derive(Debug, Default)]
struct Report {
    results: HashMap<(String, String), (Verdict, String, u64)>,
    infra: Vec<String>,
    broker_lost: bool,
    log: String,
    done: bool,
    cut: bool,
    defects: Vec<String>,
    other_lines: Vec<String>,
}

impl Report {
    fn parse(stdout: &[u8], key: &Key) -> Report {
        let lines = channel::read(stdout, key);
        let mut report = Report {
            cut: lines.gap,
            other_lines: lines.other,
            ..Report::default()
        };
        for json in &lines.payloads {
            match serde_json::from_str::<Event>(json) {
                Ok(Event::Test {
                    file,
                    name,
                    outcome,
                    message,
                    ms,
                }) => {
                    report.results.insert((file, name), (outcome, message, ms));
                }
                Ok(Event::Infra { message }) => report.infra.push(message),
                Ok(Event::BrokerLost) => report.broker_lost = true,
                Ok(Event::Log { file, text }) => {
                    report
                        .log
                        .push_str(&format!("--- bats on {file} ---\n{text}\n"));
                }
                Ok(Event::Done) => report.done = true,
                Err(error) => report.defects.push(error.to_string()),
            }
        }
        report
    }
}

/// Turns what came back from the job into a result (author view).
pub fn interpret(
    exercise: &Exercise,
    files: &[BatsFile],
    outcome: &Outcome,
    key: &Key,
) -> GradeResult {
    let report = Report::parse(&outcome.stdout.bytes, key);
    let mut result = GradeResult::graded(
        &exercise.id,
        outcome.duration,
        Vec::new(),
        Output::run_log(outcome, &report.log, &report.other_lines, LOG_CAP),
    );
    let stopped = crate::ending::stopped(outcome, &exercise.limits(), Some(key));
    let mut seen = BTreeSet::new();
    for file in files {
        for test in &file.tests {
            let id = format!("{}::{}", file.name, test.name);
            let settings = exercise
                .test_settings(&id)
                .unwrap_or_else(TestSettings::unlisted);
            let reported = report.results.get(&(file.name.clone(), test.name.clone()));
            seen.insert((file.name.clone(), test.name.clone()));
            let ms = reported.map_or(0, |(_, _, ms)| *ms);
            let (status, message) = match reported {
                Some((Verdict::Passed, _, _)) => (TestStatus::Passed, None),
                Some((Verdict::Skipped, message, _)) => (TestStatus::Skipped, some(message)),
                Some((Verdict::Failed, message, _)) => (TestStatus::Failed, some(message)),
                None => (
                    TestStatus::Error,
                    Some(match &stopped {
                        Some((kind, _)) => {
                            format!("not run: the run was stopped ({})", kind.as_str())
                        }
                        None => "not run: the run stopped before this test".to_owned(),
                    }),
                ),
            };
            let mut row = TestResult::judged(id, test.name.clone(), settings, status, message, ms);
            row.line = Some(test.line);
            row.code = Some(test.code.clone());
            result.tests.push(row);
        }
    }
    // Results of tests the exercise does not have: never from bats, whose
    // stream the learner cannot reach; kept out, and said.
    let strays = report
        .results
        .keys()
        .filter(|key| !seen.contains(*key))
        .count();
    let error = if let Some(stopped) = stopped {
        Some(stopped)
    } else if !report.infra.is_empty() {
        Some((ErrorKind::Infra, report.infra.join("; ")))
    } else if report.broker_lost {
        Some((
            ErrorKind::Infra,
            "the broker that runs the learner's scripts stopped during the run".to_owned(),
        ))
    } else if report.cut {
        Some((
            ErrorKind::Crashed,
            "the test report was cut short: lines of it went missing".to_owned(),
        ))
    } else if let Some(defect) = report.defects.first() {
        Some((
            ErrorKind::Crashed,
            format!("the test report could not be read: {defect}"),
        ))
    } else if !report.done {
        Some((
            ErrorKind::Crashed,
            "the test run stopped before it finished".to_owned(),
        ))
    } else if strays > 0 {
        Some((
            ErrorKind::Infra,
            format!("the harness reported {strays} tests the exercise does not have"),
        ))
    } else {
        None
    };
    if let Some((kind, message)) = error {
        result.error = Some(error_of(kind, message));
    }
    result.settle();
    result
}

fn some(message: &str) -> Option<String> {
    (!message.trim().is_empty()).then(|| message.trim_end().to_owned())
}

fn error_of(kind: ErrorKind, message: String) -> GradeError {
    GradeError {
        kind,
        message,
        learner_fault: kind.learner_fault(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_are_read_as_bats_reads_them() {
        let text = "#!/usr/bin/env bats\n\n@test \"counts errors\" {\n  run learner a.sh\n}\n\n@test 'single quoted' {\n  true\n}\n  @test plain words here {\n}\n@test \"one-liner\" { echo ${HOME}; }\n";
        let tests = bats_tests(text).unwrap();
        let names: Vec<&str> = tests.iter().map(|test| test.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "counts errors",
                "single quoted",
                "plain words here",
                "one-liner"
            ]
        );
        assert_eq!(tests[0].line, 3);
        assert_eq!(
            tests[0].code,
            "@test \"counts errors\" {\n  run learner a.sh\n}"
        );
    }

    #[test]
    fn a_name_bats_would_expand_or_a_twin_is_refused() {
        let expanded = bats_tests("@test \"counts $HOME\" {\n}\n").unwrap_err();
        assert!(
            expanded.contains("line 1") && expanded.contains("plain text"),
            "{expanded}"
        );
        let twin = bats_tests("@test \"a\" {\n}\n@test \"a\" {\n}\n").unwrap_err();
        assert!(
            twin.contains("line 3") && twin.contains("second test"),
            "{twin}"
        );
    }

    #[test]
    fn lines_that_only_look_like_tests_are_not_tests() {
        let text = "# @test \"in a comment\" {\n@testing {\necho '@test \"x\" {'\n";
        assert_eq!(bats_tests(text).unwrap(), Vec::new());
    }
}
