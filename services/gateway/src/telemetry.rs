//! Logging: `tracing` to stderr, human-readable by default, JSON with `LOG_FORMAT=json`;
//! the level from `RUST_LOG` (default `info`).

pub fn init() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = std::env::var("LOG_FORMAT")
        .map(|v| v == "json")
        .unwrap_or(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
