//! The gateway: the only crate that knows HTTP. [`Application::build`] turns a [`Config`]
//! into a bound server (tests start it on port 0 the same way `main` does).

pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod handlers;
pub mod http_metrics;
pub mod intake;
pub mod openapi;
pub mod telemetry;
pub mod web;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::routing::{get, post};
use axum::Router;
use jobs::backend::{ApiKey, Backends, KeyStore};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

pub use config::Config;

/// What every handler sees.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub backends: Backends,
    /// Keys from `API_KEYS`, as records (hash and derived id).
    pub config_keys: Arc<Vec<ApiKey>>,
    pub public_base_url: Arc<str>,
    pub upload_dir: PathBuf,
    pub mode: &'static str,
}

/// A bound, ready-to-run gateway.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    addr: SocketAddr,
    initial_key: Option<String>,
    state: AppState,
}

/// The key store the configuration points at (used by `gateway keys`).
pub async fn key_store(config: &Config) -> anyhow::Result<Arc<dyn KeyStore>> {
    if let Some(s) = &config.distributed {
        return jobs::distributed::key_store(s);
    }
    Ok(Arc::new(
        jobs::embedded::LocalKeys::open(&config.data_dir).context("opening keys.json")?,
    ))
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        jobs::metrics::mark_start();
        let listener = tokio::net::TcpListener::bind(&config.listen_addr)
            .await
            .with_context(|| format!("binding {}", config.listen_addr))?;
        let addr = listener.local_addr()?;
        let public_base_url: Arc<str> = config
            .public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .into();
        let tmp = config.data_dir.join("tmp");
        let upload_dir = tmp.join("uploads");
        let _ = std::fs::remove_dir_all(&upload_dir);
        std::fs::create_dir_all(&upload_dir).with_context(|| {
            format!("creating the data directory {}", config.data_dir.display())
        })?;
        let (backends, mode) = if let Some(s) = &config.distributed {
            let b = jobs::distributed::connect(s)
                .await
                .context("setting up the distributed backends")?;
            (b, "distributed")
        } else {
            (embedded(&config).await?, "embedded")
        };
        let config_keys: Vec<ApiKey> = config
            .api_keys
            .iter()
            .map(|k| jobs::keys::from_config(k.expose()))
            .collect();
        let mut initial_key = None;
        if config_keys.is_empty() && backends.keys.list().await?.is_empty() {
            let (key, rec) = jobs::keys::generate("initial key");
            backends.keys.insert(&rec).await?;
            // Printed once, outside the logs, so that the first curl works.
            eprintln!(
                "\n  No API key was configured, so one was created (id {}):\n\n    {key}\n\n  Keep it: it is stored hashed and will not be shown again.\n",
                rec.id
            );
            initial_key = Some(key);
        }
        let state = AppState {
            config: Arc::new(config),
            backends,
            config_keys: Arc::new(config_keys),
            public_base_url,
            upload_dir,
            mode,
        };
        let router = router(state.clone());
        tracing::info!(%addr, mode = state.mode, workers = state.config.workers, "gateway listening");
        Ok(Application {
            listener,
            router,
            addr,
            initial_key,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The key created on a first start with no key configured, if this start created one.
    pub fn initial_key(&self) -> Option<&str> {
        self.initial_key.as_deref()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, then stops accepting and finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_with_shutdown(shutdown_signal()).await
    }

    pub async fn run_with_shutdown(
        self,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let results = self.state.backends.results.clone();
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(signal)
            .await?;
        // Records written behind their answers reach the disk before the process ends.
        if let Err(e) = results.close().await {
            tracing::error!(error = %e, "result records could not all be written");
        }
        Ok(())
    }
}

/// The embedded backends: a local queue with in-process workers and a data directory.
async fn embedded(config: &Config) -> anyhow::Result<Backends> {
    jobs::embedded::start(&jobs::embedded::EmbeddedConfig {
        data_dir: config.data_dir.clone(),
        workers: config.workers,
        queue_capacity: 4096,
        result_ttl: config.result_ttl_secs,
        file_ttl: config.file_ttl_secs,
        fetch: jobs::fetch::FetchConfig {
            allow_private: config.allow_private_urls,
            max_bytes: config.max_upload_bytes,
            total_timeout: config.fetch_timeout,
            ..Default::default()
        },
        sweep_every: config.sweep_interval,
    })
    .await
    .context("starting the embedded backends")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn router(state: AppState) -> Router {
    let cors = cors_layer(&state.config.cors_allowed_origins);
    Router::new()
        .route("/api/v1/extract", post(handlers::extract))
        .route("/api/v1/extract/{uuid}", get(handlers::get_result))
        .route("/api/v1/remove", post(handlers::remove))
        .route("/download-cleaned/{uuid}", get(handlers::download))
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/metrics", get(handlers::metrics))
        .route("/", get(web::index))
        .route("/docs", get(web::docs))
        .route("/openapi.json", get(web::openapi_json))
        .route("/assets/{name}", get(web::asset))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(|| async {
            (
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                axum::Json(serde_json::json!({"success": false, "error": "Method not allowed"})),
            )
        })
        .layer(DefaultBodyLimit::disable())
        .layer(cors)
        .layer(
            // Spans name the path only: the query may carry `?key=`.
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<axum::body::Body>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        // Outermost: counts every answer, CORS preflights and fallbacks included.
        .layer(axum::middleware::from_fn(http_metrics::track))
        .with_state(state)
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([HeaderName::from_static("x-api-key"), header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(3600))
}
