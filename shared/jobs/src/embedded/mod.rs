//! The embedded backends: one process, a local data directory, an in-process queue.
//!
//! Layout of `DATA_DIR`:
//! - `results/<xx>/<uuid>.json`: result records (written to a temp file, then renamed);
//! - `staging/<uuid>`: uploads waiting for their job;
//! - `cleaned/<uuid>`: cleaned files;
//! - `tmp/`: the gateway's upload temp files and the jobs' scratch directories;
//! - `keys.json`: API key records (hashes only).
//!
//! Everything but `tmp/` survives a restart. Jobs that were queued when the process stopped
//! are lost with the in-process queue, so on start [`recover`] marks records left `queued` or
//! `processing` as failed with a reason the client can read.

use async_trait::async_trait;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn, Instrument};
use uuid::Uuid;

use crate::backend::*;
use crate::metrics;
use crate::process::{process_job, ProcessContext};
use crate::record::{Failure, Job, Record, Status};

/// How long records are kept after they stop being served, so that a download of an
/// expired file can answer 410 (gone) rather than 404 (never existed).
pub const TOMBSTONE_SECS: u64 = 7 * 24 * 3600;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Result records: final ones as JSON files; unfinished ones in memory.
///
/// A job's `queued` and `processing` states live only in memory (the common job finishes
/// in a millisecond, before anyone could look), and reach the disk only when a client is
/// told the job's UUID before it finished (a 202 answer, see [`ResultStore::wait_final`]).
/// So every UUID a client has seen is on disk, finished or not, and [`recover`] can mark
/// the unfinished ones failed after a restart. Final records are written (temp file, then
/// rename) before anyone waiting is woken, and the waiter gets the record in hand: the
/// answer to a submission never reads the disk.
pub struct LocalResults {
    dir: PathBuf,
    inner: Mutex<ResultsState>,
    /// Orders the disk writes of one job (striped by id): a 202's write of the unfinished
    /// record and the worker's write of the final one never interleave.
    disk: Vec<tokio::sync::Mutex<()>>,
}

#[derive(Default)]
struct ResultsState {
    /// Unfinished records by job.
    pending: HashMap<Uuid, Record>,
    /// Who waits for each job to finish.
    waiters: HashMap<Uuid, Vec<oneshot::Sender<Record>>>,
}

impl LocalResults {
    pub fn new(data_dir: &Path) -> std::io::Result<Self> {
        let dir = data_dir.join("results");
        std::fs::create_dir_all(&dir)?;
        Ok(LocalResults {
            dir,
            inner: Mutex::new(ResultsState::default()),
            disk: (0..64).map(|_| tokio::sync::Mutex::new(())).collect(),
        })
    }

    fn path(&self, id: Uuid) -> PathBuf {
        let s = id.to_string();
        self.dir.join(&s[..2]).join(format!("{s}.json"))
    }

    fn disk_lock(&self, id: Uuid) -> &tokio::sync::Mutex<()> {
        &self.disk[id.as_u128() as usize % self.disk.len()]
    }

    /// Writes `rec` to its file: in place on a job thread, else one trip to the blocking
    /// pool.
    async fn write(&self, rec: &Record) -> BResult<()> {
        let path = self.path(rec.id);
        let body = serde_json::to_vec(rec).map_err(BackendError::other)?;
        let id = rec.id;
        if crate::process::on_job_thread() {
            return Ok(write_record_file(&path, id, &body)?);
        }
        tokio::task::spawn_blocking(move || write_record_file(&path, id, &body))
            .await
            .map_err(BackendError::other)??;
        Ok(())
    }

    async fn read(&self, id: Uuid) -> BResult<Option<Record>> {
        match tokio::fs::read(self.path(id)).await {
            Ok(body) => Ok(serde_json::from_slice(&body).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[async_trait]
impl ResultStore for LocalResults {
    async fn put(&self, rec: &Record) -> BResult<()> {
        if !rec.status.is_final() {
            lock(&self.inner).pending.insert(rec.id, rec.clone());
            return Ok(());
        }
        let waiters = {
            let _order = self.disk_lock(rec.id).lock().await;
            self.write(rec).await?;
            let mut st = lock(&self.inner);
            st.pending.remove(&rec.id);
            st.waiters.remove(&rec.id)
        };
        for w in waiters.into_iter().flatten() {
            let _ = w.send(rec.clone());
        }
        Ok(())
    }

    async fn get(&self, id: Uuid) -> BResult<Option<Record>> {
        if let Some(rec) = lock(&self.inner).pending.get(&id) {
            return Ok(Some(rec.clone()));
        }
        self.read(id).await
    }

    async fn wait_final(&self, id: Uuid, timeout: Duration) -> BResult<Option<Record>> {
        // Register while looking: a completion after this point sends us the record.
        let rx = {
            let mut st = lock(&self.inner);
            if st.pending.contains_key(&id) {
                let (tx, rx) = oneshot::channel();
                st.waiters.entry(id).or_default().push(tx);
                Some(rx)
            } else {
                None
            }
        };
        // Not pending: finished already (or unknown), and on disk if anywhere.
        let Some(rx) = rx else {
            return self.read(id).await;
        };
        if let Ok(Ok(rec)) = tokio::time::timeout(timeout, rx).await {
            return Ok(Some(rec));
        }
        // Still running: the client is about to learn this UUID, so the record goes to
        // disk now (unless it finished meanwhile, in which case the disk has it).
        let _order = self.disk_lock(id).lock().await;
        let pending = {
            let mut st = lock(&self.inner);
            st.waiters.remove(&id);
            st.pending.get(&id).cloned()
        };
        match pending {
            Some(rec) => {
                self.write(&rec).await?;
                Ok(Some(rec))
            }
            None => self.read(id).await,
        }
    }

    async fn ready(&self) -> BResult<()> {
        tokio::fs::metadata(&self.dir)
            .await
            .map(|_| ())
            .map_err(BackendError::unavailable)
    }
}

/// Writes a record's file. A new record's file is written in place: nobody can read it
/// before the answer that names its UUID, and that answer waits for this write. A record
/// already on disk (its UUID was given out in a 202) is replaced whole: a temporary file,
/// then a rename. (A crash in the middle of the first kind leaves a file that does not
/// parse: lookups answer 404 for it, as for a record never written, and the sweeper
/// removes it with the records of its age.)
fn write_record_file(path: &Path, id: Uuid, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let parent = path.parent().unwrap_or(Path::new("."));
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    };
    let created = match create() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(parent)?;
            create()
        }
        other => other,
    };
    match created {
        Ok(mut file) => file.write_all(body).inspect_err(|_| {
            let _ = std::fs::remove_file(path);
        }),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let tmp = parent.join(format!(".{id}.{}.tmp", rand::random::<u32>()));
            std::fs::write(&tmp, body)?;
            std::fs::rename(&tmp, path)
        }
        Err(e) => Err(e),
    }
}

/// Staged uploads and cleaned files as plain files.
pub struct LocalFiles {
    staging: PathBuf,
    cleaned: PathBuf,
}

impl LocalFiles {
    pub fn new(data_dir: &Path) -> std::io::Result<Self> {
        let staging = data_dir.join("staging");
        let cleaned = data_dir.join("cleaned");
        std::fs::create_dir_all(&staging)?;
        std::fs::create_dir_all(&cleaned)?;
        Ok(LocalFiles { staging, cleaned })
    }
}

/// Keys are our own UUIDs; anything else is refused (no path tricks).
fn key_path(dir: &Path, key: &str) -> BResult<PathBuf> {
    let id: Uuid = key
        .parse()
        .map_err(|_| BackendError::Other(format!("bad file key {key:?}")))?;
    Ok(dir.join(id.to_string()))
}

#[async_trait]
impl FileStore for LocalFiles {
    /// In-process jobs can carry any upload the gateway chose to keep in memory.
    fn inline_limit(&self) -> u64 {
        u64::MAX
    }

    async fn stage(&self, id: Uuid, path: &Path) -> BResult<String> {
        let dest = self.staging.join(id.to_string());
        if tokio::fs::rename(path, &dest).await.is_err() {
            tokio::fs::copy(path, &dest).await?;
            let _ = tokio::fs::remove_file(path).await;
        }
        Ok(id.to_string())
    }

    async fn staged_path(&self, key: &str, _scratch: &Path) -> BResult<PathBuf> {
        let p = key_path(&self.staging, key)?;
        if tokio::fs::metadata(&p).await.is_err() {
            return Err(BackendError::Other(format!(
                "staged upload {key} is missing"
            )));
        }
        Ok(p)
    }

    async fn delete_staged(&self, key: &str) -> BResult<()> {
        match tokio::fs::remove_file(key_path(&self.staging, key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn put_cleaned(&self, id: Uuid, path: &Path, _mime: &str) -> BResult<String> {
        let dest = self.cleaned.join(id.to_string());
        if tokio::fs::rename(path, &dest).await.is_err() {
            tokio::fs::copy(path, &dest).await?;
        }
        Ok(id.to_string())
    }

    async fn open_cleaned(&self, key: &str) -> BResult<Option<(u64, ByteStream)>> {
        let p = key_path(&self.cleaned, key)?;
        let file = match tokio::fs::File::open(&p).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata().await?.len();
        let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
        Ok(Some((len, Box::pin(stream))))
    }

    async fn ready(&self) -> BResult<()> {
        tokio::fs::metadata(&self.cleaned)
            .await
            .map(|_| ())
            .map_err(BackendError::unavailable)
    }
}

/// API key records in `keys.json`.
pub struct LocalKeys {
    path: PathBuf,
    keys: Mutex<Vec<ApiKey>>,
}

impl LocalKeys {
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join("keys.json");
        let keys = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(LocalKeys {
            path,
            keys: Mutex::new(keys),
        })
    }

    fn save(&self, keys: &[ApiKey]) -> BResult<()> {
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(keys).map_err(BackendError::other)?,
        )?;
        std::fs::rename(&tmp, &self.path)?;
        Ok(())
    }
}

#[async_trait]
impl KeyStore for LocalKeys {
    async fn insert(&self, key: &ApiKey) -> BResult<()> {
        let mut keys = lock(&self.keys);
        keys.push(key.clone());
        self.save(&keys)
    }
    async fn list(&self) -> BResult<Vec<ApiKey>> {
        Ok(lock(&self.keys).clone())
    }
    async fn revoke(&self, id: &str) -> BResult<bool> {
        let mut keys = lock(&self.keys);
        let Some(k) = keys.iter_mut().find(|k| k.id == id) else {
            return Ok(false);
        };
        k.revoked = true;
        self.save(&keys)?;
        Ok(true)
    }
    async fn by_hash(&self, hash: &str) -> BResult<Option<ApiKey>> {
        Ok(lock(&self.keys).iter().find(|k| k.hash == hash).cloned())
    }
}

/// Fixed-window request counters in memory.
#[derive(Default)]
pub struct LocalRate {
    windows: Mutex<HashMap<String, (u64, u32)>>,
}

#[async_trait]
impl RateLimiter for LocalRate {
    async fn hit(&self, key_id: &str, limit: u32, window: Duration) -> BResult<RateDecision> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let w = window.as_millis().max(1) as u64;
        let slot = now / w;
        let mut map = lock(&self.windows);
        if map.len() > 100_000 {
            map.retain(|_, (s, _)| *s == slot);
        }
        let e = map.entry(key_id.to_string()).or_insert((slot, 0));
        if e.0 != slot {
            *e = (slot, 0);
        }
        if e.1 >= limit {
            let retry_ms = (slot + 1) * w - now;
            return Ok(RateDecision::Limited {
                retry_after_secs: retry_ms.div_ceil(1000).max(1),
            });
        }
        e.1 += 1;
        Ok(RateDecision::Allowed)
    }
}

/// The in-process queue: a bounded channel read by worker tasks.
pub struct LocalQueue {
    tx: mpsc::Sender<Job>,
    workers: usize,
}

#[async_trait]
impl JobQueue for LocalQueue {
    async fn enqueue(&self, job: &Job) -> BResult<()> {
        self.tx.try_send(job.clone()).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                BackendError::Unavailable("the job queue is full".into())
            }
            mpsc::error::TrySendError::Closed(_) => {
                BackendError::Unavailable("the job queue is closed".into())
            }
        })
    }
    async fn ready(&self) -> BResult<()> {
        if self.tx.is_closed() {
            Err(BackendError::Unavailable("workers stopped".into()))
        } else {
            Ok(())
        }
    }
    fn refresh_metrics(&self) {
        // Free slots go down on send and up on receive: the difference is what waits.
        let waiting = self.tx.max_capacity() - self.tx.capacity();
        crate::metrics::set_queue(
            crate::metrics::QUEUE_JOBS,
            Some((waiting as u64, self.workers as u64)),
        );
    }
}

/// Settings of the embedded runtime.
#[derive(Debug, Clone)]
pub struct EmbeddedConfig {
    pub data_dir: PathBuf,
    pub workers: usize,
    pub queue_capacity: usize,
    pub result_ttl: u64,
    pub file_ttl: u64,
    pub fetch: crate::fetch::FetchConfig,
    pub sweep_every: Duration,
}

/// Builds the embedded backends and starts `workers` worker tasks and the sweeper.
pub async fn start(cfg: &EmbeddedConfig) -> std::io::Result<Backends> {
    std::fs::create_dir_all(&cfg.data_dir)?;
    let results = Arc::new(LocalResults::new(&cfg.data_dir)?);
    let files = Arc::new(LocalFiles::new(&cfg.data_dir)?);
    let keys = Arc::new(LocalKeys::open(&cfg.data_dir)?);
    let scratch = cfg.data_dir.join("tmp").join("jobs");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    recover(&results, &cfg.data_dir).await;

    let ctx = ProcessContext {
        files: files.clone(),
        results: results.clone(),
        fetch: cfg.fetch.clone(),
        scratch,
        file_ttl: cfg.file_ttl,
        cpu: None,
    };
    let (tx, rx) = mpsc::channel::<Job>(cfg.queue_capacity.max(1));
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    // Each worker is a thread of its own with a single-threaded runtime, marked as a job
    // thread: a job's parsing and file writes run on it in place, so a small job crosses
    // threads twice (queued by the request's task, answered back to it) instead of
    // hopping through the blocking pool. The threads end when the queue closes.
    for n in 0..cfg.workers.max(1) {
        let rx = rx.clone();
        let ctx = ctx.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name(format!("job-{n}"))
            .stack_size(8 * 1024 * 1024)
            .spawn(move || {
                crate::process::mark_job_thread();
                runtime.block_on(work(n, rx, ctx));
            })?;
    }
    let sweep_dir = cfg.data_dir.clone();
    let (rttl, fttl, every) = (cfg.result_ttl, cfg.file_ttl, cfg.sweep_every);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        let mut shard = 0u8;
        loop {
            tick.tick().await;
            let dir = sweep_dir.clone();
            let records = RecordShards::One(shard);
            shard = shard.wrapping_add(1);
            match tokio::task::spawn_blocking(move || sweep(&dir, rttl, fttl, records)).await {
                Ok(n) if n > 0 => info!(removed = n, "sweeper removed expired files"),
                _ => {}
            }
        }
    });
    Ok(Backends {
        queue: Arc::new(LocalQueue {
            tx,
            workers: cfg.workers.max(1),
        }),
        results,
        files,
        keys,
        rate: Arc::new(LocalRate::default()),
    })
}

/// One embedded worker: runs the queue's jobs one at a time until the queue closes.
async fn work(n: usize, rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>, ctx: ProcessContext) {
    loop {
        let job = { rx.lock().await.recv().await };
        let Some(job) = job else { break };
        let span = tracing::info_span!("job", uuid = %job.id, worker = n);
        async {
            metrics::JOBS_IN_FLIGHT.inc();
            let result = process_job(&ctx, &job).await;
            metrics::JOBS_IN_FLIGHT.dec();
            match &result {
                Ok(rec) if rec.status == Status::Completed => metrics::JOBS_DONE_COMPLETED.inc(),
                _ => metrics::JOBS_DONE_FAILED.inc(),
            }
            if let Err(t) = result {
                // Local stores failing is not going to heal by retrying in a loop: record
                // the failure so the client is not left waiting.
                let f = Failure::internal(format!("storage failure: {}", t.0));
                if let Err(e) = crate::process::fail_job(&ctx, &job, f).await {
                    warn!(error = %e, "could not record the job failure");
                }
            }
        }
        .instrument(span)
        .await;
    }
}

/// Marks records that a previous run left unfinished as failed: their jobs were in the
/// in-process queue and are gone.
async fn recover(results: &LocalResults, data_dir: &Path) {
    let dir = data_dir.join("results");
    let mut n = 0;
    for path in walk_files(&dir) {
        let Ok(body) = std::fs::read(&path) else {
            continue;
        };
        let Ok(mut rec) = serde_json::from_slice::<Record>(&body) else {
            continue;
        };
        if !rec.status.is_final() {
            rec.status = Status::Failed;
            rec.failure = Some(Failure::internal(
                "the service restarted before this job finished; please submit it again",
            ));
            rec.updated_at = crate::now_secs();
            if results.put(&rec).await.is_ok() {
                n += 1;
            }
            let _ = std::fs::remove_file(data_dir.join("staging").join(rec.id.to_string()));
        }
    }
    if n > 0 {
        warn!(
            jobs = n,
            "jobs interrupted by the last stop were marked failed"
        );
    }
}

/// The files in `dir` and in its subdirectories (one level, as `results/<xx>/` is), read
/// one directory at a time: a data directory can hold millions of records.
fn walk_files(dir: &Path) -> impl Iterator<Item = PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            let inner = e
                .file_type()
                .is_ok_and(|t| t.is_dir())
                .then(|| std::fs::read_dir(&p).ok())
                .flatten();
            match inner {
                Some(rd) => Box::new(rd.flatten().map(|e| e.path())) as Box<dyn Iterator<Item = _>>,
                None => Box::new(std::iter::once(p)),
            }
        })
}

/// Which record shards (`results/<xx>/`, 256 of them) a sweep pass looks at.
#[derive(Debug, Clone, Copy)]
pub enum RecordShards {
    All,
    /// The sweeper looks at one shard per pass, in turn. Records are kept a week past
    /// their expiry, so there is no hurry, and a pass over every record file (millions
    /// of `stat`s) every `SWEEP_INTERVAL_SECS` was a CPU burst that stalled requests: at
    /// 5 s in the load bench, with ~200 k records, the half-peak p99 was ~100 ms against
    /// a p90 of 7 ms. A full turn takes 256 passes (4.3 hours at the default 60 s).
    One(u8),
}

/// Deletes cleaned files past their expiry, records past their tombstone time (in the
/// shards asked for), and orphaned staging files. Returns how many files it removed.
pub fn sweep(data_dir: &Path, result_ttl: u64, file_ttl: u64, records: RecordShards) -> usize {
    let mut removed = 0;
    let keep_records = result_ttl.max(file_ttl) + TOMBSTONE_SECS;
    let age = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    // Records go by their file's age, not by reading them: a record's file is written
    // when its job ends, seconds at most after `created_at`, so it is kept at least
    // `keep_records` past its creation. (Files that do not parse, cut short by a crash,
    // and temporary files left by one, go the same way.)
    let results = data_dir.join("results");
    let record_files: Box<dyn Iterator<Item = PathBuf>> = match records {
        RecordShards::All => Box::new(walk_files(&results)),
        RecordShards::One(n) => Box::new(
            std::fs::read_dir(results.join(format!("{n:02x}")))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path()),
        ),
    };
    for path in record_files {
        if age(&path) >= keep_records && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    for path in walk_files(&data_dir.join("cleaned")) {
        if age(&path) >= file_ttl && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    for path in walk_files(&data_dir.join("staging")) {
        if age(&path) >= 3600 && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{JobInput, JobKind};

    fn job() -> Job {
        Job {
            id: Uuid::new_v4(),
            kind: JobKind::Extract,
            input: JobInput::Url {
                url: "http://x".into(),
            },
            file_name: None,
            owner: None,
            keep: String::new(),
            created_at: crate::now_secs(),
            attempt: 0,
        }
    }

    #[tokio::test]
    async fn wait_sees_results_before_and_after() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(LocalResults::new(dir.path()).unwrap());
        let j = job();
        let mut rec = Record::queued(&j);
        store.put(&rec).await.unwrap();
        let s2 = store.clone();
        let mut rec2 = rec.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            rec2.status = Status::Completed;
            s2.put(&rec2).await.unwrap();
        });
        let got = store
            .wait_final(j.id, Duration::from_secs(5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.status, Status::Completed);
        // Already final: returns at once.
        rec.status = Status::Failed;
        store.put(&rec).await.unwrap();
        let t = std::time::Instant::now();
        let got = store
            .wait_final(j.id, Duration::from_secs(5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.status, Status::Failed);
        assert!(t.elapsed() < Duration::from_secs(1));
    }

    /// Unfinished records stay in memory until a client is told their UUID (a 202): then
    /// they are on disk, so a restart finds them (and `recover` fails them).
    #[tokio::test]
    async fn unfinished_records_reach_the_disk_before_a_202() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalResults::new(dir.path()).unwrap();
        let j = job();
        let mut rec = Record::queued(&j);
        rec.status = Status::Processing;
        store.put(&rec).await.unwrap();
        assert!(
            !store.path(j.id).exists(),
            "in memory only while nobody knows the id"
        );
        assert_eq!(
            store.get(j.id).await.unwrap().unwrap().status,
            Status::Processing
        );
        let got = store
            .wait_final(j.id, Duration::from_millis(20))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.status, Status::Processing);
        // What a restarted process sees.
        let reopened = LocalResults::new(dir.path()).unwrap();
        let on_disk = reopened.get(j.id).await.unwrap().unwrap();
        assert_eq!(on_disk.status, Status::Processing);
        // The final record replaces it, and a later lookup reads it from disk.
        rec.status = Status::Completed;
        store.put(&rec).await.unwrap();
        let reopened = LocalResults::new(dir.path()).unwrap();
        assert_eq!(
            reopened.get(j.id).await.unwrap().unwrap().status,
            Status::Completed
        );
    }

    #[tokio::test]
    async fn rate_limits_per_key() {
        let r = LocalRate::default();
        let w = Duration::from_secs(60);
        assert_eq!(r.hit("a", 2, w).await.unwrap(), RateDecision::Allowed);
        assert_eq!(r.hit("a", 2, w).await.unwrap(), RateDecision::Allowed);
        assert!(matches!(
            r.hit("a", 2, w).await.unwrap(),
            RateDecision::Limited { .. }
        ));
        assert_eq!(r.hit("b", 2, w).await.unwrap(), RateDecision::Allowed);
    }

    /// New record files are written in place, existing ones replaced whole; the sweeper
    /// removes record files (torn ones too) by their age, without reading them.
    #[test]
    fn record_files_are_written_then_replaced_and_swept_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalResults::new(dir.path()).unwrap();
        let j = job();
        let path = store.path(j.id);
        write_record_file(&path, j.id, b"{\"first\":1}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"first\":1}");
        write_record_file(&path, j.id, b"{\"second\":2}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"second\":2}");
        let entries = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(entries, 1, "no temporary file is left behind");

        let torn = store.path(Uuid::new_v4());
        write_record_file(&torn, j.id, b"{\"id\": \"12").unwrap();
        let keep = 3600 + TOMBSTONE_SECS;
        assert_eq!(
            sweep(dir.path(), 3600, 3600, RecordShards::All),
            0,
            "nothing is old enough yet"
        );
        let old = std::time::SystemTime::now() - Duration::from_secs(keep + 60);
        std::fs::File::options()
            .write(true)
            .open(&torn)
            .unwrap()
            .set_modified(old)
            .unwrap();
        // A pass over another shard leaves it; a pass over its own shard removes it.
        let shard = u8::from_str_radix(
            &torn
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy(),
            16,
        )
        .unwrap();
        assert_eq!(
            sweep(
                dir.path(),
                3600,
                3600,
                RecordShards::One(shard.wrapping_add(1))
            ),
            0
        );
        assert!(torn.exists());
        assert_eq!(sweep(dir.path(), 3600, 3600, RecordShards::One(shard)), 1);
        assert!(!torn.exists());
        assert!(path.exists(), "the younger record stays");
    }

    /// On a job thread, blocking work runs in place, and a panic in it fails the job
    /// instead of taking the thread down.
    #[test]
    fn job_threads_run_blocking_work_in_place_and_survive_panics() {
        let out = std::thread::spawn(|| {
            crate::process::mark_job_thread();
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(async {
                let here = std::thread::current().id();
                let ran_on = crate::process::cpu_step(false, move || std::thread::current().id())
                    .await
                    .unwrap();
                assert_eq!(ran_on, here);
                let crashed =
                    crate::process::cpu_step(false, || -> u8 { panic!("parser bug") }).await;
                assert!(crashed.is_err());
                "survived"
            })
        })
        .join()
        .unwrap();
        assert_eq!(out, "survived");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn small_work_runs_in_place_off_job_threads_and_survives_panics() {
        let here = std::thread::current().id();
        let ran_on = crate::process::cpu_step(true, move || std::thread::current().id())
            .await
            .unwrap();
        assert_eq!(ran_on, here);
        let pooled = crate::process::cpu_step(false, move || std::thread::current().id())
            .await
            .unwrap();
        assert_ne!(pooled, here);
        let crashed = crate::process::cpu_step(true, || -> u8 { panic!("parser bug") }).await;
        assert!(crashed.is_err());
    }

    #[tokio::test]
    async fn file_keys_cannot_escape() {
        let dir = tempfile::tempdir().unwrap();
        let f = LocalFiles::new(dir.path()).unwrap();
        assert!(f.open_cleaned("../keys.json").await.is_err());
        assert!(f
            .open_cleaned(&Uuid::new_v4().to_string())
            .await
            .unwrap()
            .is_none());
    }
}
