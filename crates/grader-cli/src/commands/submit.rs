//! `grader submit <exercise> <files>`: a client of `grader serve`. It
//! submits, follows the submission's progress (server-sent events), and
//! prints the result as `grader grade` does.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use grader::GradeResult;
use grader_server::FileBody;
use serde::Deserialize;

use crate::cli::SubmitArgs;
use crate::commands::grade;

#[derive(Debug, Deserialize)]
struct SubmissionView {
    id: String,
    status: String,
    result: Option<GradeResult>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    message: String,
}

pub async fn run(args: SubmitArgs) -> anyhow::Result<ExitCode> {
    let files = match args.files.as_slice() {
        // A mutant's patch, as `grader grade` takes it: the reference with
        // the patch applied, from the exercise's folder here.
        [patch] if patch.extension().is_some_and(|ext| ext == "patch") => {
            patched_files(&args.exercises.join(&args.exercise), patch)?
        }
        paths => read_files(paths)?,
    };
    let base = args.server.trim_end_matches('/').to_owned();
    let client = reqwest::Client::builder()
        .build()
        .context("could not make an HTTP client")?;
    let response = client
        .post(format!("{base}/v1/submissions"))
        .bearer_auth(&args.token)
        .json(&serde_json::json!({"exercise": args.exercise, "files": files}))
        .send()
        .await
        .with_context(|| format!("could not reach the service at {base}"))?;
    let submission: SubmissionView = read(response).await?;
    let progress = std::io::stderr().is_terminal();
    eprintln!("submitted {} ({})", submission.id, submission.status);
    if args.no_wait {
        println!("{}", submission.id);
        return Ok(ExitCode::SUCCESS);
    }
    let result = match submission.result {
        Some(result) => result,
        None => follow(&client, &base, &args.token, &submission.id, progress).await?,
    };
    // In the view the service answered with, which is the caller's.
    grade::print(&result, grade::format_or_default(args.format));
    Ok(grade::exit_code(&result))
}

/// Reads the submission's events until its result comes.
async fn follow(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    progress: bool,
) -> anyhow::Result<GradeResult> {
    let mut response = client
        .get(format!("{base}/v1/submissions/{id}/events"))
        .bearer_auth(token)
        .send()
        .await
        .context("could not follow the submission")?;
    if !response.status().is_success() {
        let _: SubmissionView = read(response).await?;
        bail!("the service did not stream the submission's progress");
    }
    let mut buffer = String::new();
    let mut event = String::new();
    let mut data = String::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .context("the event stream broke off")?
    {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find('\n') {
            let line = buffer[..end].trim_end_matches('\r').to_owned();
            buffer.drain(..=end);
            if let Some(name) = line.strip_prefix("event:") {
                event = name.trim().to_owned();
            } else if let Some(text) = line.strip_prefix("data:") {
                data.push_str(text.trim_start());
            } else if line.is_empty() && !data.is_empty() {
                match event.as_str() {
                    "status" if progress => {
                        let status: serde_json::Value = serde_json::from_str(&data)?;
                        eprintln!("{}", status["status"].as_str().unwrap_or("?"));
                    }
                    "result" => {
                        let view: SubmissionView = serde_json::from_str(&data)
                            .context("the service sent a result this client cannot read")?;
                        if let Some(result) = view.result {
                            return Ok(result);
                        }
                    }
                    _ => {}
                }
                event.clear();
                data.clear();
            }
        }
    }
    bail!("the event stream ended before the result came")
}

/// The body as `T`, or the service's error message as an error.
pub(crate) async fn read<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> anyhow::Result<T> {
    let status = response.status();
    let text = response.text().await.context("could not read the answer")?;
    if !status.is_success() {
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|body| body.message)
            .unwrap_or(text);
        bail!("the service answered {status}: {message}");
    }
    serde_json::from_str(&text).context("the service sent an answer this client cannot read")
}

/// The files by name: the paths given, or the regular files in one folder.
/// None is read through a link: one in the folder is left out (its own
/// type is not a regular file), one named is refused.
/// The exercise's reference with `patch` applied.
fn patched_files(
    dir: &std::path::Path,
    patch: &std::path::Path,
) -> anyhow::Result<BTreeMap<String, FileBody>> {
    let exercise = grader::Exercise::load(dir).with_context(|| {
        format!(
            "a .patch is applied to the exercise's reference, and {} is not an exercise \
             (--exercises names the folder that holds <track>/<slug>)",
            dir.display()
        )
    })?;
    let submission =
        grader::mutant::load_patch(&exercise, patch).map_err(|error| anyhow::anyhow!("{error}"))?;
    submission
        .files
        .into_iter()
        .map(|(name, bytes)| {
            String::from_utf8(bytes)
                .map(|text| (name.clone(), FileBody::Text(text)))
                .map_err(|_| anyhow::anyhow!("{name}, once patched, is not UTF-8 text"))
        })
        .collect()
}

/// The files at `paths` (or in the one folder named), each as text when it
/// is UTF-8 and base64 otherwise (a git bundle).
fn read_files(paths: &[PathBuf]) -> anyhow::Result<BTreeMap<String, FileBody>> {
    let mut list = Vec::new();
    if let [dir] = paths
        && dir.is_dir()
    {
        for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                list.push(entry.path());
            }
        }
    }
    if list.is_empty() {
        list = paths.to_vec();
    }
    let mut files = BTreeMap::new();
    for path in list {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .with_context(|| format!("{} is not a file", path.display()))?;
        let bytes = grader::fsread::read(&path, grader_sandbox::archive::MAX_FILE)?;
        files.insert(name, FileBody::of(bytes));
    }
    Ok(files)
}
