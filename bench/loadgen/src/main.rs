//! `loadgen`: posts one file as a multipart part named `file` to a URL, either from N
//! connections as fast as the server answers (closed loop: measures the peak) or at a fixed
//! rate (open loop, `--rate`: measures latency under a given load; a latency counts from the
//! moment the request was due, so a stalled server cannot hide its queueing).
//!
//! ```text
//! loadgen --url http://127.0.0.1:8080/api/v1/extract --file photo.jpg \
//!         [--header 'X-API-Key: KEY'] [--connections 64] [--duration 15] [--warmup 2] [--rate 500]
//! ```
//!
//! Prints a human summary on stderr and one JSON line on stdout:
//! `{"requests", "errors", "seconds", "rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", ...}`.
//! Only 2xx answers count as successes; latencies are of successes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    url: String,
    file: String,
    headers: Vec<(String, String)>,
    connections: usize,
    duration: f64,
    warmup: f64,
    rate: Option<f64>,
}

const USAGE: &str = "usage: loadgen --url URL --file PATH [--header 'Name: value']... \
[--connections N (64)] [--duration SECS (15)] [--warmup SECS (2)] [--rate REQ_PER_SEC]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        url: String::new(),
        file: String::new(),
        headers: Vec::new(),
        connections: 64,
        duration: 15.0,
        warmup: 2.0,
        rate: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let num = |s: String| s.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--url" => a.url = value()?,
            "--file" => a.file = value()?,
            "--header" => {
                let h = value()?;
                let (k, v) = h.split_once(':').ok_or(format!("bad header {h:?}"))?;
                a.headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            "--connections" => a.connections = num(value()?)? as usize,
            "--duration" => a.duration = num(value()?)?,
            "--warmup" => a.warmup = num(value()?)?,
            "--rate" => a.rate = Some(num(value()?)?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.url.is_empty() || a.file.is_empty() || a.connections == 0 {
        return Err(USAGE.into());
    }
    Ok(a)
}

/// What every request needs.
struct Target {
    client: reqwest::Client,
    url: String,
    headers: Vec<(String, String)>,
    data: bytes::Bytes,
    name: String,
}

impl Target {
    /// One request; Ok(()) for a 2xx answer whose body was read to its end.
    async fn send(&self) -> Result<(), String> {
        let part = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::from(self.data.clone()),
            self.data.len() as u64,
        )
        .file_name(self.name.clone());
        let form = reqwest::multipart::Form::new().part("file", part);
        let mut req = self.client.post(&self.url).multipart(form);
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!(
                "{status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            ))
        }
    }
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn record(&mut self, result: Result<(), String>, latency: Duration) {
        match result {
            Ok(()) => self.latencies_us.push(latency.as_micros() as u64),
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let data = match std::fs::read(&args.file) {
        Ok(d) => bytes::Bytes::from(d),
        Err(e) => {
            eprintln!("{}: {e}", args.file);
            return std::process::ExitCode::from(2);
        }
    };
    let name = std::path::Path::new(&args.file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload".into());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections.max(1024))
        .timeout(Duration::from_secs(120))
        .build()
        .expect("HTTP client");
    let target = Arc::new(Target {
        client,
        url: args.url.clone(),
        headers: args.headers.clone(),
        data,
        name,
    });
    // Fail fast on a wrong URL or key instead of measuring error answers.
    if let Err(e) = target.send().await {
        eprintln!("the first request failed: {e}");
        return std::process::ExitCode::FAILURE;
    }

    let tally = Arc::new(Mutex::new(Tally::default()));
    let recording = Arc::new(AtomicBool::new(args.warmup <= 0.0));
    let stop = Arc::new(AtomicBool::new(false));
    let warmup = Duration::from_secs_f64(args.warmup.max(0.0));
    let measure = Duration::from_secs_f64(args.duration);

    let mut tasks = Vec::new();
    match args.rate {
        None => {
            for _ in 0..args.connections {
                let (target, tally, recording, stop) = (
                    target.clone(),
                    tally.clone(),
                    recording.clone(),
                    stop.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let t0 = Instant::now();
                        let r = target.send().await;
                        if recording.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                            tally.lock().unwrap().record(r, t0.elapsed());
                        }
                    }
                }));
            }
        }
        Some(rate) => {
            let (target, tally, recording, stop) = (
                target.clone(),
                tally.clone(),
                recording.clone(),
                stop.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
                let mut tick = tokio::time::interval(period);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                let mut inflight = tokio::task::JoinSet::new();
                while !stop.load(Ordering::Relaxed) {
                    let due = tick.tick().await.into_std();
                    let (target, tally, recording, stop) = (
                        target.clone(),
                        tally.clone(),
                        recording.clone(),
                        stop.clone(),
                    );
                    inflight.spawn(async move {
                        let r = target.send().await;
                        if recording.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                            tally.lock().unwrap().record(r, due.elapsed());
                        }
                    });
                    while inflight.try_join_next().is_some() {}
                }
                while inflight.join_next().await.is_some() {}
            }));
        }
    }
    tokio::time::sleep(warmup).await;
    recording.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(measure).await;
    stop.store(true, Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    for t in tasks {
        let _ = t.await;
    }

    let mut t = std::mem::take(&mut *tally.lock().unwrap());
    t.latencies_us.sort_unstable();
    let n = t.latencies_us.len() as u64;
    let rps = n as f64 / seconds;
    let (p50, p90, p99) = (
        percentile(&t.latencies_us, 50.0),
        percentile(&t.latencies_us, 90.0),
        percentile(&t.latencies_us, 99.0),
    );
    let max = percentile(&t.latencies_us, 100.0);
    let mode = match args.rate {
        Some(r) => format!("rate {r:.0}/s"),
        None => format!("{} connections", args.connections),
    };
    eprintln!(
        "{url} ({mode}, {seconds:.1} s): {n} ok, {e} errors, {rps:.1} req/s, p50 {p50:.2} ms, p90 {p90:.2} ms, p99 {p99:.2} ms, max {max:.2} ms",
        url = args.url,
        e = t.errors
    );
    if let Some(e) = &t.first_error {
        eprintln!("first error: {e}");
    }
    println!(
        "{}",
        serde_json::json!({
            "url": args.url, "file": args.file, "bytes": target.data.len(),
            "connections": args.connections, "rate": args.rate,
            "requests": n, "errors": t.errors, "seconds": seconds, "rps": rps,
            "p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": max,
        })
    );
    std::process::ExitCode::SUCCESS
}
