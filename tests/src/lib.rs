//! Black-box test support: start the real gateway (the same `Application::build` that
//! `main` runs) on port 0 with its own data directory, speak HTTP to it, restart it, and
//! serve files over HTTP from 127.0.0.1 for the URL intake.
//!
//! With `API_TEST_MODE=distributed`, [`TestApp::spawn_with`] starts the deployment as
//! separate processes instead (see [`cluster`]): two gateways and three workers on the
//! machine's RabbitMQ and Redis and on Garage, with a queue name and key prefix of their
//! own; submissions go to one gateway, lookups and downloads to the other.

pub mod cluster;
pub mod fixtures;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::oneshot;

pub const KEY_A: &str = "test-key-alpha";
pub const KEY_B: &str = "test-key-bravo";

/// Whether the suite runs against the distributed deployment (`API_TEST_MODE=distributed`).
pub fn distributed() -> bool {
    std::env::var("API_TEST_MODE").is_ok_and(|m| m == "distributed")
}

/// A running gateway (embedded mode), or two gateways and three workers (distributed).
pub struct TestApp {
    /// Where submissions go.
    pub base: String,
    /// Where lookups by UUID and downloads go (the other gateway in distributed mode).
    pub other_base: String,
    pub client: reqwest::Client,
    pub initial_key: Option<String>,
    data_dir: Arc<tempfile::TempDir>,
    vars: HashMap<String, String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    cluster: Option<cluster::Cluster>,
}

impl TestApp {
    /// Two keys (`KEY_A`, `KEY_B`), loopback URLs allowed (the test file server is local).
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        let mut vars: HashMap<String, String> = [
            ("API_KEYS", format!("{KEY_A},{KEY_B}")),
            ("ALLOW_PRIVATE_URLS", "true".into()),
            ("LISTEN_ADDR", "127.0.0.1:0".into()),
            ("WORKERS", "2".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (k, v) in extra {
            vars.insert(k.to_string(), v.to_string());
        }
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        Self::start(vars, dir).await
    }

    async fn start(mut vars: HashMap<String, String>, data_dir: Arc<tempfile::TempDir>) -> TestApp {
        if distributed() {
            return Self::start_cluster(vars, data_dir, None).await;
        }
        vars.insert("DATA_DIR".into(), data_dir.path().display().to_string());
        let config = gateway::Config::from_map(vars.clone()).expect("config");
        let app = gateway::Application::build(config)
            .await
            .expect("gateway starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        let initial_key = app.initial_key().map(str::to_string);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = app
                .run_with_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        TestApp {
            other_base: base.clone(),
            base,
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
            initial_key,
            data_dir,
            vars,
            stop: Some(tx),
            task: Some(task),
            cluster: None,
        }
    }

    async fn start_cluster(
        vars: HashMap<String, String>,
        data_dir: Arc<tempfile::TempDir>,
        names: Option<cluster::Names>,
    ) -> TestApp {
        let cluster = cluster::Cluster::start(vars.clone(), data_dir.path(), names).await;
        TestApp {
            base: cluster.gateway_base(0),
            other_base: cluster.gateway_base(1),
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
            initial_key: cluster.initial_key.clone(),
            data_dir,
            vars,
            stop: None,
            task: None,
            cluster: Some(cluster),
        }
    }

    /// Whether this app is the distributed deployment.
    pub fn is_distributed(&self) -> bool {
        self.cluster.is_some()
    }

    /// The processes of the distributed deployment.
    pub fn cluster(&self) -> Option<&cluster::Cluster> {
        self.cluster.as_ref()
    }

    /// The URL of `path`: lookups by UUID and downloads go to [`TestApp::other_base`],
    /// everything else to [`TestApp::base`].
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/api/v1/extract/") || path.starts_with("/download-cleaned/") {
            format!("{}{}", self.other_base, path)
        } else {
            format!("{}{}", self.base, path)
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Stops the server (finishing in-flight requests) and starts a new one on the same
    /// data directory and configuration.
    pub async fn restart(mut self) -> TestApp {
        if let Some(mut c) = self.cluster.take() {
            // The deployment's state is in RabbitMQ, Redis and S3: new gateway processes
            // (and workers) on the same queue, prefix and bucket.
            let names = c.names.clone();
            c.stop().await;
            return Self::start_cluster(self.vars.clone(), self.data_dir.clone(), Some(names))
                .await;
        }
        self.shutdown().await;
        let mut vars = self.vars.clone();
        vars.insert("LISTEN_ADDR".into(), "127.0.0.1:0".into());
        Self::start(vars, self.data_dir.clone()).await
    }

    pub async fn shutdown(&mut self) {
        if let Some(c) = self.cluster.as_mut() {
            c.stop().await;
        }
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), t).await;
        }
    }

    /// `POST path` with `bytes` as the multipart part `file` named `name`.
    pub async fn upload(
        &self,
        path: &str,
        key: Option<&str>,
        name: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let mut req = self.client.post(self.url(path)).multipart(form);
        if let Some(k) = key {
            req = req.header("X-API-Key", k);
        }
        req.send().await.expect("request sent")
    }

    /// Extracts the tiny test JPEG uploaded as `name` with key A: the answer's status and
    /// JSON body.
    pub async fn extract_tiny(&self, name: &str) -> (u16, serde_json::Value) {
        json(
            self.upload(
                "/api/v1/extract",
                Some(KEY_A),
                name,
                fixtures::TINY_JPEG.to_vec(),
            )
            .await,
        )
        .await
    }

    /// `GET /api/v1/extract/{id}` without a key: the answer's status and JSON body.
    pub async fn lookup(&self, id: &str) -> (u16, serde_json::Value) {
        json(
            self.client
                .get(self.url(&format!("/api/v1/extract/{id}")))
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    /// `POST path` with a JSON body `{"url": url}`.
    pub async fn post_url(&self, path: &str, key: Option<&str>, url: &str) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(path))
            .json(&serde_json::json!({ "url": url }));
        if let Some(k) = key {
            req = req.header("X-API-Key", k);
        }
        req.send().await.expect("request sent")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Reads a JSON answer, failing the test with the body when it is not JSON.
pub async fn json(resp: reqwest::Response) -> (u16, serde_json::Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, v)
}

/// A file server on 127.0.0.1 for URL intake tests: `/files/NAME` serves registered bytes,
/// `/slow/NAME` does the same after a delay, `/redirect?to=URL` answers 302.
pub struct FileServer {
    pub base: String,
}

impl FileServer {
    pub async fn start(files: Vec<(&str, Vec<u8>)>) -> FileServer {
        Self::start_on("127.0.0.1:0", files).await
    }

    pub async fn start_on(addr: &str, files: Vec<(&str, Vec<u8>)>) -> FileServer {
        use axum::extract::{Path as AxPath, Query};
        use axum::response::IntoResponse;
        let files: Arc<HashMap<String, Vec<u8>>> =
            Arc::new(files.into_iter().map(|(n, b)| (n.to_string(), b)).collect());
        let f1 = files.clone();
        let f2 = files.clone();
        let app = axum::Router::new()
            .route(
                "/files/{name}",
                axum::routing::get(move |AxPath(name): AxPath<String>| {
                    let files = f1.clone();
                    async move {
                        match files.get(&name) {
                            Some(b) => b.clone().into_response(),
                            None => axum::http::StatusCode::NOT_FOUND.into_response(),
                        }
                    }
                }),
            )
            .route(
                "/slow/{name}",
                axum::routing::get(move |AxPath(name): AxPath<String>| {
                    let files = f2.clone();
                    async move {
                        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
                        match files.get(&name) {
                            Some(b) => b.clone().into_response(),
                            None => axum::http::StatusCode::NOT_FOUND.into_response(),
                        }
                    }
                }),
            )
            .route(
                "/redirect",
                axum::routing::get(|Query(q): Query<HashMap<String, String>>| async move {
                    axum::response::Redirect::temporary(
                        q.get("to").map(String::as_str).unwrap_or("/"),
                    )
                }),
            );
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind file server");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FileServer { base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// The shared corpus (`../shared/corpus/exif-samples` from the project root), if present.
pub fn corpus_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/exif-samples");
    p.is_dir().then_some(p)
}
