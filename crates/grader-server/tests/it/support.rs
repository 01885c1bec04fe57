//! A service on a loopback port with a fresh database, and a client.

use std::path::PathBuf;

use grader::{Grader, Images};
use grader_sandbox::DockerSandbox;
use grader_server::auth::{self, Role};
use grader_server::catalog::Catalog;
use grader_server::{AppState, Config, SqliteStore};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A running service; dropping it shuts it down.
pub struct Service {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState<SqliteStore>,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Service {
    /// Starts a service with `config`; with `workers: false` nothing is
    /// graded (the queue only fills).
    pub async fn start(config: Config, workers: bool) -> Service {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("grader.db");
        let store = SqliteStore::open(db.to_str().unwrap()).await.unwrap();
        let catalog = Catalog::load(&root().join("exercises"));
        let state = AppState::new(store, catalog, config);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        if workers {
            let sandbox = DockerSandbox::connect()
                .await
                .expect("these tests need a running Docker engine; start dockerd");
            let grader = Grader::new(sandbox, Images::new(root().join("runner-images")));
            tokio::spawn(grader_server::run(
                Some(listener),
                state.clone(),
                grader,
                shutdown,
            ));
        } else {
            let app = grader_server::app(state.clone());
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
            });
        }
        Service {
            base,
            client: reqwest::Client::new(),
            state,
            _stop: stop,
            _dir: dir,
        }
    }

    pub async fn token(&self, name: &str, role: Role) -> String {
        auth::create_token(&*self.state.store, name, role)
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs `path` as `token` and returns its JSON body.
    pub async fn get_json(&self, token: &str, path: &str) -> serde_json::Value {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// POSTs a JSON submission; returns the status and the body.
    pub async fn submit(
        &self,
        token: &str,
        exercise: &str,
        files: &[(&str, &str)],
        wait: Option<u64>,
    ) -> (u16, serde_json::Value) {
        let files: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(name, text)| ((*name).to_owned(), serde_json::Value::from(*text)))
            .collect();
        let mut request = self
            .client
            .post(self.url("/v1/submissions"))
            .bearer_auth(token)
            .json(&serde_json::json!({"exercise": exercise, "files": files}));
        if let Some(wait) = wait {
            request = request.query(&[("wait", wait)]);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }
}

pub fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}
