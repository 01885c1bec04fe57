//! Leftovers of dead grader processes are swept; live ones are not touched.

use std::collections::HashMap;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::CreateContainerOptions;
use grader_sandbox::CONTAINER_LABEL;

use crate::support::{self, python_image};

/// The two tests sweep the same engine and temporary folder: run together,
/// one would sweep the other's dead leftover and leave it nothing to count.
static ONE_SWEEP_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn labelled_container(pid: u32) -> String {
    let docker = bollard::Docker::connect_with_local_defaults().unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let labels = HashMap::from([
        (CONTAINER_LABEL.to_owned(), "1".to_owned()),
        (format!("{CONTAINER_LABEL}.pid"), pid.to_string()),
        (format!("{CONTAINER_LABEL}.host"), host.trim().to_owned()),
    ]);
    let body = ContainerCreateBody {
        image: Some(python_image()),
        cmd: Some(vec!["true".to_owned()]),
        labels: Some(labels),
        ..Default::default()
    };
    docker
        .create_container(None::<CreateContainerOptions>, body)
        .await
        .expect("create a labelled container (is the python image built?)")
        .id
}

#[tokio::test]
async fn sweep_removes_leftovers_of_dead_processes_only() {
    let _alone = ONE_SWEEP_AT_A_TIME.lock().await;
    let mut finished = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = finished.id();
    finished.wait().unwrap();
    let leftover = labelled_container(dead_pid).await;
    let live = labelled_container(std::process::id()).await;

    let sandbox = support::sandbox().await;
    let removed = sandbox.sweep().await.unwrap();
    assert!(removed >= 1);
    support::assert_container_gone(&leftover).await;

    let docker = bollard::Docker::connect_with_local_defaults().unwrap();
    assert!(
        docker.inspect_container(&live, None).await.is_ok(),
        "a live owner's container was swept"
    );
    docker
        .remove_container(
            &live,
            None::<bollard::query_parameters::RemoveContainerOptions>,
        )
        .await
        .unwrap();
}

/// A zygote's socket folder is swept with the containers once its grader
/// process is gone, and only then.
#[tokio::test]
async fn sweep_removes_the_socket_folders_of_dead_processes_only() {
    let _alone = ONE_SWEEP_AT_A_TIME.lock().await;
    let dead = {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let temp = std::env::temp_dir();
    let theirs = temp.join(format!("grader-zygote-{dead}-sweeptest"));
    let ours = temp.join(format!("grader-zygote-{}-sweeptest", std::process::id()));
    for folder in [&theirs, &ours] {
        std::fs::create_dir_all(folder.join("shared")).unwrap();
    }
    support::sandbox().await.sweep().await.unwrap();
    assert!(!theirs.exists(), "a dead process's socket folder is left");
    assert!(ours.exists(), "a live process's socket folder was removed");
    std::fs::remove_dir_all(&ours).unwrap();
}
