//! The gradebook: one row per learner, one column per exercise, the score
//! that counts (the learner's best graded attempt; an `infra` grading is
//! no attempt), with their attempts and last activity. Served as JSON or
//! CSV (`GET /v1/gradebook`); a spreadsheet opens the CSV as it is.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::{Caller, StoredSubmission};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Gradebook {
    /// The columns: every exercise served, by id.
    pub exercises: Vec<String>,
    /// Each exercise's most points, in the order of `exercises` (none for
    /// an exercise nobody was graded on yet).
    pub max_scores: Vec<Option<f64>>,
    pub learners: Vec<GradebookRow>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GradebookRow {
    pub token_id: i64,
    pub name: String,
    /// The best score of each exercise, in the order of `exercises`; none
    /// where the learner has no graded attempt.
    pub scores: Vec<Option<f64>>,
    /// The sum of `scores`.
    pub total: f64,
    /// Graded attempts, over every exercise.
    pub submissions: u64,
    /// When their last attempt was graded (Unix seconds), if ever.
    pub last_activity: Option<i64>,
}

/// The gradebook of `learners` from each exercise's graded submissions.
pub fn compute(learners: &[Caller], graded: &BTreeMap<String, Vec<StoredSubmission>>) -> Gradebook {
    let exercises: Vec<String> = graded.keys().cloned().collect();
    let mut max_scores = vec![None; exercises.len()];
    let mut rows: BTreeMap<i64, GradebookRow> = learners
        .iter()
        .filter(|caller| caller.role == crate::model::Role::Learner)
        .map(|caller| {
            (
                caller.token_id,
                GradebookRow {
                    token_id: caller.token_id,
                    name: caller.name.clone(),
                    scores: vec![None; exercises.len()],
                    total: 0.0,
                    submissions: 0,
                    last_activity: None,
                },
            )
        })
        .collect();
    for (column, submissions) in graded.values().enumerate() {
        for submission in submissions {
            let Some(result) = &submission.result else {
                continue;
            };
            if result
                .error
                .as_ref()
                .is_some_and(|error| !error.learner_fault)
            {
                continue;
            }
            let max = max_scores[column].get_or_insert(result.max_score);
            *max = max.max(result.max_score);
            let Some(row) = rows.get_mut(&submission.token_id) else {
                continue;
            };
            row.submissions += 1;
            let when = submission.finished_at.unwrap_or(submission.created_at);
            row.last_activity = Some(row.last_activity.map_or(when, |last| last.max(when)));
            let best = &mut row.scores[column];
            *best = Some(best.map_or(result.score, |kept| kept.max(result.score)));
        }
    }
    let learners = rows
        .into_values()
        .map(|mut row| {
            row.total = row.scores.iter().flatten().sum();
            row
        })
        .collect();
    Gradebook {
        exercises,
        max_scores,
        learners,
    }
}

impl Gradebook {
    /// As CSV: a header row (`learner`, `token_id`, each exercise's id,
    /// `total`, `submissions`, `last_activity`), then a row per learner;
    /// an empty cell where a learner has no score, the last activity in
    /// RFC 3339 UTC, a name that would start a formula made inert.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["learner".to_owned(), "token_id".to_owned()];
        header.extend(self.exercises.iter().cloned());
        header.extend(["total", "submissions", "last_activity"].map(str::to_owned));
        writer.write_record(&header).expect("writing to memory");
        for row in &self.learners {
            let mut record = vec![inert(&row.name), row.token_id.to_string()];
            record.extend(
                row.scores
                    .iter()
                    .map(|score| score.map(number).unwrap_or_default()),
            );
            record.push(number(row.total));
            record.push(row.submissions.to_string());
            record.push(row.last_activity.map(rfc3339).unwrap_or_default());
            writer.write_record(&record).expect("writing to memory");
        }
        String::from_utf8(writer.into_inner().expect("writing to memory"))
            .expect("CSV of UTF-8 fields is UTF-8")
    }
}

/// A cell of text that a spreadsheet shows as text: one that would start a
/// formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) gets a
/// `'` before it, as OWASP advises against CSV injection.
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A score as a spreadsheet reads it: no trailing `.0`.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Unix seconds as RFC 3339, UTC (`2026-12-08T00:00:00Z`).
fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|when| {
            when.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_numbers_read_as_a_spreadsheet_expects() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_688_000), "2026-12-08T00:00:00Z");
        assert_eq!(rfc3339(951_782_400 + 3_661), "2000-02-29T01:01:01Z");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(0.0), "0");
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("-1+2"), "'-1+2");
        assert_eq!(inert("ann"), "ann");
    }
}
