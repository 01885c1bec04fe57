//! Counters for `/v1/metrics`, in Prometheus' text format.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    pub accepted: AtomicU64,
    pub passed: AtomicU64,
    pub failed: AtomicU64,
    pub errored: AtomicU64,
    pub grading_ms: AtomicU64,
    pub busy: AtomicU64,
    pub recovered: AtomicU64,
}

impl Metrics {
    pub fn graded(&self, status: grader::Status, millis: u64) {
        let counter = match status {
            grader::Status::Passed => &self.passed,
            grader::Status::Failed => &self.failed,
            grader::Status::Error => &self.errored,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.grading_ms.fetch_add(millis, Ordering::Relaxed);
    }

    pub fn render(&self, queued: i64, workers: usize) -> String {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let graded = get(&self.passed) + get(&self.failed) + get(&self.errored);
        format!(
            "# HELP grader_submissions_accepted_total Submissions stored and queued.\n\
             # TYPE grader_submissions_accepted_total counter\n\
             grader_submissions_accepted_total {}\n\
             # HELP grader_submissions_graded_total Submissions graded, by result status.\n\
             # TYPE grader_submissions_graded_total counter\n\
             grader_submissions_graded_total{{status=\"passed\"}} {}\n\
             grader_submissions_graded_total{{status=\"failed\"}} {}\n\
             grader_submissions_graded_total{{status=\"error\"}} {}\n\
             # HELP grader_grading_seconds Time spent grading.\n\
             # TYPE grader_grading_seconds summary\n\
             grader_grading_seconds_sum {:.3}\n\
             grader_grading_seconds_count {graded}\n\
             # HELP grader_queue_depth Submissions waiting for a worker.\n\
             # TYPE grader_queue_depth gauge\n\
             grader_queue_depth {queued}\n\
             # HELP grader_workers_busy Workers grading right now.\n\
             # TYPE grader_workers_busy gauge\n\
             grader_workers_busy {}\n\
             # HELP grader_workers Workers of this node.\n\
             # TYPE grader_workers gauge\n\
             grader_workers {workers}\n\
             # HELP grader_submissions_recovered_total Submissions requeued because their lease expired (their node died or stalled).\n\
             # TYPE grader_submissions_recovered_total counter\n\
             grader_submissions_recovered_total {}\n",
            get(&self.accepted),
            get(&self.passed),
            get(&self.failed),
            get(&self.errored),
            get(&self.grading_ms) as f64 / 1000.0,
            get(&self.busy),
            get(&self.recovered),
        )
    }
}
