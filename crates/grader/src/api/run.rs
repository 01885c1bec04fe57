//! Waiting for the app to answer, then running the scenarios in file
//! order, all against the job's deadline ([`Target::deadline`]). What
//! stopped them early is kept, to be said once the job's end is known.

use std::time::Duration;

use tokio::time::Instant;

use crate::api::cases::CaseFile;
use crate::api::steps::{self, Failure, Target};
use crate::api::tunnel::{Ended, Tunnel};
use crate::exercise::{Exercise, TestSettings};

/// The scenarios' runs, and why they stopped early if they did.
#[derive(Debug, Default)]
pub struct Cases {
    /// Every scenario of every case file, in order.
    pub runs: Vec<CaseRun>,
    pub stop: Option<Stop>,
}

#[derive(Debug)]
pub struct CaseRun {
    pub id: String,
    pub name: String,
    pub settings: TestSettings,
    /// None: not run.
    pub ran: Option<Ran>,
    pub duration: Duration,
}

/// How far a scenario got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// To a verdict: None when it passed, else why it failed.
    Judged(Option<String>),
    /// The job's deadline came while it ran, in the step named if known.
    OutOfTime(Option<String>),
    /// The tunnel ended under it: the container stopped or broke the
    /// stream.
    Cut,
}

/// Why the scenarios stopped before the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The job's deadline passed.
    Deadline,
    /// The app's process exited, with this code.
    AppExited(i32),
    /// The tunnel ended.
    Ended(Ended),
}

/// Runs every scenario of `files` in order until the deadline, the app's
/// exit or the tunnel's end; those after are kept as not run.
pub async fn run_cases(
    client: &reqwest::Client,
    target: &Target,
    tunnel: &Tunnel,
    exercise: &Exercise,
    files: &[(String, CaseFile)],
) -> Cases {
    let mut cases = Cases::default();
    let restarter = steps::Restarter {
        tunnel,
        ready_path: exercise
            .spec
            .api
            .as_ref()
            .map_or("/", |api| api.ready.path.as_str()),
        ready_deadline: exercise
            .spec
            .api
            .as_ref()
            .map_or(crate::api::spec::DEFAULT_READY_DEADLINE, |api| {
                api.ready_deadline()
            }),
    };
    for (file, case_file) in files {
        for scenario in &case_file.scenarios {
            let id = format!("{file}::{}", scenario.name);
            let settings = exercise
                .test_settings(&id)
                .unwrap_or_else(TestSettings::unlisted);
            if cases.stop.is_none() {
                cases.stop = stopped(target, tunnel);
            }
            let began = Instant::now();
            let ran = match cases.stop {
                Some(_) => None,
                None => Some(run_one(client, target, restarter, scenario).await),
            };
            match ran {
                Some(Ran::OutOfTime(_)) => cases.stop = Some(Stop::Deadline),
                Some(Ran::Cut) => cases.stop = tunnel.ended().map(Stop::Ended),
                _ => {}
            }
            cases.runs.push(CaseRun {
                id,
                name: scenario.name.clone(),
                settings,
                duration: if ran.is_some() {
                    began.elapsed()
                } else {
                    Duration::ZERO
                },
                ran,
            });
        }
    }
    cases
}

/// What keeps the next scenario from running, if anything.
fn stopped(target: &Target, tunnel: &Tunnel) -> Option<Stop> {
    if Instant::now() >= target.deadline {
        Some(Stop::Deadline)
    } else if let Some(code) = tunnel.exit_code() {
        Some(Stop::AppExited(code))
    } else {
        tunnel.ended().map(Stop::Ended)
    }
}

async fn run_one(
    client: &reqwest::Client,
    target: &Target,
    restarter: steps::Restarter<'_>,
    scenario: &crate::api::cases::Scenario,
) -> Ran {
    let tunnel = restarter.tunnel;
    tokio::select! {
        // A scenario that ends at the deadline names its step.
        biased;
        failure = steps::run_scenario(client, target, restarter, scenario) => match failure {
            None => Ran::Judged(None),
            Some(Failure::OutOfTime(step)) => Ran::OutOfTime(Some(step)),
            // Its connection failed because the tunnel ended: the tunnel
            // says so before it drops the connections.
            Some(Failure::Failed(_)) if tunnel.ended().is_some() => Ran::Cut,
            Some(Failure::Failed(message)) => Ran::Judged(Some(message)),
        },
        () = tokio::time::sleep_until(target.deadline) => Ran::OutOfTime(None),
    }
}
