//! `grader gradebook`: the class's gradebook from a running service
//! (`GET /v1/gradebook`) with an author's or admin's token, as CSV on
//! stdout (`grader gradebook > grades.csv`) or the service's JSON.

use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::cli::{GradebookArgs, GradebookFormat};

pub async fn run(args: GradebookArgs) -> anyhow::Result<ExitCode> {
    let base = args.server.trim_end_matches('/');
    let client = reqwest::Client::builder()
        .build()
        .context("could not make an HTTP client")?;
    let accept = match args.format {
        GradebookFormat::Csv => "text/csv",
        GradebookFormat::Json => "application/json",
    };
    let response = client
        .get(format!("{base}/v1/gradebook"))
        .bearer_auth(&args.token)
        .header("Accept", accept)
        .send()
        .await
        .with_context(|| format!("could not reach the service at {base}"))?;
    let status = response.status();
    let text = response.text().await.context("could not read the answer")?;
    if !status.is_success() {
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|body| body["message"].as_str().map(str::to_owned))
            .unwrap_or(text);
        bail!("the service answered {status}: {message}");
    }
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
