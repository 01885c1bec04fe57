//! Owns a container: removes it when dropped, on every path out.

use bollard::Docker;
use bollard::query_parameters::RemoveContainerOptionsBuilder;

/// Removes its container (forcibly, with its anonymous volumes) when dropped
/// or when [`ContainerGuard::remove`] is awaited. Dropping spawns the removal
/// on the current tokio runtime; awaiting `remove` is the normal path, the
/// drop the fallback for errors, panics and cancellation. What even the
/// fallback misses (a killed process) the start-up sweep removes.
#[derive(Debug)]
pub(crate) struct ContainerGuard {
    docker: Docker,
    id: Option<String>,
}

impl ContainerGuard {
    pub(crate) fn new(docker: Docker, id: String) -> Self {
        ContainerGuard {
            docker,
            id: Some(id),
        }
    }

    pub(crate) fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    pub(crate) async fn remove(mut self) {
        if let Some(id) = self.id.take() {
            remove(&self.docker, &id).await;
        }
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        let docker = self.docker.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { remove(&docker, &id).await });
            }
            Err(_) => {
                tracing::warn!(container = %id, "no runtime to remove container; the next sweep will")
            }
        }
    }
}

pub(crate) async fn remove(docker: &Docker, id: &str) {
    let options = RemoveContainerOptionsBuilder::default()
        .force(true)
        .v(true)
        .build();
    match docker.remove_container(id, Some(options)).await {
        Ok(()) => tracing::debug!(container = %id, "removed container"),
        // Gone already, or being removed by another (two nodes sweeping
        // one dead node's leftovers): either way it goes.
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404 | 409,
            ..
        }) => {}
        Err(error) => tracing::warn!(container = %id, %error, "could not remove container"),
    }
}
