//! `gateway`: serves the API (`gateway` or `gateway serve`), or manages API keys
//! (`gateway keys create --name NAME`, `gateway keys list`, `gateway keys revoke ID`).

use gateway::{cli, config::Config, telemetry, Application};

// mimalloc: the metadata core allocates a small String or Vec per tag, and glibc's malloc
// was ~28 % of its instructions; mimalloc makes the core's corpus benchmark ~20 % faster
// (BENCHMARKS.md section 1). The core's benchmark and `dump` example use it too.
#[global_allocator]
static GLOBAL: mialloc::MiMalloc = mialloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        match args.first().map(String::as_str) {
            None | Some("serve") => {
                telemetry::init();
                match Application::build(config).await {
                    Ok(app) => match app.run_until_stopped().await {
                        Ok(()) => std::process::ExitCode::SUCCESS,
                        Err(e) => {
                            tracing::error!(error = %e, "server failed");
                            std::process::ExitCode::FAILURE
                        }
                    },
                    Err(e) => {
                        eprintln!("cannot start: {e:#}");
                        std::process::ExitCode::FAILURE
                    }
                }
            }
            Some("keys") => cli::keys(&config, &args[1..]).await,
            Some("-h") | Some("--help") | Some("help") => {
                println!("{}", cli::USAGE);
                std::process::ExitCode::SUCCESS
            }
            Some(other) => {
                eprintln!("unknown command '{other}'\n\n{}", cli::USAGE);
                std::process::ExitCode::from(2)
            }
        }
    })
}
