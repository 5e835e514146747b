//! The interfaces every backend implements. The embedded backends live in [`crate::embedded`];
//! the distributed ones (RabbitMQ, Redis, S3) implement the same traits, so the gateway and
//! the job code do not change with the deployment.

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

use crate::record::{Job, JobInput, Record};

/// A backend failure. `Unavailable` means "try again later" (the gateway answers 503).
#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    #[error("backend error: {0}")]
    Other(String),
}

impl BackendError {
    pub fn other(e: impl std::fmt::Display) -> Self {
        BackendError::Other(e.to_string())
    }
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        BackendError::Unavailable(e.to_string())
    }
}

impl From<std::io::Error> for BackendError {
    fn from(e: std::io::Error) -> Self {
        BackendError::Other(e.to_string())
    }
}

pub type BResult<T> = Result<T, BackendError>;

/// Puts jobs where workers take them.
#[async_trait]
pub trait JobQueue: Send + Sync {
    async fn enqueue(&self, job: &Job) -> BResult<()>;
    /// Makes sure `job`, enqueued and not finished, survives a restart of the queue: called
    /// before a client is told the UUID of a job that is still running. The default does
    /// nothing: a queue that keeps every job durably has nothing to add.
    async fn make_durable(&self, _job: &Job) -> BResult<()> {
        Ok(())
    }
    /// Ok when the queue accepts jobs.
    async fn ready(&self) -> BResult<()>;
    /// Brings the queue metrics read on demand up to date (called before `/metrics` is
    /// rendered). The default does nothing: RabbitMQ's counts are polled in the background.
    fn refresh_metrics(&self) {}
}

/// Result records, by job id, with their time to live.
#[async_trait]
pub trait ResultStore: Send + Sync {
    async fn put(&self, rec: &Record) -> BResult<()>;
    async fn get(&self, id: Uuid) -> BResult<Option<Record>>;
    /// Waits until the record of `id` is final or `timeout` has passed, and returns the
    /// record as it then is. Never misses a result that completed before the call.
    async fn wait_final(&self, id: Uuid, timeout: Duration) -> BResult<Option<Record>>;
    /// Writes `queued` (the record of a job about to be queued), runs `start` (which
    /// queues it), then waits as [`ResultStore::wait_final`] does. An error of `start` is
    /// returned as it is, without waiting.
    ///
    /// A store may defer writing `queued` until the wait times out (the client is then
    /// told the UUID): a job answered within the wait never needs it. The Redis store does
    /// so, and also starts listening before `start` runs, so it need not read the record
    /// before it waits.
    async fn start_and_wait(
        &self,
        queued: &Record,
        start: futures::future::BoxFuture<'_, BResult<()>>,
        timeout: Duration,
    ) -> BResult<Option<Record>> {
        self.put(queued).await?;
        start.await?;
        self.wait_final(queued.id, timeout).await
    }
    async fn ready(&self) -> BResult<()>;
    /// Waits until every record put so far is stored durably (the embedded store writes
    /// final records behind the answer); called on shutdown.
    async fn close(&self) -> BResult<()> {
        Ok(())
    }
}

/// A byte stream for downloads.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Staged uploads and cleaned files.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Takes over the upload at `path` (a temporary file of the gateway) and returns its key.
    async fn stage(&self, id: Uuid, path: &Path) -> BResult<String>;
    /// Turns the upload at `path` into a job's input: staged in the store by default; a
    /// store may carry small uploads inside the job message instead.
    async fn stage_input(&self, id: Uuid, path: &Path, size: u64) -> BResult<JobInput> {
        let key = self.stage(id, path).await?;
        Ok(JobInput::Staged { key, size })
    }
    /// Uploads up to this size may travel inside the job ([`JobInput::Inline`]) rather
    /// than be staged: the gateway then keeps them in memory and never writes them to disk.
    fn inline_limit(&self) -> u64 {
        0
    }
    /// A local path holding the staged input `key`; `scratch` is a directory the caller owns
    /// and cleans, where a remote store may download it.
    async fn staged_path(&self, key: &str, scratch: &Path) -> BResult<PathBuf>;
    async fn delete_staged(&self, key: &str) -> BResult<()>;
    /// Stores the cleaned file at `path` for `id`; returns its key.
    async fn put_cleaned(&self, id: Uuid, path: &Path, mime: &str) -> BResult<String>;
    /// The cleaned file `key` as (length, stream), or `None` when it is gone.
    async fn open_cleaned(&self, key: &str) -> BResult<Option<(u64, ByteStream)>>;
    /// A URL from which a client may download the cleaned file `key` itself for `valid_for`,
    /// answered with `mime` and the `Content-Disposition` `disposition`; `None` (the default)
    /// when the store serves downloads only through [`FileStore::open_cleaned`].
    async fn presigned_cleaned(
        &self,
        _key: &str,
        _mime: &str,
        _disposition: &str,
        _valid_for: Duration,
    ) -> BResult<Option<String>> {
        Ok(None)
    }
    async fn ready(&self) -> BResult<()>;
}

/// A stored API key: never the key itself, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub hash: String,
    pub created_at: u64,
    #[serde(default)]
    pub revoked: bool,
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn insert(&self, key: &ApiKey) -> BResult<()>;
    async fn list(&self) -> BResult<Vec<ApiKey>>;
    /// Marks the key `id` revoked; false when there is no such key.
    async fn revoke(&self, id: &str) -> BResult<bool>;
    async fn by_hash(&self, hash: &str) -> BResult<Option<ApiKey>>;
}

/// The outcome of a rate-limit check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed,
    Limited { retry_after_secs: u64 },
}

/// Per-key request counting over fixed windows.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    async fn hit(&self, key_id: &str, limit: u32, window: Duration) -> BResult<RateDecision>;
}

/// Everything a gateway needs, whichever deployment it runs in.
#[derive(Clone)]
pub struct Backends {
    pub queue: Arc<dyn JobQueue>,
    pub results: Arc<dyn ResultStore>,
    pub files: Arc<dyn FileStore>,
    pub keys: Arc<dyn KeyStore>,
    pub rate: Arc<dyn RateLimiter>,
}
