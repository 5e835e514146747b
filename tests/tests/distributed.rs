//! Fault tests of the distributed deployment (2 gateways + 3 workers as processes). They run
//! only with `API_TEST_MODE=distributed` (see scripts/test-distributed.sh); in embedded mode
//! each returns at once.
//!
//! The backend-restart tests stop and start the machine's RabbitMQ (and Redis) with the
//! commands of services.md, and so disturb anything else using them: they run only with
//! `API_TEST_RESTART_BACKENDS=1` (the script sets it in CI), one at a time, and start both
//! again before they end, even when they fail.

use api_tests::cluster::Cluster;
use api_tests::fixtures;
use api_tests::{json, FileServer, TestApp, KEY_A};
use std::time::{Duration, Instant};

fn skip() -> bool {
    if !api_tests::distributed() {
        eprintln!("skipped: needs API_TEST_MODE=distributed");
        return true;
    }
    false
}

async fn in_flight(app: &TestApp, client: &reqwest::Client) -> Option<usize> {
    let c = app.cluster()?;
    for slot in 0..api_tests::cluster::WORKERS {
        let Ok(r) = client.get(c.worker_metrics_url(slot)).send().await else {
            continue;
        };
        let text = r.text().await.unwrap_or_default();
        if text
            .lines()
            .any(|l| l.starts_with("metadata_worker_jobs_in_flight ") && !l.ends_with(" 0"))
        {
            return Some(slot);
        }
    }
    None
}

#[tokio::test]
async fn a_worker_killed_mid_job_loses_nothing() {
    if skip() {
        return;
    }
    let files = FileServer::start(vec![("slow.jpg", fixtures::jpeg_with_metadata())]).await;
    let app = TestApp::spawn().await;
    let url = files.url("/slow/slow.jpg");
    let submit = app.post_url("/api/v1/extract", Some(KEY_A), &url);
    let killer = async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(slot) = in_flight(&app, &client).await {
                let pid = app.cluster().unwrap().worker_pids()[slot].expect("worker pid");
                Cluster::signal(pid, "KILL");
                return Some(slot);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    };
    let (resp, killed) = tokio::join!(submit, killer);
    assert!(killed.is_some(), "no worker was seen running the job");
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "completed");
    assert_eq!(body["fileName"], "slow.jpg");
    // The other gateway has it too.
    let id = body["uuid"].as_str().unwrap();
    let (status, got) = json(
        app.client
            .get(app.url(&format!("/api/v1/extract/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["status"], "completed");
}

#[tokio::test]
async fn sigterm_lets_a_worker_finish_its_job() {
    if skip() {
        return;
    }
    let files = FileServer::start(vec![("slow.jpg", fixtures::jpeg_with_metadata())]).await;
    let app = TestApp::spawn().await;
    let url = files.url("/slow/slow.jpg");
    let submit = app.post_url("/api/v1/extract", Some(KEY_A), &url);
    let stopper = async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(slot) = in_flight(&app, &client).await {
                let pid = app.cluster().unwrap().worker_pids()[slot].expect("worker pid");
                Cluster::signal(pid, "TERM");
                return Some(slot);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    };
    let (resp, stopped) = tokio::join!(submit, stopper);
    let slot = stopped.expect("no worker was seen running the job");
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "completed");
    // The stopped worker finished the job itself before it exited.
    let c = app.cluster().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(c.log_path(&format!("worker{slot}"))).unwrap_or_default();
        if log.contains("drained") {
            assert!(log.contains("job finished"), "{log}");
            assert!(!log.contains("drain timed out"), "{log}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "worker {slot} did not drain:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A deployment whose workers abort on inputs holding the returned marker, and give a job
/// up after 2 attempts.
async fn poison_app() -> (TestApp, &'static str) {
    let marker = "POISON-7f3a9c";
    let app = TestApp::spawn_with(&[("WORKER_FAULT_MARKER", marker), ("MAX_ATTEMPTS", "2")]).await;
    (app, marker)
}

#[tokio::test]
async fn a_poison_file_fails_and_workers_keep_working() {
    if skip() {
        return;
    }
    let (app, marker) = poison_app().await;
    let starts_before = app
        .cluster()
        .unwrap()
        .worker_starts
        .load(std::sync::atomic::Ordering::SeqCst);
    let mut poison = fixtures::TINY_JPEG.to_vec();
    poison.extend_from_slice(marker.as_bytes());
    let (status, body) = json(
        app.upload("/api/v1/extract", Some(KEY_A), "poison.jpg", poison)
            .await,
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["success"], false);
    assert_eq!(body["status"], "failed");
    let id = body["uuid"].as_str().unwrap().to_string();
    let (status, got) = json(
        app.client
            .get(app.url(&format!("/api/v1/extract/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["status"], "failed", "{got}");
    assert!(got["error"].as_str().is_some_and(|e| !e.is_empty()));
    // It crashed exactly MAX_ATTEMPTS workers, then was given up without running again.
    let c = app.cluster().unwrap();
    let crashed = c.worker_starts.load(std::sync::atomic::Ordering::SeqCst) - starts_before;
    assert!(crashed <= 2, "{crashed} worker restarts for one poison job");
    // And it sits in the dead-letter queue.
    let out = std::process::Command::new("rabbitmqctl")
        .args(["list_queues", "-q", "name", "messages"])
        .output()
        .expect("rabbitmqctl");
    let listing = String::from_utf8_lossy(&out.stdout);
    let dead = format!("{}.dead", c.names.queue);
    assert!(
        listing
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == [dead.as_str(), "1"]),
        "{dead} should hold the poison job:\n{listing}"
    );
    // Workers (restarted by the supervisor, as an orchestrator would) still do work.
    for i in 0..4 {
        let (status, body) = json(
            app.upload(
                "/api/v1/extract",
                Some(KEY_A),
                &format!("ok{i}.jpg"),
                fixtures::TINY_JPEG.to_vec(),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
}

/// The body of a GET of `url`, as text.
async fn text_of(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// The value of the sample `name` (with its labels) in a Prometheus text page.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Under load a gateway sends several jobs in one message. They all complete; and a job
/// that takes workers down is split from its batch when the batch comes back, then
/// retried and given up on alone, without failing its neighbours.
#[tokio::test]
async fn batched_jobs_complete_and_a_poison_job_fails_alone() {
    if skip() {
        return;
    }
    let (app, marker) = poison_app().await;
    let gateway_metrics = || async {
        let base = app.cluster().unwrap().gateway_base(0);
        let t = text_of(&app.client, &format!("{base}/metrics")).await;
        let get = |unit: &str| {
            sample(
                &t,
                &format!("metadata_queue_published_total{{unit=\"{unit}\"}}"),
            )
            .unwrap_or(0.0)
        };
        (get("jobs"), get("messages"))
    };
    let split_seen = || {
        let c = app.cluster().unwrap();
        (0..api_tests::cluster::WORKERS).any(|slot| {
            std::fs::read_to_string(c.log_path(&format!("worker{slot}")))
                .unwrap_or_default()
                .contains("a batch came back unacked")
        })
    };
    const N: usize = 48;
    const POISON_AT: usize = N / 2;
    let submit = |i: usize| {
        let mut bytes = fixtures::TINY_JPEG.to_vec();
        if i == POISON_AT {
            bytes.extend_from_slice(marker.as_bytes());
        }
        let app = &app;
        async move {
            json(
                app.upload("/api/v1/extract", Some(KEY_A), &format!("f{i}.jpg"), bytes)
                    .await,
            )
            .await
        }
    };
    // Which jobs share a message depends on timing: rounds go on until the poison job has
    // been in a batch (its worker's successor logs the split), at most 5 of them.
    let mut rounds = 0;
    while rounds < 5 && !split_seen() {
        rounds += 1;
        let (jobs_before, messages_before) = gateway_metrics().await;
        let answers = futures::future::join_all((0..N).map(submit)).await;
        for (i, (status, body)) in answers.iter().enumerate() {
            if i == POISON_AT {
                assert_eq!(*status, 500, "the poison job: {body}");
                assert_eq!(body["status"], "failed", "{body}");
            } else {
                assert_eq!(*status, 200, "round {rounds}, job {i}: {body}");
                assert_eq!(
                    body["status"], "completed",
                    "round {rounds}, job {i}: {body}"
                );
            }
        }
        let (jobs, messages) = gateway_metrics().await;
        assert_eq!(jobs - jobs_before, N as f64, "jobs published");
        assert!(
            messages - messages_before < jobs - jobs_before,
            "{} jobs in {} messages: no batch was formed",
            jobs - jobs_before,
            messages - messages_before
        );
    }
    eprintln!("rounds: {rounds}");
    assert!(
        split_seen(),
        "the poison job was never in a batch in {rounds} rounds"
    );
}

#[tokio::test]
async fn large_uploads_travel_through_s3() {
    if skip() {
        return;
    }
    // INLINE_MAX_BYTES=0: every upload is staged in S3 and fetched by the worker.
    let app = TestApp::spawn_with(&[("INLINE_MAX_BYTES", "0")]).await;
    let mut big = fixtures::jpeg_with_metadata();
    let len = big.len();
    // Grow the file past a few MiB with a COM segment chain inserted after SOI.
    let mut extra = Vec::new();
    for _ in 0..64 {
        extra.extend_from_slice(&[0xFF, 0xFE, 0xFF, 0xFF]);
        extra.extend(std::iter::repeat_n(b'x', 0xFFFD));
    }
    big.splice(2..2, extra);
    assert!(big.len() > len + 4_000_000);
    let (status, body) = json(
        app.upload("/api/v1/extract", Some(KEY_A), "big.jpg", big.clone())
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["metadata"]["file"]["Size"], big.len() as u64);
}

#[tokio::test]
async fn the_bucket_gets_a_one_day_expiry_rule_at_startup() {
    if skip() {
        return;
    }
    // A prefix of its own, so that the rule can only come from this cluster's startup.
    let prefix = format!("lifecycle-{}/", uuid::Uuid::new_v4().simple());
    let files = api_tests::cluster::s3_files(&prefix);
    assert_eq!(files.lifecycle_days().await.unwrap(), None);
    let _app = TestApp::spawn_with(&[("S3_PREFIX", &prefix)]).await;
    // The services set it in the background as they start.
    let deadline = Instant::now() + Duration::from_secs(15);
    let days = loop {
        let days = files.lifecycle_days().await.unwrap();
        if days.is_some() || Instant::now() > deadline {
            break days;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Leave the bucket as it was (every run would otherwise add a rule).
    assert!(files.remove_lifecycle_rule().await.unwrap());
    assert_eq!(days, Some(1));
    assert_eq!(files.lifecycle_days().await.unwrap(), None);
}

#[tokio::test]
async fn presigned_downloads_redirect_to_the_store() {
    if skip() {
        return;
    }
    let app = TestApp::spawn_with(&[("S3_PRESIGNED_DOWNLOADS", "true")]).await;
    let jpeg = fixtures::jpeg_with_metadata();
    let (status, body) = json(
        app.upload("/api/v1/remove", Some(KEY_A), "holiday.jpg", jpeg.clone())
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["uuid"].as_str().unwrap();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let resp = plain
        .get(app.url(&format!("/download-cleaned/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 307);
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("X-Amz-Signature="), "{location}");
    // The store serves the cleaned file itself, with its type and name.
    let resp = plain.get(&location).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{location}");
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let cd = resp.headers()["content-disposition"].to_str().unwrap();
    assert!(cd.contains("holiday.jpg"), "{cd}");
    let clean = resp.bytes().await.unwrap();
    assert_eq!(body["receipt"]["sizeAfter"], clean.len() as u64);
    assert_eq!(&clean[..2], &[0xFF, 0xD8]);
    assert!(!clean.windows(6).any(|w| w == b"Exif\0\0"));
    // A tampered signature is refused by the store.
    let bad = location.replace("X-Amz-Signature=", "X-Amz-Signature=00");
    assert_eq!(plain.get(&bad).send().await.unwrap().status(), 403);
    // Unknown UUIDs still answer 404 from the gateway, not a redirect.
    let resp = plain
        .get(app.url(&format!("/download-cleaned/{}", uuid::Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn keys_are_stored_hashed_in_redis() {
    if skip() {
        return;
    }
    let app = TestApp::spawn_with(&[("API_KEYS", "")]).await;
    let key = app.initial_key.clone().expect("a key was created");
    let prefix = app.cluster().unwrap().names.redis_prefix.clone();
    let out = std::process::Command::new("redis-cli")
        .args(["-p", "6379", "HGETALL", &format!("{prefix}keys")])
        .output()
        .expect("redis-cli");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("initial key"), "{text}");
    assert!(!text.contains(&key));
    // Both gateways accept it.
    for base in [&app.base, &app.other_base] {
        let resp = app
            .client
            .get(format!("{base}/api/v1/extract/{}", uuid::Uuid::new_v4()))
            .header("X-API-Key", &key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
    }
}

#[tokio::test]
async fn metrics_are_served() {
    if skip() {
        return;
    }
    let app = TestApp::spawn().await;
    let (status, _) = app.extract_tiny("a.jpg").await;
    assert_eq!(status, 200);
    let text = text_of(&app.client, &app.url("/metrics")).await;
    assert!(
        text.contains("metadata_jobs_submitted_total{kind=\"extract\"} 1"),
        "{text}"
    );
    // The worker counts the job just after writing its result: give it a moment.
    let c = app.cluster().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut done = 0;
        for slot in 0..api_tests::cluster::WORKERS {
            let t = app
                .client
                .get(c.worker_metrics_url(slot))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                t.contains("# TYPE metadata_worker_jobs_in_flight gauge"),
                "{t}"
            );
            if t.contains("metadata_worker_jobs_total{outcome=\"completed\"} 1") {
                done += 1;
            }
        }
        if done == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "{done} workers report the job");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts RabbitMQ and Redis again when dropped (a failing test must not leave them down).
struct Restore;

fn start_redis() {
    let _ = std::process::Command::new("redis-server")
        .args([
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            "/var/lib/redis",
            "--logfile",
            "/var/log/redis/ci.log",
        ])
        .status();
}

fn start_rabbit() {
    let _ = std::process::Command::new("rabbitmq-server")
        .arg("-detached")
        .status();
}

fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(300),
    )
    .is_ok()
}

impl Drop for Restore {
    fn drop(&mut self) {
        if !port_open(6379) {
            start_redis();
        }
        if !port_open(5672) {
            start_rabbit();
            for _ in 0..120 {
                if port_open(5672) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}

async fn wait_port(port: u16, up: bool, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while port_open(port) != up && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn rabbitmq_and_redis_restarts_heal_without_restarting_services() {
    if skip() {
        return;
    }
    if std::env::var("API_TEST_RESTART_BACKENDS").ok().as_deref() != Some("1") {
        eprintln!(
            "skipped: set API_TEST_RESTART_BACKENDS=1 (restarts the machine's RabbitMQ and Redis)"
        );
        return;
    }
    let _restore = Restore;
    let app = TestApp::spawn_with(&[("WAIT_TIMEOUT_MS", "8000")]).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // A small load: two clients, one request at a time each, bounded in count and time.
    let load = |n: usize| {
        let app = &app;
        let stop = stop.clone();
        async move {
            let mut statuses = Vec::new();
            for i in 0..200 {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let resp = tokio::time::timeout(
                    Duration::from_secs(30),
                    app.upload(
                        "/api/v1/extract",
                        Some(KEY_A),
                        &format!("c{n}-{i}.jpg"),
                        fixtures::TINY_JPEG.to_vec(),
                    ),
                )
                .await
                .expect("a request hung during a backend restart");
                let (status, body) = json(resp).await;
                assert!(
                    matches!(status, 200 | 202 | 503),
                    "during restarts: {status} {body}"
                );
                statuses.push(status);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            statuses
        }
    };
    let chaos = async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Redis: stop (its data goes with it: it keeps nothing on disk), check the gateway
        // says so, start again.
        let _ = std::process::Command::new("redis-cli")
            .args(["-p", "6379", "shutdown", "nosave"])
            .status();
        wait_port(6379, false, 10).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let r = client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(r.status(), 503, "readyz while Redis is down");
        start_redis();
        wait_port(6379, true, 20).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        // RabbitMQ: stop the node, start it again.
        let _ = std::process::Command::new("rabbitmqctl")
            .arg("stop")
            .stdout(std::process::Stdio::null())
            .status();
        wait_port(5672, false, 60).await;
        let r = client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(r.status(), 503, "readyz while RabbitMQ is down");
        start_rabbit();
        wait_port(5672, true, 120).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let (a, b, ()) = tokio::join!(load(0), load(1), chaos);
    assert!(a.len() + b.len() > 5);
    // Healed, without restarting anything: both gateways ready, and jobs complete again.
    let deadline = Instant::now() + Duration::from_secs(60);
    for base in [&app.base, &app.other_base] {
        loop {
            let r = app
                .client
                .get(format!("{base}/readyz"))
                .send()
                .await
                .unwrap();
            if r.status() == 200 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{base} did not become ready again"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = json(
            app.upload(
                "/api/v1/extract",
                Some(KEY_A),
                "after.jpg",
                fixtures::TINY_JPEG.to_vec(),
            )
            .await,
        )
        .await;
        if status == 200 {
            let id = body["uuid"].as_str().unwrap();
            let (s2, got) = json(
                app.client
                    .get(app.url(&format!("/api/v1/extract/{id}")))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s2, 200, "{got}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "jobs do not complete after the restarts: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Stops (SIGSTOP) every worker process of `app`, so that jobs stay on the queue; returns
/// their pids for [`resume_workers`].
fn pause_workers(app: &TestApp) -> Vec<u32> {
    let pids: Vec<u32> = app
        .cluster()
        .unwrap()
        .worker_pids()
        .into_iter()
        .flatten()
        .collect();
    for &pid in &pids {
        Cluster::signal(pid, "STOP");
    }
    pids
}

fn resume_workers(pids: &[u32]) {
    for &pid in pids {
        Cluster::signal(pid, "CONT");
    }
}

/// Submits a small extract (a light job: its first message is transient) while no worker
/// runs, so that the gateway's wait ends and it answers 202 with the UUID.
async fn submit_while_paused(app: &TestApp) -> String {
    let (status, body) = app.extract_tiny("waiting.jpg").await;
    assert_eq!(status, 202, "{body}");
    body["uuid"].as_str().unwrap().to_string()
}

/// Polls `GET /api/v1/extract/{id}` until the job is completed (60 s at most).
async fn wait_completed(app: &TestApp, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, got) = app.lookup(id).await;
        if status == 200 && got["status"] == "completed" {
            assert_eq!(got["metadata"]["file"]["Name"], "waiting.jpg", "{got}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the job answered 202 never completed: {status} {got}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_light_job_answered_202_completes_once_workers_run() {
    if skip() {
        return;
    }
    // Its transient message and the gateway's durable copy both reach the workers; the
    // job completes, and whichever comes second finds it done.
    let app = TestApp::spawn_with(&[("WAIT_TIMEOUT_MS", "1000")]).await;
    let paused = pause_workers(&app);
    let id = submit_while_paused(&app).await;
    resume_workers(&paused);
    wait_completed(&app, &id).await;
}

#[tokio::test]
async fn a_job_answered_202_survives_a_broker_restart() {
    if skip() {
        return;
    }
    if std::env::var("API_TEST_RESTART_BACKENDS").ok().as_deref() != Some("1") {
        eprintln!("skipped: set API_TEST_RESTART_BACKENDS=1 (restarts the machine's RabbitMQ)");
        return;
    }
    let _restore = Restore;
    // The job's first message is transient and dies with the broker; the persistent copy
    // the gateway published before answering 202 must not.
    let app = TestApp::spawn_with(&[("WAIT_TIMEOUT_MS", "1000")]).await;
    let paused = pause_workers(&app);
    let id = submit_while_paused(&app).await;
    let _ = std::process::Command::new("rabbitmqctl")
        .arg("stop")
        .stdout(std::process::Stdio::null())
        .status();
    wait_port(5672, false, 60).await;
    start_rabbit();
    wait_port(5672, true, 120).await;
    resume_workers(&paused);
    wait_completed(&app, &id).await;
}
