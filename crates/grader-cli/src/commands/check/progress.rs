//! How `grader check` reports exercises while it runs. On a terminal, outside
//! CI, a progress bar shows how many exercises are done, the time elapsed and
//! the exercises running, and each result is printed above it. Otherwise (CI
//! sets `CI`, or stderr is a file or a pipe) only the plain lines are printed,
//! one block per exercise as it finishes, so logs read the same everywhere.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use grader::check::ExerciseCheck;
use indicatif::{ProgressBar, ProgressStyle};
use owo_colors::OwoColorize;

const TEMPLATE: &str = "{spinner} [{elapsed_precise}] {bar:20} {pos}/{len} {wide_msg}";

#[derive(Debug)]
pub struct Progress {
    total: usize,
    color: bool,
    bar: Option<ProgressBar>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    done: usize,
    /// The folder names of the exercises running, in the order they started.
    running: Vec<String>,
}

impl Progress {
    /// Reports `total` exercises to stderr: with a bar when stderr is a
    /// terminal and `CI` is not set, as plain lines otherwise.
    pub fn new(total: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = (terminal && std::env::var_os("CI").is_none()).then(|| {
            let style = ProgressStyle::with_template(TEMPLATE).expect("the template is valid");
            let bar = ProgressBar::new(total as u64).with_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            total,
            color: terminal,
            bar,
            state: Mutex::new(State::default()),
        }
    }

    /// Notes that the exercise in `dir` has started.
    pub fn started(&self, dir: &Path) {
        let mut state = self.state();
        state.running.push(folder_name(dir));
        self.show_running(&state);
    }

    /// Prints how the exercise in `dir` went: the line with its mark and
    /// time, and the reason of every check that did not hold.
    pub fn finished(&self, dir: &Path, check: &ExerciseCheck) {
        let mut state = self.state();
        state.done += 1;
        let name = folder_name(dir);
        if let Some(index) = state.running.iter().position(|running| *running == name) {
            state.running.remove(index);
        }
        let block = self.block(state.done, check);
        match &self.bar {
            None => eprint!("{block}"),
            Some(bar) => {
                bar.suspend(|| eprint!("{block}"));
                bar.inc(1);
                self.show_running(&state);
            }
        }
    }

    /// Removes the bar, so that what is printed next starts on a clean line.
    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn show_running(&self, state: &State) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("running: {}", state.running.join(", ")));
        }
    }

    fn block(&self, position: usize, check: &ExerciseCheck) -> String {
        let mark = if check.ok() {
            paint("ok  ", self.color, true)
        } else {
            paint("FAIL", self.color, false)
        };
        let mut block = format!(
            "[{position:>3}/{}] {mark} {} ({:.1}s)\n",
            self.total,
            check.exercise,
            check.duration.as_secs_f64()
        );
        for finding in check
            .findings
            .iter()
            .filter(|finding| !finding.ok || finding.warning)
        {
            let subject = if finding.ok {
                format!("{} (warning)", finding.subject)
            } else {
                finding.subject.clone()
            };
            for (index, line) in finding.message.lines().enumerate() {
                let subject = if index == 0 { subject.as_str() } else { "" };
                block.push_str(&format!("          {subject:<12} {line}\n"));
            }
        }
        block
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays whole even if a holder panicked: take it as it is.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn folder_name(dir: &Path) -> String {
    dir.file_name().map_or_else(
        || dir.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

fn paint(text: &str, color: bool, good: bool) -> String {
    match (color, good) {
        (false, _) => text.to_owned(),
        (true, true) => text.green().to_string(),
        (true, false) => text.red().bold().to_string(),
    }
}
