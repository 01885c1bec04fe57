//! `grader stats <exercise>`: what a class did with an exercise, read from
//! a running service (`GET /v1/exercises/{id}/stats`) with an author's or
//! admin's token, as a table or as the service's JSON.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use grader_server::stats::ExerciseStats;

use crate::cli::{StatsArgs, StatsFormat};
use crate::commands::submit::read;

pub async fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let base = args.server.trim_end_matches('/');
    let client = reqwest::Client::builder()
        .build()
        .context("could not make an HTTP client")?;
    let response = client
        .get(format!("{base}/v1/exercises/{}/stats", args.exercise))
        .bearer_auth(&args.token)
        .send()
        .await
        .with_context(|| format!("could not reach the service at {base}"))?;
    let stats: ExerciseStats = read(response).await?;
    match args.format {
        StatsFormat::Json => println!("{}", serde_json::to_string_pretty(&stats)?),
        StatsFormat::Human => print!("{}", table(&stats)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The stats as a person reads them.
pub(crate) fn table(stats: &ExerciseStats) -> String {
    let mut out = String::new();
    let median = stats
        .median_attempts_to_pass
        .map_or("—".to_owned(), |median| format!("{median}"));
    let _ = writeln!(out, "{}", stats.exercise);
    let _ = writeln!(out, "  learners                     {}", stats.learners);
    let _ = writeln!(out, "  attempts                     {}", stats.submissions);
    let _ = writeln!(
        out,
        "  passing                      {:.0}%",
        stats.passing_share * 100.0
    );
    let _ = writeln!(out, "  median attempts to a pass    {median}");
    let _ = writeln!(out, "\nbest scores (learners)");
    let widest = stats
        .score_distribution
        .iter()
        .map(|bucket| bucket.learners)
        .max()
        .unwrap_or(0)
        .max(1);
    for bucket in &stats.score_distribution {
        let bar = "#".repeat((bucket.learners * 30).div_ceil(widest) as usize);
        let _ = writeln!(out, "  {:>7} {:>4} {bar}", bucket.label, bucket.learners);
    }
    if !stats.tests_failed_most.is_empty() {
        let _ = writeln!(out, "\ntests failed most (share of learners)");
        for test in &stats.tests_failed_most {
            let hidden = if test.visible { "" } else { " (hidden)" };
            let _ = writeln!(
                out,
                "  {:>4.0}%  {}{hidden}  [{}]",
                test.share * 100.0,
                test.name,
                test.id
            );
        }
    }
    if !stats.hints_shown_most.is_empty() {
        let _ = writeln!(out, "\nhints shown most (share of learners)");
        for hint in &stats.hints_shown_most {
            let _ = writeln!(
                out,
                "  {:>4.0}%  {}",
                hint.share * 100.0,
                hint.hint.replace('\n', " ")
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_shows_every_figure() {
        let stats: ExerciseStats = serde_json::from_value(serde_json::json!({
            "exercise": "python/fizzbuzz",
            "learners": 2,
            "submissions": 3,
            "passing_share": 0.5,
            "median_attempts_to_pass": 2.0,
            "score_distribution": (0..11).map(|bucket| serde_json::json!({
                "label": if bucket == 10 { "100%".to_owned() } else { format!("{}–{}%", bucket * 10, bucket * 10 + 9) },
                "learners": u64::from(bucket == 10 || bucket == 6),
            })).collect::<Vec<_>>(),
            "tests_failed_most": [{"id": "t.py::test_three", "name": "test three", "visible": false, "learners": 2, "share": 1.0}],
            "hints_shown_most": [{"hint": "Check\nthe order.", "learners": 1, "share": 0.5}],
        }))
        .unwrap();
        let table = table(&stats);
        for expected in [
            "learners                     2",
            "attempts                     3",
            "passing                      50%",
            "median attempts to a pass    2",
            "100%    1 ##############################",
            "100%  test three (hidden)  [t.py::test_three]",
            "50%  Check the order.",
        ] {
            assert!(table.contains(expected), "{expected:?} is not in:\n{table}");
        }
    }
}
