//! No host file is read through a link, and no FIFO or device is opened:
//! `ln -s /etc/shadow sub/fizzbuzz.py` once had the host's file graded and
//! its first line quoted in the learner's syntax-error message, and a link
//! inside an exercise folder would have done the same for a pull request to
//! a course. Each test links to a file holding [`SECRET`] and checks that
//! the error names the link and never shows what it points to.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use grader::result::ErrorKind;
use grader::{Exercise, Submission};

use crate::support::{exercise_dir, grader, reference, scratch_copy};

const EXERCISE: &str = "python/fizzbuzz";
const SECRET: &str = "host-secret-7d2e91";

/// A temporary folder with `secret.txt` (holding [`SECRET`], as a first
/// line a syntax error would quote) and an empty submission folder `sub/`.
fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let secret = temp.path().join("secret.txt");
    std::fs::write(&secret, format!("{SECRET} :\n")).unwrap();
    let sub = temp.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    (temp, secret, sub)
}

/// `message` says that `path` is a `what`, and nothing of the secret.
fn assert_refused(message: &str, path: &Path, what: &str) {
    let expected = format!(
        "`{}` is a {what}; submissions and exercises may hold only regular files",
        path.display()
    );
    assert!(message.contains(&expected), "{message}");
    assert!(
        !message.contains(SECRET),
        "the link's target leaked: {message}"
    );
}

fn fizzbuzz() -> Exercise {
    Exercise::load(&exercise_dir(EXERCISE)).unwrap()
}

#[test]
fn a_linked_file_in_a_submission_folder_is_refused_not_read() {
    let (_temp, secret, sub) = scratch();
    let link = sub.join("fizzbuzz.py");
    symlink(&secret, &link).unwrap();
    let error = Submission::from_paths(&fizzbuzz(), &[sub]).unwrap_err();
    assert_refused(&error.to_string(), &link, "symbolic link");
}

#[test]
fn a_link_named_directly_as_the_submission_is_refused_not_read() {
    let (_temp, secret, sub) = scratch();
    let link = sub.join("fizzbuzz.py");
    symlink(&secret, &link).unwrap();
    let error = Submission::from_paths(&fizzbuzz(), std::slice::from_ref(&link)).unwrap_err();
    assert_refused(&error.to_string(), &link, "symbolic link");
}

#[test]
fn a_fifo_in_a_submission_folder_is_refused_without_waiting_for_a_writer() {
    let (_temp, _secret, sub) = scratch();
    let fifo = sub.join("fizzbuzz.py");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo failed");
    let exercise = fizzbuzz();
    let (sender, receiver) = std::sync::mpsc::channel();
    let folder = sub.clone();
    std::thread::spawn(move || {
        let read = Submission::from_paths(&exercise, &[folder]).map_err(|error| error.to_string());
        let _ = sender.send(read);
    });
    let read = receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("reading a submission with a FIFO in it hung");
    assert_refused(&read.unwrap_err(), &fifo, "named pipe (FIFO)");
}

#[test]
fn a_link_in_an_exercise_tests_folder_is_refused() {
    let (_temp, secret, _sub) = scratch();
    let (_copy, dir) = scratch_copy(EXERCISE);
    let link = dir.join("tests/test_fizzbuzz_hidden.py");
    std::fs::remove_file(&link).unwrap();
    symlink(&secret, &link).unwrap();
    let error = Exercise::load(&dir).unwrap_err();
    assert_refused(&error.to_string(), &link, "symbolic link");
}

#[test]
fn a_linked_folder_inside_an_exercise_is_refused() {
    let (temp, _secret, _sub) = scratch();
    let elsewhere = temp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("fizzbuzz.py"), format!("{SECRET} :\n")).unwrap();
    let (_copy, dir) = scratch_copy(EXERCISE);
    let link = dir.join("mutants/stops-one-short");
    std::fs::remove_dir_all(&link).unwrap();
    symlink(&elsewhere, &link).unwrap();
    let error = Exercise::load(&dir).unwrap_err();
    assert_refused(&error.to_string(), &link, "symbolic link");
}

#[tokio::test]
async fn a_link_in_the_reference_fails_check_at_exercise_yaml_and_nothing_runs() {
    let (_temp, secret, _sub) = scratch();
    let (_copy, dir) = scratch_copy(EXERCISE);
    let link = dir.join("reference/fizzbuzz.py");
    std::fs::remove_file(&link).unwrap();
    symlink(&secret, &link).unwrap();
    let check = grader().await.check(&dir).await;
    assert!(!check.ok());
    let [finding] = check.findings.as_slice() else {
        panic!("expected only the exercise.yaml finding: {check:#?}");
    };
    assert_eq!(finding.subject, "exercise.yaml");
    assert_refused(&finding.message, &link, "symbolic link");
}

#[tokio::test]
async fn a_link_made_after_loading_is_refused_when_the_job_is_packed() {
    let (_temp, secret, _sub) = scratch();
    let (_copy, dir) = scratch_copy(EXERCISE);
    let exercise = Exercise::load(&dir).unwrap();
    let link = exercise.tests_dir().join("test_fizzbuzz_hidden.py");
    std::fs::remove_file(&link).unwrap();
    symlink(&secret, &link).unwrap();
    let submission = Submission {
        files: [(
            "fizzbuzz.py".to_owned(),
            reference(EXERCISE, "fizzbuzz.py").into_bytes(),
        )]
        .into(),
    };
    let result = grader().await.grade(&exercise, &submission).await;
    let error = result.error.expect("the job should not be packed");
    assert_eq!(error.kind, ErrorKind::Infra);
    assert_refused(&error.message, &link, "symbolic link");
}
