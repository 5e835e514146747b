//! The distributed deployment as separate processes: 2 `gateway` + 3 `worker` binaries (from
//! the target directory the tests were built in; build them first), on the machine's
//! RabbitMQ and Redis and on Garage (`scripts/garage.sh`), each cluster with its own queue
//! name and Redis key prefix. Workers are supervised like an orchestrator would: one that
//! dies is started again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::process::{Child, Command};

pub const GATEWAYS: usize = 2;
pub const WORKERS: usize = 3;

/// What makes one cluster's state its own.
#[derive(Debug, Clone)]
pub struct Names {
    pub queue: String,
    pub redis_prefix: String,
}

impl Names {
    fn new() -> Names {
        let id = uuid::Uuid::new_v4().simple().to_string();
        Names {
            queue: format!("test-{id}"),
            redis_prefix: format!("test:{id}:"),
        }
    }
}

pub struct Cluster {
    pub names: Names,
    pub initial_key: Option<String>,
    gateway_ports: Vec<u16>,
    gateways: Vec<Child>,
    /// Per worker slot: the pid of its current process.
    worker_pids: Arc<Mutex<Vec<Option<u32>>>>,
    pub worker_metrics_ports: Vec<u16>,
    supervisors: Vec<tokio::task::JoinHandle<()>>,
    env: HashMap<String, String>,
    dir: PathBuf,
    /// How many worker processes were started (restarts included).
    pub worker_starts: Arc<std::sync::atomic::AtomicUsize>,
}

fn bin_dir() -> PathBuf {
    if let Ok(d) = std::env::var("API_TEST_BIN_DIR") {
        return PathBuf::from(d);
    }
    let exe = std::env::current_exe().expect("test executable");
    // target/<profile>/deps/<test> -> target/<profile>
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// S3 settings: from the environment, else from the file `scripts/garage.sh` writes.
fn s3_env() -> HashMap<String, String> {
    let names = [
        "S3_ENDPOINT",
        "S3_BUCKET",
        "S3_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ];
    let mut out: HashMap<String, String> = names
        .iter()
        .filter_map(|n| std::env::var(n).ok().map(|v| (n.to_string(), v)))
        .collect();
    if out.len() < names.len() {
        let state = std::env::var("GARAGE_STATE").unwrap_or_else(|_| "/tmp/metadata-garage".into());
        let text = std::fs::read_to_string(Path::new(&state).join("s3.env"))
            .expect("S3 settings: set S3_* and AWS_* or run scripts/garage.sh first");
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=') {
                out.entry(k.trim().to_string())
                    .or_insert_with(|| v.trim().to_string());
            }
        }
    }
    out
}

/// A client of the test S3 bucket under `prefix`, as the services would build it.
pub fn s3_files(prefix: &str) -> jobs::distributed::s3::S3Files {
    let env = s3_env();
    let get = |k: &str| env.get(k).cloned().unwrap_or_default();
    jobs::distributed::s3::S3Files::new(
        jobs::settings::S3Settings {
            endpoint: get("S3_ENDPOINT").trim_end_matches('/').to_string(),
            bucket: get("S3_BUCKET"),
            region: get("S3_REGION"),
            prefix: prefix.to_string(),
            access_key_id: get("AWS_ACCESS_KEY_ID"),
            secret_access_key: get("AWS_SECRET_ACCESS_KEY"),
            presigned_downloads: false,
        },
        0,
    )
    .expect("S3 client")
}

impl Cluster {
    /// Starts the processes and waits until both gateways are ready.
    pub async fn start(vars: HashMap<String, String>, dir: &Path, names: Option<Names>) -> Cluster {
        let names = names.unwrap_or_else(Names::new);
        let mut env: HashMap<String, String> = s3_env();
        env.insert(
            "AMQP_URL".into(),
            std::env::var("TEST_AMQP_URL")
                .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
        );
        env.insert(
            "REDIS_URL".into(),
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        );
        env.insert("QUEUE_NAME".into(), names.queue.clone());
        env.insert("REDIS_PREFIX".into(), names.redis_prefix.clone());
        // Test queues delete themselves once unused for 10 minutes.
        env.insert("QUEUE_EXPIRES_SECS".into(), "600".into());
        env.insert("WORKER_CONCURRENCY".into(), "2".into());
        env.insert("RETRY_DELAY_MS".into(), "300".into());
        env.insert("DRAIN_TIMEOUT_SECS".into(), "10".into());
        env.insert(
            "RUST_LOG".into(),
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        );
        env.remove("WORKERS");
        for (k, v) in vars {
            if k != "LISTEN_ADDR" && k != "WORKERS" && k != "DATA_DIR" {
                env.insert(k, v);
            }
        }
        let mut c = Cluster {
            names,
            initial_key: None,
            gateway_ports: Vec::new(),
            gateways: Vec::new(),
            worker_pids: Arc::new(Mutex::new(vec![None; WORKERS])),
            worker_metrics_ports: Vec::new(),
            supervisors: Vec::new(),
            env,
            dir: dir.to_path_buf(),
            worker_starts: Arc::default(),
        };
        // Gateways one after the other: only the first may create an initial key.
        for n in 0..GATEWAYS {
            let port = free_port();
            let child = c.spawn_gateway(n, port);
            c.gateways.push(child);
            c.gateway_ports.push(port);
            c.wait_ready(n).await;
            if n == 0 {
                c.initial_key = c.find_initial_key(0);
            }
        }
        for slot in 0..WORKERS {
            let port = free_port();
            c.worker_metrics_ports.push(port);
            c.start_worker_slot(slot, port);
        }
        while c.worker_pids().iter().any(Option::is_none) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        c
    }

    pub fn gateway_base(&self, n: usize) -> String {
        format!("http://127.0.0.1:{}", self.gateway_ports[n])
    }

    pub fn worker_metrics_url(&self, slot: usize) -> String {
        format!(
            "http://127.0.0.1:{}/metrics",
            self.worker_metrics_ports[slot]
        )
    }

    pub fn log_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.log"))
    }

    /// A command whose output goes to a fresh `<name>.log` (a restart starts a new one,
    /// the previous run's is kept as `<name>.log.1`).
    fn command(&self, bin: &str, name: &str) -> Command {
        let mut cmd = Command::new(bin_dir().join(bin));
        cmd.envs(&self.env);
        let path = self.log_path(name);
        if path.exists() {
            let _ = std::fs::rename(&path, path.with_extension("log.1"));
        }
        let log = std::fs::File::create(&path).expect("log file");
        let log2 = log.try_clone().expect("log file");
        cmd.stdout(Stdio::from(log))
            .stderr(Stdio::from(log2))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    fn spawn_gateway(&self, n: usize, port: u16) -> Child {
        let data = self.dir.join(format!("gw{n}"));
        std::fs::create_dir_all(&data).expect("gateway dir");
        let mut cmd = self.command("gateway", &format!("gateway{n}"));
        cmd.env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("DATA_DIR", &data);
        cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "starting {} (build it first: cargo build -p gateway -p worker): {e}",
                bin_dir().join("gateway").display()
            )
        })
    }

    fn start_worker_slot(&mut self, slot: usize, metrics_port: u16) {
        let scratch = self.dir.join(format!("worker{slot}"));
        std::fs::create_dir_all(&scratch).expect("worker dir");
        let mut cmd_env = self.env.clone();
        cmd_env.insert("SCRATCH_DIR".into(), scratch.display().to_string());
        cmd_env.insert("METRICS_ADDR".into(), format!("127.0.0.1:{metrics_port}"));
        let pids = self.worker_pids.clone();
        let starts = self.worker_starts.clone();
        let log = self.log_path(&format!("worker{slot}"));
        let bin = bin_dir().join("worker");
        self.supervisors.push(tokio::spawn(async move {
            loop {
                let out = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .expect("log file");
                let err = out.try_clone().expect("log file");
                let mut child = Command::new(&bin)
                    .envs(&cmd_env)
                    .stdout(Stdio::from(out))
                    .stderr(Stdio::from(err))
                    .stdin(Stdio::null())
                    .kill_on_drop(true)
                    .spawn()
                    .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
                starts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                pids.lock().unwrap()[slot] = child.id();
                let _ = child.wait().await;
                pids.lock().unwrap()[slot] = None;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }

    async fn wait_ready(&mut self, n: usize) {
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let url = format!("{}/readyz", self.gateway_base(n));
        for _ in 0..300 {
            if let Ok(Some(status)) = self.gateways[n].try_wait() {
                panic!(
                    "gateway {n} exited ({status}):\n{}",
                    self.log_tail(&format!("gateway{n}"))
                );
            }
            if let Ok(r) = client.get(&url).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "gateway {n} not ready after 30 s:\n{}",
            self.log_tail(&format!("gateway{n}"))
        );
    }

    pub fn log_tail(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.log_path(name)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn find_initial_key(&self, n: usize) -> Option<String> {
        let text = std::fs::read_to_string(self.log_path(&format!("gateway{n}"))).ok()?;
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with("mk_") && l.len() == 43)
            .map(str::to_string)
    }

    /// Pids of the worker processes running now, by slot.
    pub fn worker_pids(&self) -> Vec<Option<u32>> {
        self.worker_pids.lock().unwrap().clone()
    }

    /// Sends `signal` (e.g. "KILL", "TERM") to a process.
    pub fn signal(pid: u32, signal: &str) {
        let _ = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .stderr(Stdio::null())
            .status();
    }

    /// Stops everything: gateways with SIGTERM (then SIGKILL), workers with SIGKILL.
    pub async fn stop(&mut self) {
        for s in self.supervisors.drain(..) {
            s.abort();
            let _ = s.await;
        }
        for g in &mut self.gateways {
            if let Some(pid) = g.id() {
                Cluster::signal(pid, "TERM");
            }
            if tokio::time::timeout(Duration::from_secs(10), g.wait())
                .await
                .is_err()
            {
                let _ = g.kill().await;
            }
        }
        self.gateways.clear();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for s in &self.supervisors {
            s.abort();
        }
        for g in &mut self.gateways {
            let _ = g.start_kill();
        }
        // Aborted supervisors drop their children, which kills them; make sure of it.
        for pid in self.worker_pids().into_iter().flatten() {
            Cluster::signal(pid, "KILL");
        }
    }
}
