//! `loadgen`: posts one file as a multipart part named `file` to a URL, either from N
//! connections as fast as the server answers (closed loop: measures the peak) or at a fixed
//! rate (open loop, `--rate`: measures latency under a given load; the N connections take
//! the requests as they fall due, and a latency counts from the moment the request was due,
//! so a stalled server cannot hide its queueing).
//!
//! ```text
//! loadgen --url http://127.0.0.1:8080/api/v1/extract --file photo.jpg \
//!         [--header 'X-API-Key: KEY'] [--connections 64] [--duration 15] [--warmup 2] [--rate 500] \
//!         [--timeline 0.5]
//! ```
//!
//! `--timeline SECS` also prints, per slice of that many seconds, the successes that ended
//! in it with their p50, p99 and max.
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
    timeline: Option<f64>,
}

const USAGE: &str = "usage: loadgen --url URL --file PATH [--header 'Name: value']... \
[--connections N (64)] [--duration SECS (15)] [--warmup SECS (2)] [--rate REQ_PER_SEC] \
[--timeline SECS]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        url: String::new(),
        file: String::new(),
        headers: Vec::new(),
        connections: 64,
        duration: 15.0,
        warmup: 2.0,
        rate: None,
        timeline: None,
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
            "--timeline" => a.timeline = Some(num(value()?)?.max(0.01)),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.url.is_empty() || a.file.is_empty() || a.connections == 0 {
        return Err(USAGE.into());
    }
    Ok(a)
}

/// What every request needs: the address, and the whole request (head and multipart
/// body) built once. Each connection writes those bytes and reads the answer with a
/// minimal HTTP/1.1 reader, as wrk does: the generator shares the machine with the server
/// it measures, so it must cost little per request (building a multipart form per request
/// with an HTTP client library cost about as much as the server's own work on a small file).
struct Target {
    addr: String,
    request: bytes::Bytes,
}

impl Target {
    fn new(
        url: &str,
        headers: &[(String, String)],
        data: &[u8],
        name: &str,
    ) -> Result<Self, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let addr = if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let boundary = "loadgen-boundary-7d3f9a1c5e";
        let quoted = name.replace(['"', '\r', '\n'], "_");
        let mut body = Vec::with_capacity(data.len() + 256);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{quoted}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: {authority}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\n\
             Content-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(&body);
        Ok(Target {
            addr,
            request: request.into(),
        })
    }

    /// One request on `conn` (opened if `None`, dropped after an error or when the server
    /// closes it); Ok(()) for a 2xx answer whose body was read to its end.
    async fn send(&self, conn: &mut Option<Conn>) -> Result<(), String> {
        if conn.is_none() {
            let stream = tokio::net::TcpStream::connect(&self.addr)
                .await
                .map_err(|e| format!("connect {}: {e}", self.addr))?;
            let _ = stream.set_nodelay(true);
            *conn = Some(Conn {
                stream,
                buf: Vec::with_capacity(64 * 1024),
            });
        }
        let c = conn.as_mut().expect("just opened");
        let answer = tokio::time::timeout(Duration::from_secs(120), c.exchange(&self.request))
            .await
            .unwrap_or_else(|_| Err("timed out after 120 s".into()));
        match answer {
            Ok((status, keep)) => {
                if !keep {
                    *conn = None;
                }
                if (200..300).contains(&status) {
                    Ok(())
                } else {
                    Err(format!("HTTP {status}"))
                }
            }
            Err(e) => {
                *conn = None;
                Err(e)
            }
        }
    }
}

/// A kept-alive connection and its read buffer.
struct Conn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Writes the request, reads one answer; returns its status and whether the connection
    /// can carry another request.
    async fn exchange(&mut self, request: &[u8]) -> Result<(u16, bool), String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let io = |e: std::io::Error| e.to_string();
        self.stream.write_all(request).await.map_err(io)?;
        self.buf.clear();
        // The head.
        let head_end = loop {
            if let Some(i) = memfind(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > 64 * 1024 {
                return Err("answer head larger than 64 KiB".into());
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).map_err(|_| "non-UTF-8 head")?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let mut length = None;
        let mut chunked = false;
        let mut keep = !status_line.starts_with("HTTP/1.0");
        for line in lines {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let v = v.trim();
            if k.eq_ignore_ascii_case("content-length") {
                length = v.parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") {
                chunked = v.to_ascii_lowercase().contains("chunked");
            } else if k.eq_ignore_ascii_case("connection") {
                let v = v.to_ascii_lowercase();
                keep = if v.contains("close") {
                    false
                } else {
                    keep || v.contains("keep-alive")
                };
            }
        }
        // The body.
        if chunked {
            let pos = head_end;
            loop {
                let line_end = loop {
                    if let Some(i) = memfind(&self.buf[pos..], b"\r\n") {
                        break pos + i;
                    }
                    self.fill().await?;
                };
                let size_text = std::str::from_utf8(&self.buf[pos..line_end]).unwrap_or("");
                let size =
                    usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                        .map_err(|_| format!("bad chunk size {size_text:?}"))?;
                let next = line_end + 2 + size + 2;
                while self.buf.len() < next {
                    self.fill().await?;
                }
                self.discard(head_end, next);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            while self.buf.len() < head_end + n {
                self.fill().await?;
            }
        } else {
            // No length: the body runs to the end of the connection.
            let mut sink = Vec::new();
            self.stream.read_to_end(&mut sink).await.map_err(io)?;
            keep = false;
        }
        Ok((status, keep))
    }

    /// Reads more of the answer into the buffer.
    async fn fill(&mut self) -> Result<(), String> {
        use tokio::io::AsyncReadExt;
        let mut chunk = [0u8; 16 * 1024];
        let n = self
            .stream
            .read(&mut chunk)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Drops read body bytes (`from..to`), keeping the answer's head in place.
    fn discard(&mut self, from: usize, to: usize) {
        self.buf.drain(from..to);
    }
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    /// When each success in `latencies_us` ended, as time since the tally began.
    ended_us: Vec<u64>,
    began: Option<Instant>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn record(&mut self, result: Result<(), String>, latency: Duration) {
        match result {
            Ok(()) => {
                let began = *self.began.get_or_insert_with(Instant::now);
                self.latencies_us.push(latency.as_micros() as u64);
                self.ended_us.push(began.elapsed().as_micros() as u64);
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }
}

/// Prints, on stderr, the successes that ended in each `every`-second slice of the run
/// with their p50, p99 and max: shows whether a tail comes from a few stalls or from all
/// along.
fn print_timeline(t: &Tally, every: f64) {
    let width = (every * 1e6) as u64;
    let mut slices: Vec<Vec<u64>> = Vec::new();
    for (&end, &lat) in t.ended_us.iter().zip(&t.latencies_us) {
        let i = (end / width.max(1)) as usize;
        if slices.len() <= i {
            slices.resize_with(i + 1, Vec::new);
        }
        slices[i].push(lat);
    }
    for (i, mut s) in slices.into_iter().enumerate() {
        s.sort_unstable();
        eprintln!(
            "{:8.2} s {:6} ok  p50 {:7.2} ms  p99 {:7.2} ms  max {:7.2} ms",
            i as f64 * every,
            s.len(),
            percentile(&s, 50.0),
            percentile(&s, 99.0),
            percentile(&s, 100.0)
        );
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// One thread: at the request rates measured here it needs a fraction of a core, and the
/// rest of the machine is left to the server under test.
#[tokio::main(flavor = "current_thread")]
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
    let target = match Target::new(&args.url, &args.headers, &data, &name) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    // Fail fast on a wrong URL or key instead of measuring error answers.
    if let Err(e) = target.send(&mut None).await {
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
                    let mut conn = None;
                    while !stop.load(Ordering::Relaxed) {
                        let t0 = Instant::now();
                        let r = target.send(&mut conn).await;
                        if recording.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                            tally.lock().unwrap().record(r, t0.elapsed());
                        }
                    }
                }));
            }
        }
        Some(rate) => {
            // As wrk2 does: a ticker hands out due times at the rate, and the N
            // connections take them in turn. A request waits for a free connection when all
            // are busy, and its latency counts from its due time, so queueing behind a slow
            // server is measured; the client never opens more than N connections (opening
            // one per request in flight made a stall snowball into a connection storm).
            let (due_tx, due_rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
            let due_rx = Arc::new(tokio::sync::Mutex::new(due_rx));
            let stop2 = stop.clone();
            tasks.push(tokio::spawn(async move {
                let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
                let mut tick = tokio::time::interval(period);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                while !stop2.load(Ordering::Relaxed) {
                    let due = tick.tick().await.into_std();
                    if due_tx.send(due).is_err() {
                        break;
                    }
                }
            }));
            for _ in 0..args.connections {
                let (target, tally, recording, stop, due_rx) = (
                    target.clone(),
                    tally.clone(),
                    recording.clone(),
                    stop.clone(),
                    due_rx.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    let mut conn = None;
                    while !stop.load(Ordering::Relaxed) {
                        let due = {
                            let mut rx = due_rx.lock().await;
                            tokio::select! {
                                d = rx.recv() => d,
                                _ = tokio::time::sleep(Duration::from_millis(50)) => continue,
                            }
                        };
                        let Some(due) = due else { break };
                        let r = target.send(&mut conn).await;
                        if recording.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                            tally.lock().unwrap().record(r, due.elapsed());
                        }
                    }
                }));
            }
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
    if let Some(every) = args.timeline {
        print_timeline(&t, every);
    }
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
            "url": args.url, "file": args.file, "bytes": data.len(),
            "connections": args.connections, "rate": args.rate,
            "requests": n, "errors": t.errors, "seconds": seconds, "rps": rps,
            "p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": max,
        })
    );
    std::process::ExitCode::SUCCESS
}
