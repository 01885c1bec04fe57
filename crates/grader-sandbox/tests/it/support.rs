//! Shared helpers: the runner image, a job running a command, and a check
//! that the job's container is gone afterwards.

use std::path::PathBuf;
use std::time::Duration;

use grader_sandbox::images::Recipe;
use grader_sandbox::{Archive, DockerSandbox, Job, Limits, Outcome};

pub async fn sandbox() -> DockerSandbox {
    DockerSandbox::connect()
        .await
        .expect("these tests need a running Docker engine; start dockerd")
}

pub fn python_image() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../runner-images/python");
    Recipe::load(&dir).expect("the python recipe loads").tag()
}

pub fn job(limits: Limits) -> Job {
    Job {
        image: python_image(),
        limits,
        env: vec![],
        own_container: false,
    }
}

pub fn quick_limits() -> Limits {
    Limits {
        wall_time: Duration::from_secs(15),
        ..Limits::default()
    }
}

/// An archive whose job runs `python3 -c <code>`.
pub fn python(code: &str) -> Archive {
    let mut archive = Archive::new();
    let manifest = serde_json::json!({ "command": ["python3", "-c", code] });
    archive.set_manifest(manifest.to_string()).unwrap();
    archive
}

/// Runs the job and checks that its container no longer exists.
pub async fn run(job: &Job, input: Archive) -> Outcome {
    let sandbox = sandbox().await;
    let image = job.image.clone();
    let prepared = match sandbox.prepare(job).await {
        Ok(prepared) => prepared,
        Err(error) => panic!(
            "could not start a container of {image}: {error} — build the image first with `grader images build`"
        ),
    };
    let id = prepared.container_id().to_owned();
    let outcome = prepared.run(input).await.expect("the job runs");
    assert_container_gone(&id).await;
    outcome
}

pub async fn assert_container_gone(id: &str) {
    let docker = bollard::Docker::connect_with_local_defaults().unwrap();
    match docker.inspect_container(id, None).await {
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => {}
        Ok(_) => panic!("container {id} was left behind"),
        Err(error) => panic!("could not inspect container {id}: {error}"),
    }
}
