//! The embedded backends: one process, a local data directory, an in-process queue.
//!
//! Layout of `DATA_DIR`:
//! - `records/<seq>.log`: result records, appended to segment files ([`log`]; earlier
//!   versions kept a file per record in `results/`, moved into the log on start);
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

pub mod log;

/// How long records are kept after they stop being served, so that a download of an
/// expired file can answer 410 (gone) rather than 404 (never existed).
pub const TOMBSTONE_SECS: u64 = 7 * 24 * 3600;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Result records: final ones in the record log ([`log::RecordLog`]); unfinished ones in
/// memory.
///
/// A job's `queued` and `processing` states live only in memory (the common job finishes
/// in a millisecond, before anyone could look), and reach the disk only when a client is
/// told the job's UUID before it finished (a 202 answer, see [`ResultStore::wait_final`]).
/// So every UUID a client has seen is on disk, finished or not, and [`recover`] can mark
/// the unfinished ones failed after a restart.
///
/// Records are appended by one writer thread ([`RecordWriter`]), in the order they were
/// made, several per write when they come fast; until a record is written, lookups find
/// it in memory (`unflushed`). The job that made it does not wait for the disk: a write
/// can stall for tens of milliseconds while the kernel writes back earlier data, and a job
/// thread waiting on it held up every request behind it. The waiter gets the record in
/// hand: the answer to a submission never reads the disk. [`ResultStore::close`] waits for
/// the writer to catch up (the gateway calls it on shutdown); a crash of the process loses
/// the records still in the writer's queue (a few milliseconds' worth: their clients got
/// their answers, and a later lookup of those UUIDs answers 404).
pub struct LocalResults {
    log: Arc<log::RecordLog>,
    inner: Arc<Mutex<ResultsState>>,
    /// Orders the writes of one job's records (striped by id): a 202's write of the
    /// unfinished record and the worker's write of the final one never interleave.
    disk: Vec<tokio::sync::Mutex<()>>,
    writer: tokio::sync::mpsc::Sender<WriteRequest>,
    /// Jobs the last run left unfinished (taken by [`recover`]).
    interrupted: Mutex<Vec<Uuid>>,
}

#[derive(Default)]
struct ResultsState {
    /// Unfinished records by job.
    pending: HashMap<Uuid, Record>,
    /// Final records on their way to the disk (in the writer's queue).
    unflushed: HashMap<Uuid, Arc<Record>>,
    /// Who waits for each job to finish.
    waiters: HashMap<Uuid, Vec<oneshot::Sender<Record>>>,
    /// The last write failed (disk full, permissions): the store reports itself unready.
    write_failed: bool,
}

/// What the writer thread is asked to do: write one record (and say when it is written),
/// or only say when everything asked before is written.
struct WriteRequest {
    record: Option<Arc<Record>>,
    done: Option<oneshot::Sender<std::io::Result<()>>>,
}

/// How many records may wait for the writer thread. A job whose record finds the queue
/// full waits for room: the disk sets the pace, and memory stays bounded (records of
/// ~15 KB: ~15 MB).
const WRITE_QUEUE: usize = 1024;

impl LocalResults {
    /// Opens the record log in `data_dir/records` (moving records of the earlier
    /// one-file-per-record layout, `data_dir/results`, into it) and starts its writer.
    pub fn new(data_dir: &Path) -> std::io::Result<Self> {
        let (log, mut interrupted) = log::RecordLog::open(&data_dir.join("records"))?;
        let log = Arc::new(log);
        let mut appender = None;
        interrupted.extend(migrate_record_files(
            &data_dir.join("results"),
            &log,
            &mut appender,
        )?);
        let inner = Arc::new(Mutex::new(ResultsState::default()));
        let (tx, rx) = tokio::sync::mpsc::channel(WRITE_QUEUE);
        let writer = RecordWriter {
            log: log.clone(),
            appender,
            inner: inner.clone(),
        };
        std::thread::Builder::new()
            .name("record-writer".into())
            .spawn(move || writer.run(rx))?;
        Ok(LocalResults {
            log,
            inner,
            disk: (0..64).map(|_| tokio::sync::Mutex::new(())).collect(),
            writer: tx,
            interrupted: Mutex::new(interrupted),
        })
    }

    fn disk_lock(&self, id: Uuid) -> &tokio::sync::Mutex<()> {
        &self.disk[id.as_u128() as usize % self.disk.len()]
    }

    /// Queues `rec` for the writer thread; with `wait`, returns once it is written.
    async fn write(&self, rec: Option<Arc<Record>>, wait: bool) -> BResult<()> {
        let (done, written) = match wait {
            true => {
                let (tx, rx) = oneshot::channel();
                (Some(tx), Some(rx))
            }
            false => (None, None),
        };
        let gone = || BackendError::other("the record writer has stopped");
        self.writer
            .send(WriteRequest { record: rec, done })
            .await
            .map_err(|_| gone())?;
        if let Some(rx) = written {
            rx.await.map_err(|_| gone())??;
        }
        Ok(())
    }

    async fn read(&self, id: Uuid) -> BResult<Option<Record>> {
        if let Some(rec) = lock(&self.inner).unflushed.get(&id) {
            return Ok(Some(Record::clone(rec)));
        }
        let log = self.log.clone();
        let body = tokio::task::spawn_blocking(move || log.read(id))
            .await
            .map_err(BackendError::other)??;
        Ok(body.and_then(|b| serde_json::from_slice(&b).ok()))
    }

    /// Deletes the record log's segments whose records are all past `keep` seconds.
    pub fn sweep(&self, keep: u64) -> std::io::Result<usize> {
        self.log.sweep(keep, crate::now_secs())
    }
}

/// Moves the record files of the earlier layout (`results/<xx>/<uuid>.json`) into the log,
/// then deletes them. Returns the unfinished ones (for [`recover`]). Files that do not
/// parse (cut short by a crash) are deleted.
fn migrate_record_files(
    dir: &Path,
    log: &log::RecordLog,
    appender: &mut Option<log::Appender>,
) -> std::io::Result<Vec<Uuid>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let (mut moved, mut unfinished) = (0usize, Vec::new());
    let mut batch = Vec::new();
    let mut files = Vec::new();
    let flush = |batch: &mut Vec<log::Entry>,
                 files: &mut Vec<PathBuf>,
                 appender: &mut Option<log::Appender>| {
        log.append(appender, batch, crate::now_secs())?;
        batch.clear();
        for f in files.drain(..) {
            let _ = std::fs::remove_file(f);
        }
        std::io::Result::Ok(())
    };
    for path in walk_files(dir) {
        let rec = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Record>(&b).ok());
        let Some(rec) = rec else {
            let _ = std::fs::remove_file(&path);
            continue;
        };
        if !rec.status.is_final() {
            unfinished.push(rec.id);
        }
        batch.push(log::Entry {
            id: rec.id,
            is_final: rec.status.is_final(),
            body: serde_json::to_vec(&rec).map_err(std::io::Error::other)?,
        });
        files.push(path);
        moved += 1;
        if batch.len() >= 1024 {
            flush(&mut batch, &mut files, appender)?;
        }
    }
    flush(&mut batch, &mut files, appender)?;
    for shard in std::fs::read_dir(dir)?.flatten() {
        let _ = std::fs::remove_dir(shard.path());
    }
    let _ = std::fs::remove_dir(dir);
    if moved > 0 {
        info!(
            records = moved,
            "moved result record files into the record log"
        );
    }
    Ok(unfinished)
}

/// The thread that appends records to the log, in the order they were queued.
struct RecordWriter {
    log: Arc<log::RecordLog>,
    appender: Option<log::Appender>,
    inner: Arc<Mutex<ResultsState>>,
}

impl RecordWriter {
    /// Records that arrive while a write is under way go out together in the next one.
    const BATCH: usize = 256;

    fn run(mut self, mut rx: tokio::sync::mpsc::Receiver<WriteRequest>) {
        let mut batch = Vec::with_capacity(Self::BATCH);
        while let Some(first) = rx.blocking_recv() {
            batch.push(first);
            while batch.len() < Self::BATCH {
                match rx.try_recv() {
                    Ok(r) => batch.push(r),
                    Err(_) => break,
                }
            }
            let written = self.write(&batch);
            for req in batch.drain(..) {
                if let Some(done) = req.done {
                    let _ = done.send(match &written {
                        Ok(()) => Ok(()),
                        Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                    });
                }
            }
        }
    }

    fn write(&mut self, batch: &[WriteRequest]) -> std::io::Result<()> {
        let records: Vec<&Arc<Record>> = batch.iter().filter_map(|r| r.record.as_ref()).collect();
        if records.is_empty() {
            return Ok(());
        }
        let entries = records
            .iter()
            .map(|rec| {
                Ok(log::Entry {
                    id: rec.id,
                    is_final: rec.status.is_final(),
                    body: serde_json::to_vec(&***rec).map_err(std::io::Error::other)?,
                })
            })
            .collect::<std::io::Result<Vec<_>>>();
        let written =
            entries.and_then(|e| self.log.append(&mut self.appender, &e, crate::now_secs()));
        let mut st = lock(&self.inner);
        match &written {
            Ok(()) => {
                st.write_failed = false;
                for rec in records {
                    // Only this version: a newer one may be queued behind it.
                    if st
                        .unflushed
                        .get(&rec.id)
                        .is_some_and(|r| Arc::ptr_eq(r, rec))
                    {
                        st.unflushed.remove(&rec.id);
                    }
                }
            }
            Err(e) => {
                // The records stay in memory (lookups still find them until a restart),
                // and `ready` fails until a write succeeds again.
                st.write_failed = true;
                tracing::error!(records = records.len(), error = %e, "could not write result records");
            }
        }
        written
    }
}

#[async_trait]
impl ResultStore for LocalResults {
    async fn put(&self, rec: &Record) -> BResult<()> {
        if !rec.status.is_final() {
            lock(&self.inner).pending.insert(rec.id, rec.clone());
            return Ok(());
        }
        let shared = Arc::new(rec.clone());
        let waiters = {
            let _order = self.disk_lock(rec.id).lock().await;
            let waiters = {
                let mut st = lock(&self.inner);
                st.unflushed.insert(rec.id, shared.clone());
                st.pending.remove(&rec.id);
                st.waiters.remove(&rec.id)
            };
            self.write(Some(shared), false).await?;
            waiters
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
        // Not pending: finished already (or unknown), and on disk or on its way there.
        let Some(rx) = rx else {
            return self.read(id).await;
        };
        if let Ok(Ok(rec)) = tokio::time::timeout(timeout, rx).await {
            return Ok(Some(rec));
        }
        // Still running: the client is about to learn this UUID, so the record goes to
        // disk now, and the answer waits for it (unless the job finished meanwhile, in
        // which case its final record is ahead in the writer's queue).
        let _order = self.disk_lock(id).lock().await;
        let pending = {
            let mut st = lock(&self.inner);
            st.waiters.remove(&id);
            st.pending.get(&id).cloned()
        };
        match pending {
            Some(rec) => {
                self.write(Some(Arc::new(rec.clone())), true).await?;
                Ok(Some(rec))
            }
            None => self.read(id).await,
        }
    }

    async fn ready(&self) -> BResult<()> {
        if lock(&self.inner).write_failed {
            return Err(BackendError::unavailable(
                "the last result record could not be written",
            ));
        }
        Ok(())
    }

    async fn close(&self) -> BResult<()> {
        self.write(None, true).await
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
    let keep = keep_records(cfg.result_ttl, cfg.file_ttl);
    let (fttl, every) = (cfg.file_ttl, cfg.sweep_every);
    let swept = results.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let dir = sweep_dir.clone();
            let records = swept.clone();
            let pass =
                tokio::task::spawn_blocking(move || (sweep(&dir, fttl), records.sweep(keep)));
            match pass.await {
                Ok((files, segments)) => {
                    if files > 0 {
                        info!(removed = files, "sweeper removed expired files");
                    }
                    match segments {
                        Ok(0) => {}
                        Ok(n) => info!(segments = n, "sweeper removed expired record log segments"),
                        Err(e) => warn!(error = %e, "sweeping the record log failed"),
                    }
                }
                Err(e) => warn!(error = %e, "the sweeper crashed"),
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
    let ids = std::mem::take(&mut *lock(&results.interrupted));
    let mut n = 0;
    for id in ids {
        let Ok(Some(mut rec)) = results.get(id).await else {
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

/// Deletes cleaned files past their expiry and orphaned staging files. Returns how many
/// files it removed. (Records go with their log segments: [`LocalResults::sweep`].)
pub fn sweep(data_dir: &Path, file_ttl: u64) -> usize {
    let mut removed = 0;
    let age = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
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

/// How long records are kept: past the later of the two expiries, as tombstones.
pub fn keep_records(result_ttl: u64, file_ttl: u64) -> u64 {
    result_ttl.max(file_ttl) + TOMBSTONE_SECS
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
        store.close().await.unwrap();
        let reopened = LocalResults::new(dir.path()).unwrap();
        assert!(
            reopened.get(j.id).await.unwrap().is_none(),
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
        // What a restarted process sees, without waiting for the writer: the 202's write
        // is done when `wait_final` returns.
        let reopened = LocalResults::new(dir.path()).unwrap();
        let on_disk = reopened.get(j.id).await.unwrap().unwrap();
        assert_eq!(on_disk.status, Status::Processing);
        assert_eq!(*lock(&reopened.interrupted), vec![j.id]);
        drop(reopened);
        // The final record replaces it; it is served at once (from memory until written),
        // and after `close` a restarted process reads it from disk.
        rec.status = Status::Completed;
        store.put(&rec).await.unwrap();
        assert_eq!(
            store.get(j.id).await.unwrap().unwrap().status,
            Status::Completed
        );
        store.close().await.unwrap();
        assert!(lock(&store.inner).unflushed.is_empty());
        let reopened = LocalResults::new(dir.path()).unwrap();
        assert_eq!(
            reopened.get(j.id).await.unwrap().unwrap().status,
            Status::Completed
        );
        assert!(lock(&reopened.interrupted).is_empty());
    }

    /// A restart fails the jobs the last run left unfinished; records of the earlier
    /// one-file-per-record layout are moved into the log.
    #[tokio::test]
    async fn restarts_fail_interrupted_jobs_and_move_old_record_files_in() {
        let dir = tempfile::tempdir().unwrap();
        let (done, running) = (job(), job());
        let mut finished = Record::queued(&done);
        finished.status = Status::Completed;
        for rec in [&finished, &Record::queued(&running)] {
            let s = rec.id.to_string();
            let shard = dir.path().join("results").join(&s[..2]);
            std::fs::create_dir_all(&shard).unwrap();
            std::fs::write(
                shard.join(format!("{s}.json")),
                serde_json::to_vec(rec).unwrap(),
            )
            .unwrap();
        }
        let torn = dir.path().join("results").join("ab");
        std::fs::create_dir_all(&torn).unwrap();
        std::fs::write(
            torn.join(format!("{}.json", Uuid::new_v4())),
            b"{\"id\": \"12",
        )
        .unwrap();

        let results = LocalResults::new(dir.path()).unwrap();
        assert!(
            !dir.path().join("results").exists(),
            "the old files are gone"
        );
        recover(&results, dir.path()).await;
        assert_eq!(
            results.get(done.id).await.unwrap().unwrap().status,
            Status::Completed
        );
        let failed = results.get(running.id).await.unwrap().unwrap();
        assert_eq!(failed.status, Status::Failed);
        assert!(failed.failure.unwrap().message.contains("restarted"));
        results.close().await.unwrap();
        drop(results);
        let again = LocalResults::new(dir.path()).unwrap();
        assert!(lock(&again.interrupted).is_empty());
        assert_eq!(again.log.len(), 2);
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

    /// The sweeper removes cleaned files by age and orphaned staging files after an hour.
    #[test]
    fn cleaned_and_staged_files_are_swept_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let (cleaned, staged) = (dir.path().join("cleaned"), dir.path().join("staging"));
        std::fs::create_dir_all(&cleaned).unwrap();
        std::fs::create_dir_all(&staged).unwrap();
        let old = std::time::SystemTime::now() - Duration::from_secs(7200);
        let mut files = Vec::new();
        for d in [&cleaned, &staged] {
            for age in ["old", "new"] {
                let p = d.join(format!("{}-{age}", Uuid::new_v4()));
                let f = std::fs::File::create(&p).unwrap();
                if age == "old" {
                    f.set_modified(old).unwrap();
                }
                files.push(p);
            }
        }
        assert_eq!(sweep(dir.path(), 3600), 2);
        let left: Vec<bool> = files.iter().map(|p| p.exists()).collect();
        assert_eq!(left, [false, true, false, true]);
        assert_eq!(keep_records(10, 20), 20 + TOMBSTONE_SECS);
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
                let ran_on =
                    crate::process::cpu_step(None, false, move || std::thread::current().id())
                        .await
                        .unwrap();
                assert_eq!(ran_on, here);
                let crashed =
                    crate::process::cpu_step(None, false, || -> u8 { panic!("parser bug") }).await;
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
        let ran_on = crate::process::cpu_step(None, true, move || std::thread::current().id())
            .await
            .unwrap();
        assert_eq!(ran_on, here);
        let pooled = crate::process::cpu_step(None, false, move || std::thread::current().id())
            .await
            .unwrap();
        assert_ne!(pooled, here);
        // A step on the pool holds one CPU slot while it runs, and only then; work done
        // in place takes none.
        let slots = tokio::sync::Semaphore::new(1);
        let inside = crate::process::cpu_step(Some(&slots), false, || ())
            .await
            .map(|_| slots.available_permits());
        assert_eq!(inside.unwrap(), 1, "the slot is given back after the step");
        let seen = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
        let probe = seen.clone();
        let during =
            crate::process::cpu_step(Some(&seen), false, move || probe.available_permits())
                .await
                .unwrap();
        assert_eq!(during, 0, "a pooled step holds the slot while it runs");
        let held = seen.try_acquire().unwrap();
        let in_place = crate::process::cpu_step(Some(&seen), true, || 7)
            .await
            .unwrap();
        assert_eq!(in_place, 7, "in-place work does not wait for a slot");
        drop(held);
        let crashed = crate::process::cpu_step(None, true, || -> u8 { panic!("parser bug") }).await;
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
