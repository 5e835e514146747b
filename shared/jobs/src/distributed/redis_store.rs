//! Redis backends: result records (with pub/sub completion notices), API keys, rate-limit
//! counters and the workers' attempt counters, all under `REDIS_PREFIX`.
//!
//! Layout (`P` = the prefix):
//! - `P result:<uuid>`: hash `s` (status) + `r` (record JSON), expiring
//!   `max(RESULT_TTL, FILE_TTL) + TOMBSTONE_SECS` after its last write (the gateway enforces
//!   RESULT_TTL itself; the longer life lets an expired download answer 410, not 404);
//! - `P done`: pub/sub channel; a record turning final publishes its UUID there;
//! - `P keys` (id -> API key JSON) and `P keys:hash` (SHA-256 -> id);
//! - `P rate:<key id>:<window>`: fixed-window counters, expiring with their window;
//! - `P attempts:<uuid>`: deliveries of a job, counted by the workers before running it
//!   (survives worker crashes, unlike any count kept in the message).
//!
//! Commands go through redis' `ConnectionManager` (reconnects by itself; a command during
//! an outage fails fast with `Unavailable`). The completion subscriber owns its connection
//! and its reconnect loop; on every (re)subscribe it wakes all waiters, which then read the
//! record again, so nothing published during an outage is missed.

use async_trait::async_trait;
use futures::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tracing::{info, warn};
use uuid::Uuid;

use crate::backend::*;
use crate::metrics;
use crate::record::Record;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn unavailable(e: redis::RedisError) -> BackendError {
    BackendError::Unavailable(format!("redis: {e}"))
}

/// A command connection that reconnects by itself.
pub fn connect(url: &str) -> anyhow::Result<(redis::Client, ConnectionManager)> {
    let client = redis::Client::open(url)?;
    let cfg = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(5)))
        .set_number_of_retries(2)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_secs(1));
    let conn = ConnectionManager::new_lazy_with_config(client.clone(), cfg)?;
    Ok((client, conn))
}

/// Writes a record that is not final, unless the record there is final already. (Final
/// records are written by a MULTI/EXEC that does the same without the check.)
const PUT_SCRIPT: &str = r"
local cur = redis.call('HGET', KEYS[1], 's')
if cur == 'completed' or cur == 'failed' then return 0 end
redis.call('HSET', KEYS[1], 's', ARGV[1], 'r', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
";

/// A worker starting a job: unless its record is final already (a redelivery after the
/// work was done), count the attempt and, when it will run, mark the record `processing`.
/// Returns -1 for a final record, else the attempt count. `ARGV[4]` is `1` when the job's
/// first delivery was not counted (it skipped this script): the first count is then 2.
const BEGIN_SCRIPT: &str = r"
local cur = redis.call('HGET', KEYS[1], 's')
if cur == 'completed' or cur == 'failed' then return -1 end
local n = redis.call('INCR', KEYS[2])
if n == 1 and ARGV[4] == '1' then n = redis.call('INCR', KEYS[2]) end
redis.call('EXPIRE', KEYS[2], 86400)
if n <= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 's', 'processing', 'r', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return n
";

/// Writes a record only where there is none.
const PUT_NEW_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 's', ARGV[1], 'r', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
";

/// What [`RedisResults::begin`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// The job's record is final: nothing left to do.
    Final,
    /// This is delivery number `n` of the job; it was marked `processing` when
    /// `n <= max_attempts`.
    Attempt(u32),
}

/// Who waits for which job. A completion message carries the final record, which the
/// waiter gets in hand (`Some`); `None` means "look again" (the subscription was lost).
type Waiters = Arc<Mutex<HashMap<Uuid, Vec<oneshot::Sender<Option<Record>>>>>>;

/// Result records in Redis.
pub struct RedisResults {
    conn: ConnectionManager,
    prefix: String,
    record_ttl: u64,
    put_script: redis::Script,
    begin_script: redis::Script,
    put_new_script: redis::Script,
    waiters: Waiters,
    subscribed: Arc<AtomicBool>,
    has_subscriber: AtomicBool,
}

impl RedisResults {
    /// `record_ttl`: how long a record is kept after its last write, in seconds.
    pub fn new(conn: ConnectionManager, prefix: &str, record_ttl: u64) -> RedisResults {
        RedisResults {
            conn,
            prefix: prefix.to_string(),
            record_ttl: record_ttl.max(1),
            put_script: redis::Script::new(PUT_SCRIPT),
            begin_script: redis::Script::new(BEGIN_SCRIPT),
            put_new_script: redis::Script::new(PUT_NEW_SCRIPT),
            waiters: Arc::default(),
            subscribed: Arc::new(AtomicBool::new(false)),
            has_subscriber: AtomicBool::new(false),
        }
    }

    fn key(&self, id: Uuid) -> String {
        format!("{}result:{id}", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}done", self.prefix)
    }

    /// Starts the completion subscriber (gateways need it, workers do not).
    pub fn start_subscriber(&self, client: redis::Client) {
        self.has_subscriber.store(true, Ordering::SeqCst);
        let waiters = self.waiters.clone();
        let subscribed = self.subscribed.clone();
        let channel = self.channel();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(100);
            loop {
                let attempt = tokio::time::timeout(Duration::from_secs(3), async {
                    let mut ps = client.get_async_pubsub().await?;
                    ps.subscribe(&channel).await?;
                    Ok::<_, redis::RedisError>(ps)
                })
                .await;
                match attempt {
                    Ok(Ok(ps)) => {
                        backoff = Duration::from_millis(100);
                        subscribed.store(true, Ordering::SeqCst);
                        metrics::REDIS_PUBSUB_UP.set(1);
                        metrics::REDIS_RESUBSCRIBES.inc();
                        info!("subscribed to job completions");
                        // Whatever completed while we were not listening: look again.
                        wake_all(&waiters);
                        let mut stream = ps.into_on_message();
                        while let Some(msg) = stream.next().await {
                            // "<uuid>\n<record JSON>" (an older writer sends the uuid alone).
                            let payload = msg.get_payload_bytes();
                            let (head, body) = match payload.iter().position(|&b| b == b'\n') {
                                Some(i) => (&payload[..i], &payload[i + 1..]),
                                None => (payload, &[][..]),
                            };
                            let Ok(id) = std::str::from_utf8(head).unwrap_or("").parse::<Uuid>()
                            else {
                                continue;
                            };
                            let Some(ws) = lock(&waiters).remove(&id) else {
                                continue;
                            };
                            // Parsed only when someone here waits for it.
                            let rec = serde_json::from_slice::<Record>(body)
                                .ok()
                                .filter(|r| r.id == id && r.status.is_final());
                            for w in ws {
                                let _ = w.send(rec.clone());
                            }
                        }
                        subscribed.store(false, Ordering::SeqCst);
                        metrics::REDIS_PUBSUB_UP.set(0);
                        warn!("lost the Redis subscription; reconnecting");
                        wake_all(&waiters);
                    }
                    Ok(Err(e)) => warn!(error = %e, "cannot subscribe to Redis; retrying"),
                    Err(_) => warn!("subscribing to Redis timed out; retrying"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        });
    }

    /// Writes `rec` unless the job has a record already.
    pub async fn put_new(&self, rec: &Record) -> BResult<()> {
        let body = serde_json::to_string(rec).map_err(BackendError::other)?;
        let mut c = self.conn.clone();
        let _: i64 = self
            .put_new_script
            .key(self.key(rec.id))
            .arg(rec.status.as_str())
            .arg(body)
            .arg(self.record_ttl)
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Starts a delivery of `job` in one round trip (see [`BEGIN_SCRIPT`]).
    /// `first_uncounted`: the job's first delivery did not call this (the worker's quick
    /// start), so it is counted now.
    pub async fn begin(
        &self,
        job: &crate::record::Job,
        max_attempts: u32,
        first_uncounted: bool,
    ) -> BResult<Begin> {
        let rec = Record::processing(job);
        let body = serde_json::to_string(&rec).map_err(BackendError::other)?;
        let mut c = self.conn.clone();
        let n: i64 = self
            .begin_script
            .key(self.key(job.id))
            .key(format!("{}attempts:{}", self.prefix, job.id))
            .arg(max_attempts)
            .arg(body)
            .arg(self.record_ttl)
            .arg(if first_uncounted { "1" } else { "0" })
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(match u32::try_from(n) {
            Ok(n) => Begin::Attempt(n),
            Err(_) => Begin::Final,
        })
    }

    fn register(&self, id: Uuid) -> oneshot::Receiver<Option<Record>> {
        let (tx, rx) = oneshot::channel();
        let mut w = lock(&self.waiters);
        let list = w.entry(id).or_default();
        list.retain(|s| !s.is_closed());
        list.push(tx);
        rx
    }

    fn unregister(&self, id: Uuid) {
        let mut w = lock(&self.waiters);
        if let Some(list) = w.get_mut(&id) {
            list.retain(|s| !s.is_closed());
            if list.is_empty() {
                w.remove(&id);
            }
        }
    }
}

/// Removes a waiter's closed sender when the wait ends, however it ends.
struct Registration<'a> {
    store: &'a RedisResults,
    id: Uuid,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.store.unregister(self.id);
    }
}

fn wake_all(waiters: &Waiters) {
    let all: Vec<_> = lock(waiters).drain().collect();
    for (_, ws) in all {
        for w in ws {
            let _ = w.send(None);
        }
    }
}

#[async_trait]
impl ResultStore for RedisResults {
    async fn put(&self, rec: &Record) -> BResult<()> {
        let body = serde_json::to_string(rec).map_err(BackendError::other)?;
        let mut c = self.conn.clone();
        if rec.status.is_final() {
            // A final record is written whatever was there: the script's check cannot
            // refuse it, so a MULTI/EXEC does the same without running Lua (under load,
            // Redis spent ~38 µs per call of the script, ~25 µs per MULTI/EXEC).
            let notice = format!("{}\n{body}", rec.id);
            let key = self.key(rec.id);
            let _: () = redis::pipe()
                .atomic()
                .hset_multiple(&key, &[("s", rec.status.as_str()), ("r", body.as_str())])
                .ignore()
                .expire(&key, self.record_ttl as i64)
                .ignore()
                .publish(self.channel(), notice)
                .ignore()
                .query_async(&mut c)
                .await
                .map_err(unavailable)?;
            return Ok(());
        }
        let _: i64 = self
            .put_script
            .key(self.key(rec.id))
            .arg(rec.status.as_str())
            .arg(body)
            .arg(self.record_ttl)
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, id: Uuid) -> BResult<Option<Record>> {
        let mut c = self.conn.clone();
        let body: Option<String> = redis::cmd("HGET")
            .arg(self.key(id))
            .arg("r")
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
    }

    async fn wait_final(&self, id: Uuid, timeout: Duration) -> BResult<Option<Record>> {
        let deadline = Instant::now() + timeout;
        loop {
            // Register, then look: a completion published in between still wakes us.
            // (Declared before `rx`, the guard drops after it and so removes its sender,
            // also when the request is cancelled.)
            let _registered = Registration { store: self, id };
            let rx = self.register(id);
            let listening = self.subscribed.load(Ordering::SeqCst);
            let last_err = match self.get(id).await {
                Ok(Some(r)) if r.status.is_final() => return Ok(Some(r)),
                Ok(_) => None,
                Err(e) => Some(e),
            };
            let now = Instant::now();
            if now >= deadline {
                drop(rx);
                return match last_err {
                    Some(e) => Err(e),
                    None => self.get(id).await,
                };
            }
            // Without a live subscription (Redis restarting) look again every half second.
            let nap = if listening && last_err.is_none() {
                deadline - now
            } else {
                (deadline - now).min(Duration::from_millis(500))
            };
            if let Ok(Ok(Some(rec))) = tokio::time::timeout(nap, rx).await {
                return Ok(Some(rec));
            }
        }
    }

    async fn start_and_wait(
        &self,
        queued: &Record,
        start: futures::future::BoxFuture<'_, BResult<()>>,
        timeout: Duration,
    ) -> BResult<Option<Record>> {
        let id = queued.id;
        let deadline = Instant::now() + timeout;
        let rec = 'wait: {
            // As in `wait_final`, but registered before the job is queued: while the
            // subscription is live, the completion cannot pass unseen, so the record need
            // not be read first (one round trip and one parse less per request). A lost
            // subscription wakes the waiter (`wake_all`), which then reads as usual.
            let _registered = Registration { store: self, id };
            let mut rx = self.register(id);
            let listening = self.subscribed.load(Ordering::SeqCst);
            if !listening {
                start.await?;
            } else {
                // The completion can arrive before `start` ends: the broker confirms a
                // persistent message once it is on disk or acked by its consumer, and a
                // batch of jobs is acked after the last of them. A completion proves the
                // job was queued, so it is answered at once (`start`, dropped, is then
                // only waiting for that confirm).
                let mut start = start;
                let early = tokio::select! {
                    queued = &mut start => {
                        queued?;
                        None
                    }
                    done = &mut rx => Some(done),
                };
                match early {
                    Some(Ok(Some(rec))) => return Ok(Some(rec)),
                    // Woken to look again (the subscription was lost): queue, then look.
                    Some(_) => start.await?,
                    None => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        match tokio::time::timeout(left, rx).await {
                            Ok(Ok(Some(rec))) => return Ok(Some(rec)),
                            Err(_) => break 'wait self.get(id).await?,
                            Ok(_) => {}
                        }
                    }
                }
            }
            self.wait_final(id, deadline.saturating_duration_since(Instant::now()))
                .await?
        };
        match rec {
            Some(r) if r.status.is_final() => Ok(Some(r)),
            // Not done within the wait: the client is about to learn the UUID, so the job
            // must have a record. The worker writes one when it starts the job; until then
            // (or if Redis lost it) write the queued one, unless a record appeared since.
            _ => {
                self.put_new(queued).await?;
                self.get(id).await
            }
        }
    }

    async fn ready(&self) -> BResult<()> {
        let mut c = self.conn.clone();
        let pong: String = tokio::time::timeout(
            Duration::from_secs(2),
            redis::cmd("PING").query_async(&mut c),
        )
        .await
        .map_err(|_| BackendError::unavailable("redis: ping timed out"))?
        .map_err(unavailable)?;
        if pong != "PONG" {
            return Err(BackendError::unavailable(format!("redis answered {pong}")));
        }
        if self.has_subscriber.load(Ordering::SeqCst) && !self.subscribed.load(Ordering::SeqCst) {
            return Err(BackendError::unavailable(
                "redis: not subscribed to completions (reconnecting)",
            ));
        }
        Ok(())
    }
}

/// API key records (hashes only).
pub struct RedisKeys {
    conn: ConnectionManager,
    prefix: String,
}

impl RedisKeys {
    pub fn new(conn: ConnectionManager, prefix: &str) -> RedisKeys {
        RedisKeys {
            conn,
            prefix: prefix.to_string(),
        }
    }
    fn by_id(&self) -> String {
        format!("{}keys", self.prefix)
    }
    fn by_hash_key(&self) -> String {
        format!("{}keys:hash", self.prefix)
    }
}

#[async_trait]
impl KeyStore for RedisKeys {
    async fn insert(&self, key: &ApiKey) -> BResult<()> {
        let body = serde_json::to_string(key).map_err(BackendError::other)?;
        let mut c = self.conn.clone();
        redis::pipe()
            .atomic()
            .hset(self.by_id(), &key.id, body)
            .ignore()
            .hset(self.by_hash_key(), &key.hash, &key.id)
            .ignore()
            .query_async::<()>(&mut c)
            .await
            .map_err(unavailable)
    }

    async fn list(&self) -> BResult<Vec<ApiKey>> {
        let mut c = self.conn.clone();
        let all: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.by_id())
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        let mut keys: Vec<ApiKey> = all
            .values()
            .filter_map(|v| serde_json::from_str(v).ok())
            .collect();
        keys.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(keys)
    }

    async fn revoke(&self, id: &str) -> BResult<bool> {
        let mut c = self.conn.clone();
        let body: Option<String> = redis::cmd("HGET")
            .arg(self.by_id())
            .arg(id)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        let Some(mut key) = body.and_then(|b| serde_json::from_str::<ApiKey>(&b).ok()) else {
            return Ok(false);
        };
        key.revoked = true;
        let body = serde_json::to_string(&key).map_err(BackendError::other)?;
        redis::cmd("HSET")
            .arg(self.by_id())
            .arg(id)
            .arg(body)
            .query_async::<()>(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(true)
    }

    async fn by_hash(&self, hash: &str) -> BResult<Option<ApiKey>> {
        let mut c = self.conn.clone();
        let id: Option<String> = redis::cmd("HGET")
            .arg(self.by_hash_key())
            .arg(hash)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        let Some(id) = id else { return Ok(None) };
        let body: Option<String> = redis::cmd("HGET")
            .arg(self.by_id())
            .arg(id)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
    }
}

const RATE_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// Fixed-window counters shared by all gateways.
pub struct RedisRate {
    conn: ConnectionManager,
    prefix: String,
    script: redis::Script,
}

impl RedisRate {
    pub fn new(conn: ConnectionManager, prefix: &str) -> RedisRate {
        RedisRate {
            conn,
            prefix: prefix.to_string(),
            script: redis::Script::new(RATE_SCRIPT),
        }
    }
}

#[async_trait]
impl RateLimiter for RedisRate {
    async fn hit(&self, key_id: &str, limit: u32, window: Duration) -> BResult<RateDecision> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let w = window.as_millis().max(1) as u64;
        let slot = now / w;
        let mut c = self.conn.clone();
        let n: u64 = self
            .script
            .key(format!("{}rate:{key_id}:{slot}", self.prefix))
            .arg(w + 1000)
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)?;
        if n > u64::from(limit) {
            let retry_ms = (slot + 1) * w - now;
            return Ok(RateDecision::Limited {
                retry_after_secs: retry_ms.div_ceil(1000).max(1),
            });
        }
        Ok(RateDecision::Allowed)
    }
}

/// Against the machine's Redis (127.0.0.1:6379, or `TEST_REDIS_URL`) under a prefix of
/// their own; skipped when no Redis answers.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Job, JobInput, JobKind, Status};

    async fn setup() -> Option<(redis::Client, ConnectionManager, String)> {
        let url =
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let (client, conn) = connect(&url).ok()?;
        let mut c = conn.clone();
        let ok: Result<String, _> = tokio::time::timeout(
            Duration::from_secs(2),
            redis::cmd("PING").query_async(&mut c),
        )
        .await
        .ok()?;
        if ok.is_err() {
            eprintln!("skipped: no Redis at {url}");
            return None;
        }
        Some((client, conn, format!("unit:{}:", Uuid::new_v4().simple())))
    }

    fn job() -> Job {
        Job {
            id: Uuid::new_v4(),
            kind: JobKind::Extract,
            input: JobInput::Inline {
                data: bytes::Bytes::from_static(&[1]),
            },
            file_name: Some("a.jpg".into()),
            owner: Some("k".into()),
            keep: String::new(),
            created_at: crate::now_secs(),
            attempt: 0,
        }
    }

    #[tokio::test]
    async fn statuses_move_forward_only_and_waits_see_results() {
        let Some((client, conn, prefix)) = setup().await else {
            return;
        };
        let store = Arc::new(RedisResults::new(conn, &prefix, 60));
        store.start_subscriber(client);
        for _ in 0..50 {
            if store.ready().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        store.ready().await.unwrap();
        let j = job();
        let mut rec = Record::queued(&j);
        store.put(&rec).await.unwrap();
        // Completion after the wait started: woken by pub/sub, well before the timeout.
        let s2 = store.clone();
        let mut done = rec.clone();
        done.status = Status::Completed;
        let d2 = done.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            s2.put(&d2).await.unwrap();
        });
        let t = Instant::now();
        let got = store
            .wait_final(j.id, Duration::from_secs(10))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.status, Status::Completed);
        assert!(t.elapsed() < Duration::from_secs(3));
        // A late "processing" (a redelivery) does not undo it.
        rec.status = Status::Processing;
        store.put(&rec).await.unwrap();
        assert_eq!(
            store.get(j.id).await.unwrap().unwrap().status,
            Status::Completed
        );
        // Already final: at once.
        let t = Instant::now();
        let got = store
            .wait_final(j.id, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(got.unwrap().status, Status::Completed);
        assert!(t.elapsed() < Duration::from_secs(1));
        // Not final: 202 material after the timeout.
        let j2 = job();
        store.put(&Record::queued(&j2)).await.unwrap();
        let got = store
            .wait_final(j2.id, Duration::from_millis(300))
            .await
            .unwrap();
        assert_eq!(got.unwrap().status, Status::Queued);
        assert!(lock(&store.waiters).is_empty(), "waiters left behind");
        // Queue-and-wait: the queued record is written only when the wait times out.
        let j3 = job();
        let q3 = Record::queued(&j3);
        let failed_start = store
            .start_and_wait(
                &q3,
                Box::pin(async { Err(BackendError::unavailable("no broker")) }),
                Duration::from_secs(5),
            )
            .await;
        assert!(failed_start.is_err());
        assert!(store.get(j3.id).await.unwrap().is_none());
        let got = store
            .start_and_wait(&q3, Box::pin(async { Ok(()) }), Duration::from_millis(200))
            .await
            .unwrap();
        assert_eq!(got.unwrap().status, Status::Queued);
        assert_eq!(
            store.get(j3.id).await.unwrap().unwrap().status,
            Status::Queued
        );
        let j4 = job();
        let s4 = store.clone();
        let mut d4 = Record::queued(&j4);
        d4.status = Status::Completed;
        let start = async move {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                s4.put(&d4).await.unwrap();
            });
            Ok(())
        };
        let t = Instant::now();
        let got = store
            .start_and_wait(
                &Record::queued(&j4),
                Box::pin(start),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        assert_eq!(got.unwrap().status, Status::Completed);
        assert!(t.elapsed() < Duration::from_secs(3));
        // A completion that comes before the broker's confirm is answered at once: the
        // confirm here never comes (within the test's 10 s).
        let j4b = job();
        let s4b = store.clone();
        let mut d4b = Record::queued(&j4b);
        d4b.status = Status::Completed;
        let start = async move {
            s4b.put(&d4b).await.unwrap();
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        };
        let t = Instant::now();
        let got = store
            .start_and_wait(
                &Record::queued(&j4b),
                Box::pin(start),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        assert_eq!(got.unwrap().status, Status::Completed);
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        // A record the worker wrote first is not replaced by the late queued one.
        let j5 = job();
        store.put(&Record::processing(&j5)).await.unwrap();
        let got = store
            .start_and_wait(
                &Record::queued(&j5),
                Box::pin(async { Ok(()) }),
                Duration::from_millis(100),
            )
            .await
            .unwrap();
        assert_eq!(got.unwrap().status, Status::Processing);
        assert!(lock(&store.waiters).is_empty(), "waiters left behind");

        // A worker starting a delivery: final records are left alone; otherwise each
        // delivery is counted, and marked processing while attempts remain.
        assert_eq!(store.begin(&j, 2, false).await.unwrap(), Begin::Final);
        assert_eq!(store.begin(&j2, 2, false).await.unwrap(), Begin::Attempt(1));
        let r2 = store.get(j2.id).await.unwrap().unwrap();
        assert_eq!((r2.status, r2.id), (Status::Processing, j2.id));
        assert_eq!(store.begin(&j2, 2, false).await.unwrap(), Begin::Attempt(2));
        assert_eq!(store.begin(&j2, 2, false).await.unwrap(), Begin::Attempt(3));
        let mut failed = Record::queued(&j2);
        failed.status = Status::Failed;
        store.put(&failed).await.unwrap();
        assert_eq!(store.begin(&j2, 2, false).await.unwrap(), Begin::Final);
        assert_eq!(
            store.get(j2.id).await.unwrap().unwrap().status,
            Status::Failed
        );
        // A job whose first delivery skipped `begin` (the worker's quick start): that
        // delivery is counted with the next one.
        let j6 = job();
        assert_eq!(store.begin(&j6, 2, true).await.unwrap(), Begin::Attempt(2));
        assert_eq!(store.begin(&j6, 2, true).await.unwrap(), Begin::Attempt(3));
    }

    #[tokio::test]
    async fn keys_and_rates() {
        let Some((_, conn, prefix)) = setup().await else {
            return;
        };
        let keys = RedisKeys::new(conn.clone(), &prefix);
        let (raw, rec) = crate::keys::generate("k1");
        keys.insert(&rec).await.unwrap();
        assert_eq!(
            keys.by_hash(&crate::keys::hash(&raw)).await.unwrap(),
            Some(rec.clone())
        );
        assert_eq!(keys.list().await.unwrap().len(), 1);
        assert!(keys.revoke(&rec.id).await.unwrap());
        assert!(!keys.revoke("nope").await.unwrap());
        assert!(keys.by_hash(&rec.hash).await.unwrap().unwrap().revoked);

        let rate = RedisRate::new(conn, &prefix);
        let w = Duration::from_secs(60);
        assert_eq!(rate.hit("a", 2, w).await.unwrap(), RateDecision::Allowed);
        assert_eq!(rate.hit("a", 2, w).await.unwrap(), RateDecision::Allowed);
        assert!(matches!(
            rate.hit("a", 2, w).await.unwrap(),
            RateDecision::Limited { .. }
        ));
        assert_eq!(rate.hit("b", 2, w).await.unwrap(), RateDecision::Allowed);
    }
}
