//! `grader grade <exercise> <files, folder or mutant patch>`.

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
    let submission = match args.submission.as_slice() {
        // A mutant's patch: the reference with the patch applied.
        [patch] if patch.extension().is_some_and(|ext| ext == "patch") => {
            grader::mutant::load_patch(&exercise, patch).map_err(|error| error.to_string())
        }
        paths => Submission::from_paths(&exercise, paths).map_err(|error| error.to_string()),
    };
    let result = match submission {
        Ok(submission) => {
            let images = Images::new(locate::images_dir(images_dir)?);
            let sandbox = DockerSandbox::connect().await?;
            sandbox.sweep().await?;
            Grader::new(sandbox, images)
                .grade(&exercise, &submission)
                .await
        }
        Err(message) => GradeResult::error(&exercise.id, ErrorKind::InvalidSubmission, message),
    };
    let format = format_or_default(args.format);
    let view = match args.view.unwrap_or(format.default_view()) {
        View::Learner => grader::View::Learner,
        View::Author => grader::View::Author,
    };
    let shown = result.for_view(view);
    match &args.output {
        Some(path) => write_atomically(path, &render(&shown, format, false))?,
        None => print(&shown, format),
    }
    if args.exit_zero
        && result
            .error
            .as_ref()
            .is_none_or(|error| error.learner_fault)
    {
        return Ok(ExitCode::SUCCESS);
    }
    Ok(exit_code(&result))
}

/// Writes `text` to `path` through a temporary file in the same folder, so
/// that a reader never sees half of it.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("could not write in {}", dir.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("could not write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(())
}

/// The format asked for, or human on a terminal and JSON otherwise.
pub fn format_or_default(format: Option<Format>) -> Format {
    format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Human
    } else {
        Format::Json
    })
}

/// Prints `result` as it is, in the view it carries.
pub fn print(result: &GradeResult, format: Format) {
    print!(
        "{}",
        render(result, format, std::io::stdout().is_terminal())
    );
}

/// `result` in `format`, ending with a newline.
fn render(result: &GradeResult, format: Format, color: bool) -> String {
    match format {
        Format::Human => grader::render::human(result, color),
        Format::Json => format!("{}\n", result.to_json()),
        Format::Junit => grader::junit::result(result),
        Format::Exercism => format!("{}\n", grader::export::exercism(result)),
        Format::Gradescope => format!("{}\n", grader::export::gradescope(result)),
    }
}

/// 0 = all passed, 1 = some failed, 2 = could not grade.
/// 0: every test passed; 1: the submission did not pass, its tests' doing
/// or its own (a syntax error, a time limit, a crash); 2: it could not be
/// graded (the grader's failure, `infra`, or a usage error): an attempt not
/// to count. `grader submit` answers the same.
pub fn exit_code(result: &GradeResult) -> ExitCode {
    match (&result.status, &result.error) {
        (Status::Passed, _) => ExitCode::SUCCESS,
        (Status::Error, Some(error)) if !error.learner_fault => ExitCode::from(2),
        (Status::Error, None) => ExitCode::from(2),
        (Status::Failed | Status::Error, _) => ExitCode::from(1),
    }
}
