//! `worker`: takes jobs from RabbitMQ and runs them (configuration: the same environment
//! variables as the gateway's distributed mode, see `jobs::settings`). SIGTERM stops taking
//! jobs and drains the ones in flight. `/metrics`, `/healthz` and `/readyz` are served on
//! `METRICS_ADDR` (default `0.0.0.0:9100`; empty to turn off).

use axum::routing::get;
use std::process::ExitCode;

// mimalloc: the metadata core allocates a small String or Vec per tag, and glibc's malloc
// was ~28 % of its instructions; mimalloc makes the core's corpus benchmark ~20 % faster
// (BENCHMARKS.md section 1). The core's benchmark and `dump` example use it too.
#[global_allocator]
static GLOBAL: mialloc::MiMalloc = mialloc::MiMalloc;

fn main() -> ExitCode {
    init_logging();
    let settings = match jobs::settings::Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        jobs::metrics::mark_start();
        if let Some(addr) = settings.metrics_addr.clone() {
            match tokio::net::TcpListener::bind(&addr).await {
                Ok(listener) => {
                    if let Ok(a) = listener.local_addr() {
                        tracing::info!(addr = %a, "serving /metrics");
                    }
                    let probe = match jobs::distributed::worker::Probe::new(&settings) {
                        Ok(p) => std::sync::Arc::new(p),
                        Err(e) => {
                            eprintln!("configuration error: {e:#}");
                            return ExitCode::from(2);
                        }
                    };
                    let app = axum::Router::new()
                        .route("/metrics", get(|| async { jobs::metrics::render() }))
                        .route("/healthz", get(|| async { "ok" }))
                        .route(
                            "/readyz",
                            get(move || {
                                let probe = probe.clone();
                                async move {
                                    match probe.ready().await {
                                        Ok(()) => (axum::http::StatusCode::OK, "ready".to_string()),
                                        Err(e) => (
                                            axum::http::StatusCode::SERVICE_UNAVAILABLE,
                                            e.to_string(),
                                        ),
                                    }
                                }
                            }),
                        );
                    tokio::spawn(async move {
                        let _ = axum::serve(listener, app).await;
                    });
                }
                Err(e) => {
                    eprintln!("cannot bind METRICS_ADDR {addr}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        match jobs::distributed::worker::run(&settings, shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("worker failed: {e:#}");
                ExitCode::FAILURE
            }
        }
    })
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json");
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("SIGTERM: draining");
}
