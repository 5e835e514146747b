//! The distributed backends: RabbitMQ for the queue ([`amqp`]), Redis for results, keys,
//! rate limits and completion notices ([`redis_store`]), S3-compatible storage for staged
//! uploads and cleaned files ([`s3`]); and the worker's job loop ([`worker`]).
//!
//! [`connect`] builds the gateway's [`Backends`]; [`worker::run`] is the `worker` binary.
//! Neither needs its backends to be up at start: connections are made lazily and remade
//! with backoff, and requests meanwhile get `Unavailable` (503).

pub mod amqp;
pub mod redis_store;
pub mod s3;
pub mod worker;

use std::sync::Arc;

use crate::backend::{Backends, KeyStore};
use crate::record::{Job, JobInput, JobKind};
use crate::settings::Settings;

/// Whether a job is light: an extract of an upload that travels in its message and is
/// small enough to be parsed in place (the hot path). A light job's message is transient
/// (the broker keeps it in memory: no disk write, no fsync) and its first delivery starts
/// without a Redis round trip. A client waiting for it holds its request open, so a broker
/// restart that loses the message costs the client nothing more than its wait: when the
/// wait ends without a result, the gateway publishes a persistent copy
/// ([`crate::backend::JobQueue::make_durable`]) before it answers with the UUID.
pub fn is_light(job: &Job) -> bool {
    job.kind == JobKind::Extract
        && matches!(&job.input, JobInput::Inline { data } if data.len() <= crate::process::IN_PLACE_MAX)
}

/// How long a record is kept after its last write: past both TTLs, plus the tombstone
/// time during which an expired download still answers 410.
pub fn record_ttl(s: &Settings) -> u64 {
    s.result_ttl.max(s.file_ttl) + crate::embedded::TOMBSTONE_SECS
}

/// How often gateways and workers read the queue depths from RabbitMQ.
pub const DEPTH_POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The queue names of these settings.
pub fn topology(s: &Settings) -> amqp::Topology {
    amqp::Topology {
        url: s.amqp_url.clone(),
        queue: s.queue_name.clone(),
        expires: s.queue_expires,
    }
}

/// The gateway's backends.
pub async fn connect(s: &Settings) -> anyhow::Result<Backends> {
    let (client, conn) = redis_store::connect(&s.redis_url)?;
    let results = Arc::new(redis_store::RedisResults::new(
        conn.clone(),
        &s.redis_prefix,
        record_ttl(s),
    ));
    results.start_subscriber(client);
    let files = Arc::new(s3::S3Files::new(s.s3.clone(), s.inline_max_bytes)?);
    {
        let files = files.clone();
        tokio::spawn(async move { s3::ensure_lifecycle_logged(&files).await });
    }
    let queue = Arc::new(amqp::AmqpQueue::new(topology(s)));
    queue.start_keepalive();
    // Detached: the gateway polls for as long as the process lives.
    drop(amqp::start_depth_poller(topology(s), DEPTH_POLL_EVERY));
    Ok(Backends {
        queue,
        results,
        files,
        keys: Arc::new(redis_store::RedisKeys::new(conn.clone(), &s.redis_prefix)),
        rate: Arc::new(redis_store::RedisRate::new(conn, &s.redis_prefix)),
    })
}

/// The key store alone (for `gateway keys ...`).
pub fn key_store(s: &Settings) -> anyhow::Result<Arc<dyn KeyStore>> {
    let (_, conn) = redis_store::connect(&s.redis_url)?;
    Ok(Arc::new(redis_store::RedisKeys::new(conn, &s.redis_prefix)))
}
