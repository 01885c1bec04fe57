//! `grader grade <exercise> <files or folder>`.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use grader::result::{ErrorKind, GradeResult, Status};
use grader::{Exercise, Grader, Images, Submission};
use grader_sandbox::DockerSandbox;

use crate::cli::{Format, GradeArgs, View};
use crate::locate;

pub async fn run(images_dir: Option<&Path>, args: GradeArgs) -> anyhow::Result<ExitCode> {
    let exercise = Exercise::load(&args.exercise)?;
    let result = match Submission::from_paths(&exercise, &args.submission) {
        Ok(submission) => {
            let images = Images::new(locate::images_dir(images_dir)?);
            let sandbox = DockerSandbox::connect().await?;
            sandbox.sweep().await?;
            Grader::new(sandbox, images)
                .grade(&exercise, &submission)
                .await
        }
        Err(error) => GradeResult::error(
            &exercise.id,
            ErrorKind::InvalidSubmission,
            error.to_string(),
        ),
    };
    print(&result, args.format, args.view);
    Ok(exit_code(&result))
}

pub fn print(result: &GradeResult, format: Option<Format>, view: View) {
    let view = match view {
        View::Learner => grader::View::Learner,
        View::Author => grader::View::Author,
    };
    let result = result.for_view(view);
    let terminal = std::io::stdout().is_terminal();
    match format.unwrap_or(if terminal {
        Format::Human
    } else {
        Format::Json
    }) {
        Format::Human => print!("{}", grader::render::human(&result, terminal)),
        Format::Json => println!("{}", result.to_json()),
        Format::Junit => print!("{}", grader::export::junit(&result)),
        Format::Exercism => println!("{}", grader::export::exercism(&result)),
        Format::Gradescope => println!("{}", grader::export::gradescope(&result)),
    }
}

/// 0 = all passed, 1 = some failed, 2 = could not grade.
pub fn exit_code(result: &GradeResult) -> ExitCode {
    match result.status {
        Status::Passed => ExitCode::SUCCESS,
        Status::Failed => ExitCode::from(1),
        Status::Error => ExitCode::from(2),
    }
}
