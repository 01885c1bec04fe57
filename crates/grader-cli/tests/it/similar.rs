//! `grader similar` as a process: learners' folders in, pairs out.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn similar(exercise: &str, folder: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .arg("similar")
        .arg(root().join("exercises").join(exercise))
        .arg(folder)
        .args(args)
        .output()
        .expect("the grader binary runs")
}

#[test]
fn a_renamed_copy_is_the_first_pair_and_the_starter_matches_nobody() {
    let exercise = root().join("exercises/python/word-frequency");
    let reference = std::fs::read_to_string(exercise.join("reference/words.py")).unwrap();
    let starter = std::fs::read_to_string(exercise.join("starter/words.py")).unwrap();
    let learners = tempfile::tempdir().unwrap();
    let write = |learner: &str, text: &str| {
        let dir = learners.path().join(learner);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("words.py"), text).unwrap();
    };
    write("ana", &reference);
    // Every name changed, a comment and dead code added.
    let renamed = reference
        .replace("words", "tokens")
        .replace("counts", "tally")
        .replace("text", "s");
    write(
        "ben",
        &format!("# mine\n{renamed}\n\ndef unused():\n    return 1\n"),
    );
    write("cleo", &starter);
    // A folder without the exercise's file is no learner.
    std::fs::create_dir(learners.path().join("empty")).unwrap();

    let output = similar("python/word-frequency", learners.path(), &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let first = text.lines().next().unwrap_or_default();
    assert!(first.contains("  ana  ben  words.py:"), "{text}");
    let score: f64 = first.split_whitespace().next().unwrap().parse().unwrap();
    assert!(score > 0.8, "{text}");
    assert!(!text.contains("cleo"), "{text}");

    let output = similar(
        "python/word-frequency",
        learners.path(),
        &["--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["submissions"], 3);
    assert_eq!(json["pairs"][0]["a"], "ana");
    assert_eq!(json["pairs"][0]["fragments"][0]["a"]["file"], "words.py");
}

#[test]
fn a_shell_exercise_is_refused_with_why() {
    let learners = tempfile::tempdir().unwrap();
    let output = similar("shell/log-report", learners.path(), &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("similarity reads Python"), "{stderr}");
}
