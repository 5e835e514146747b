//! The job protocol: what one extract or remove job is, what it produces, the interfaces
//! of the queue, result store, file store and key store, and the embedded (single-process)
//! backends. The gateway's embedded mode and the `worker` binary both run jobs through
//! [`process::process_job`]; neither knows which backend is behind the interfaces.

pub mod backend;
pub mod distributed;
pub mod embedded;
pub mod fetch;
pub mod keys;
pub mod metrics;
pub mod process;
pub mod record;
pub mod settings;
pub mod verify;

pub use backend::{Backends, FileStore, JobQueue, KeyStore, RateLimiter, ResultStore};
pub use record::{Failure, FailureCode, Job, JobInput, JobKind, Record, Status};

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
