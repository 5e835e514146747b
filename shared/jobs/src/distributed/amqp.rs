//! RabbitMQ: the job queue (publisher side, used by gateways) and the consumer loop (used by
//! workers).
//!
//! Topology, all durable, on the default exchange (`Q` = `QUEUE_NAME`):
//! - `Q`: the jobs; messages persistent, except those that carry only light jobs
//!   ([`super::is_light`]); rejected messages dead-letter to `Q.dead`;
//! - `Q.retry`: jobs waiting to be tried again: each message carries an expiration (the
//!   retry delay) and dead-letters back into `Q` when it expires;
//! - `Q.dead`: jobs given up on, with the reason in their headers, for an operator to look at.
//!
//! Every publish waits for the broker's confirm. A worker acks a delivery only after the
//! job's final record (and cleaned file) are written, so a worker killed mid-job loses
//! nothing: the broker redelivers. Attempts are counted in Redis before a job runs (a
//! count in the message would die with a crashing worker); past `MAX_ATTEMPTS` the job is
//! recorded as failed and dead-lettered without running, so a file that crashes workers
//! cannot take them down in a loop.
//!
//! lapin's own recovery is not used: both sides own a reconnect loop with backoff.

use async_trait::async_trait;
use futures::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use tracing::{error, info, warn, Instrument};

use crate::backend::*;
use crate::metrics;
use crate::record::{Failure, Job, JobInput};

fn unavailable(e: impl std::fmt::Display) -> BackendError {
    BackendError::Unavailable(format!("rabbitmq: {e}"))
}

fn table(pairs: &[(&str, AMQPValue)]) -> FieldTable {
    let mut t = FieldTable::default();
    for (k, v) in pairs {
        t.insert(ShortString::from(*k), v.clone());
    }
    t
}

fn text(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s.as_bytes().to_vec()))
}

/// Where jobs go: the queue's name, and how long an unused queue lives (tests).
#[derive(Debug, Clone)]
pub struct Topology {
    pub url: String,
    pub queue: String,
    pub expires: Option<Duration>,
}

/// Opens a connection and a confirm-mode channel, and declares the queues.
pub async fn open(t: &Topology) -> Result<(Connection, Channel), BackendError> {
    let conn = connect(&t.url).await?;
    let ch = conn.create_channel().await.map_err(unavailable)?;
    ch.confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(unavailable)?;
    declare_queues(&ch, t).await?;
    metrics::AMQP_RECONNECTS.inc();
    Ok((conn, ch))
}

async fn connect(url: &str) -> BResult<Connection> {
    tokio::time::timeout(
        Duration::from_secs(5),
        Connection::connect(url, ConnectionProperties::default()),
    )
    .await
    .map_err(|_| unavailable("connecting timed out"))?
    .map_err(unavailable)
}

/// Declares the job, retry and dead queues (idempotent: same arguments every time) and
/// returns their (messages, consumers) counts, in that order.
async fn declare_queues(ch: &Channel, t: &Topology) -> BResult<[(u64, u64); 3]> {
    let queue = t.queue.as_str();
    let expires: Vec<(&str, AMQPValue)> = t
        .expires
        .map(|d| {
            vec![(
                "x-expires",
                AMQPValue::LongLongInt(d.as_millis().min(i64::MAX as u128) as i64),
            )]
        })
        .unwrap_or_default();
    let with = |mut pairs: Vec<(&'static str, AMQPValue)>| {
        pairs.extend(expires.iter().cloned());
        pairs
    };
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    let dead = format!("{queue}.dead");
    let retry = format!("{queue}.retry");
    let declared = [
        (
            queue,
            with(vec![
                ("x-dead-letter-exchange", text("")),
                ("x-dead-letter-routing-key", text(&dead)),
            ]),
        ),
        (
            retry.as_str(),
            with(vec![
                ("x-dead-letter-exchange", text("")),
                ("x-dead-letter-routing-key", text(queue)),
            ]),
        ),
        (dead.as_str(), with(Vec::new())),
    ];
    let mut counts = [(0, 0); 3];
    for (i, (name, args)) in declared.iter().enumerate() {
        let q = ch
            .queue_declare((*name).into(), durable, table(args))
            .await
            .map_err(unavailable)?;
        counts[i] = (q.message_count().into(), q.consumer_count().into());
    }
    Ok(counts)
}

/// Reads the message and consumer counts of the three queues into the metrics
/// (`metadata_queue_depth`, `metadata_queue_consumers`) every `every`, until the returned
/// task is aborted.
///
/// The counts come from declaring the queues again, with the arguments every gateway and
/// worker declares them with, rather than from passive declares: a passive declare of a
/// queue not declared yet (at start) fails and closes its channel, with an error in the
/// log each time. The poller has a connection of its own, so it never disturbs the
/// publisher's or the consumer's channel. While RabbitMQ cannot be reached the counts are
/// unknown and left out of `/metrics` (rather than frozen at their last value); the poller
/// keeps trying.
pub fn start_depth_poller(topology: Topology, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut link: Option<(Connection, Channel)> = None;
        let mut warned = false;
        loop {
            match poll_depths(&topology, &mut link).await {
                Ok(counts) => {
                    warned = false;
                    for (i, c) in counts.into_iter().enumerate() {
                        metrics::set_queue(i, Some(c));
                    }
                }
                Err(e) => {
                    for i in 0..metrics::QUEUES.len() {
                        metrics::set_queue(i, None);
                    }
                    link = None;
                    if !warned {
                        warn!(error = %e, "cannot read the queue depths; retrying");
                        warned = true;
                    }
                }
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// One poll, (re)connecting when needed.
async fn poll_depths(
    t: &Topology,
    link: &mut Option<(Connection, Channel)>,
) -> BResult<[(u64, u64); 3]> {
    let up = |l: &(Connection, Channel)| l.0.status().connected() && l.1.status().connected();
    let ch = match link.as_ref() {
        Some(l) if up(l) => l.1.clone(),
        _ => {
            let conn = connect(&t.url).await?;
            let ch = tokio::time::timeout(Duration::from_secs(5), conn.create_channel())
                .await
                .map_err(|_| unavailable("opening a channel timed out"))?
                .map_err(unavailable)?;
            *link = Some((conn, ch.clone()));
            ch
        }
    };
    tokio::time::timeout(Duration::from_secs(5), declare_queues(&ch, t))
        .await
        .map_err(|_| unavailable("declaring the queues timed out"))?
}

/// The job message format: `MAGIC`, the length of the JSON header (u32, big-endian), the
/// job as JSON, then the inline upload's bytes as they are (nothing for other inputs).
///
/// The header holds the job with an empty inline `data`: the bytes travel once, raw,
/// instead of base64 inside the JSON (which cost the gateway an encode, the worker a
/// decode plus a buffered copy of the whole string, and the broker a third more bytes).
/// Plain JSON jobs (the earlier format) are still read.
pub mod message {
    use super::*;

    pub const MAGIC: &[u8; 4] = b"MDJ1";
    pub const CONTENT_TYPE: &str = "application/vnd.metadata-job";

    pub fn encode(job: &Job) -> serde_json::Result<Vec<u8>> {
        let data: &[u8] = match &job.input {
            JobInput::Inline { data } => data,
            _ => &[],
        };
        let header = if data.is_empty() {
            serde_json::to_vec(job)?
        } else {
            let mut light = job.clone();
            light.input = JobInput::Inline {
                data: bytes::Bytes::new(),
            };
            serde_json::to_vec(&light)?
        };
        let len = u32::try_from(header.len())
            .map_err(|_| serde::ser::Error::custom("job header too large"))?;
        let mut out = Vec::with_capacity(8 + header.len() + data.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(data);
        Ok(out)
    }

    /// Reads a job in either format; the inline bytes are a slice of `body` (no copy).
    pub fn decode(body: &bytes::Bytes) -> Result<Job, String> {
        let Some(rest) = body.strip_prefix(MAGIC.as_slice()) else {
            return serde_json::from_slice(body).map_err(|e| e.to_string());
        };
        let len = be_u32(rest, 0).ok_or("truncated job message")?;
        let start = 8usize;
        let end = start.checked_add(len).filter(|&e| e <= body.len());
        let end = end.ok_or("truncated job header")?;
        let mut job: Job = serde_json::from_slice(&body[start..end]).map_err(|e| e.to_string())?;
        match &mut job.input {
            JobInput::Inline { data } => *data = body.slice(end..),
            _ if end != body.len() => {
                return Err("bytes after a job that has no inline data".into())
            }
            _ => {}
        }
        Ok(job)
    }

    /// The big-endian u32 at `at`, if `b` holds one there.
    fn be_u32(b: &[u8], at: usize) -> Option<usize> {
        let w = b.get(at..at.checked_add(4)?)?;
        Some(u32::from_be_bytes([w[0], w[1], w[2], w[3]]) as usize)
    }

    /// A batch: `BATCH_MAGIC`, the number of jobs (u32, big-endian), then each job as its
    /// own job message, preceded by that message's length (u32, big-endian).
    pub const BATCH_MAGIC: &[u8; 4] = b"MDB1";

    /// Wraps job messages (from [`encode`]) into one batch message.
    pub fn encode_batch<'a>(jobs: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
        let n = jobs.len();
        let mut out = Vec::with_capacity(8 + n * 4 + n * 512);
        out.extend_from_slice(BATCH_MAGIC);
        out.extend_from_slice(&(n as u32).to_be_bytes());
        for j in jobs {
            out.extend_from_slice(&(j.len() as u32).to_be_bytes());
            out.extend_from_slice(j);
        }
        out
    }

    /// Whether `body` is a batch (rather than one job).
    pub fn is_batch(body: &[u8]) -> bool {
        body.starts_with(BATCH_MAGIC)
    }

    /// The jobs of a batch message; inline bytes are slices of `body` (no copy). A batch
    /// with a broken part is an error as a whole.
    pub fn decode_batch(body: &bytes::Bytes) -> Result<Vec<Job>, String> {
        let rest = body
            .strip_prefix(BATCH_MAGIC.as_slice())
            .ok_or("not a batch message")?;
        let word = |at: usize| be_u32(body, at).ok_or("truncated batch message");
        let n = word(4)?;
        // Each job takes at least its length word and a header: a count larger than the
        // message could hold is a broken message, not a reason to allocate.
        if n == 0 || n > rest.len() / 12 {
            return Err(format!("a batch message cannot hold {n} jobs"));
        }
        let mut jobs = Vec::with_capacity(n);
        let mut at = 8usize;
        for _ in 0..n {
            let len = word(at)?;
            let start = at + 4;
            let end = start
                .checked_add(len)
                .filter(|&e| e <= body.len())
                .ok_or("truncated job in a batch message")?;
            jobs.push(decode(&body.slice(start..end))?);
            at = end;
        }
        if at != body.len() {
            return Err("bytes after the last job of a batch message".into());
        }
        Ok(jobs)
    }
}

/// The properties of a message that carries the job `id` alone.
fn job_props(id: uuid::Uuid) -> BasicProperties {
    BasicProperties::default().with_message_id(id.to_string().into())
}

/// Publishes a job message persistently to `routing_key` and waits for the broker's
/// confirm.
async fn publish_job(
    ch: &Channel,
    routing_key: &str,
    job: &Job,
    props: BasicProperties,
) -> BResult<()> {
    let body = message::encode(job).map_err(BackendError::other)?;
    publish(ch, routing_key, &body, props, true).await
}

/// Publishes `body` to `routing_key`, persistently or not, and waits for the broker's
/// confirm.
async fn publish(
    ch: &Channel,
    routing_key: &str,
    body: &[u8],
    props: BasicProperties,
    persistent: bool,
) -> BResult<()> {
    let content_type = if body.starts_with(message::MAGIC) {
        message::CONTENT_TYPE
    } else {
        "application/json"
    };
    let props = props
        .with_delivery_mode(if persistent { 2 } else { 1 })
        .with_content_type(content_type.into());
    let confirm = tokio::time::timeout(Duration::from_secs(10), async {
        ch.basic_publish(
            "".into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            props,
        )
        .await?
        .await
    })
    .await
    .map_err(|_| unavailable("publisher confirm timed out"))?
    .map_err(unavailable)?;
    if confirm.is_nack() {
        return Err(unavailable("the broker refused the message"));
    }
    Ok(())
}

struct Link {
    conn: Option<(Connection, Channel)>,
    last_attempt: Option<Instant>,
    backoff: Duration,
}

/// At most this many jobs go in one message.
pub const BATCH_MAX_JOBS: usize = 64;
/// A batch stops growing once its jobs add up to this many bytes (a job larger than this
/// travels alone).
pub const BATCH_MAX_BYTES: usize = 1 << 20;
/// At most this many publishes wait for their confirms at once, per gateway. Jobs that
/// arrive meanwhile wait their turn and go together in the next message.
pub const PUBLISHES_IN_FLIGHT: usize = 8;
/// After a message that carried several jobs, the next one starts no sooner than this
/// after it: jobs that arrive meanwhile go together. A job that comes after a quiet spell
/// (the last message carried one job, or none went for this long) goes at once.
pub const PUBLISH_GAP: Duration = Duration::from_millis(2);

/// A job waiting for the batcher: its encoded message and who waits for the confirm.
struct Pending {
    id: uuid::Uuid,
    body: Vec<u8>,
    /// [`super::is_light`]: the message may be transient.
    light: bool,
    done: tokio::sync::oneshot::Sender<BResult<()>>,
}

/// Marks the gateway's persistent copy of a light job ([`JobQueue::make_durable`]).
const COPY_HEADER: &str = "x-durable-copy";

/// The gateway's side: puts jobs on the queue.
///
/// Jobs are published in batches (group commit): the jobs that arrive while a publish
/// must wait (for [`PUBLISH_GAP`] after a message of several jobs, or for one of the
/// [`PUBLISHES_IN_FLIGHT`] to be confirmed) queue up, and the next publish takes all of
/// them (up to [`BATCH_MAX_JOBS`] and [`BATCH_MAX_BYTES`]) in one message. Under a light
/// load every job goes alone at once; under a heavy one the broker's cost per message (the
/// larger part of its work) is shared by the jobs of a batch, and the message rate stays
/// near one per gap whatever the job rate. Each caller still returns only once the broker
/// has confirmed the message that carries its job.
pub struct AmqpQueue {
    link: Arc<LinkState>,
    batcher: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Pending>>,
}

/// The connection and where it goes, shared with the batcher task.
struct LinkState {
    topology: Topology,
    link: Mutex<Link>,
}

impl AmqpQueue {
    pub fn new(topology: Topology) -> AmqpQueue {
        AmqpQueue {
            link: Arc::new(LinkState {
                topology,
                link: Mutex::new(Link {
                    conn: None,
                    last_attempt: None,
                    backoff: Duration::from_millis(200),
                }),
            }),
            batcher: std::sync::OnceLock::new(),
        }
    }

    /// Keeps the connection up in the background (so `/readyz` recovers by itself).
    pub fn start_keepalive(self: &Arc<Self>) {
        let me = Arc::downgrade(&self.link);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let Some(q) = me.upgrade() else { break };
                let _ = q.channel().await;
            }
        });
    }

    /// The batcher's inbox, starting the batcher on first use (it ends when the queue is
    /// dropped).
    fn batcher(&self) -> &tokio::sync::mpsc::UnboundedSender<Pending> {
        self.batcher.get_or_init(|| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(run_batcher(self.link.clone(), rx));
            tx
        })
    }
}

/// Takes the waiting jobs in batches, at most [`PUBLISHES_IN_FLIGHT`] publishes at once.
async fn run_batcher(link: Arc<LinkState>, mut rx: tokio::sync::mpsc::UnboundedReceiver<Pending>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(PUBLISHES_IN_FLIGHT));
    let mut carry: Option<Pending> = None;
    // When the last message of several jobs started.
    let mut last_batch: Option<Instant> = None;
    loop {
        let first = match carry.take() {
            Some(p) => p,
            None => match rx.recv().await {
                Some(p) => p,
                None => break,
            },
        };
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        if let Some(left) = last_batch.and_then(|t| PUBLISH_GAP.checked_sub(t.elapsed())) {
            tokio::time::sleep(left).await;
        }
        // Everything that queued up while the slot was busy goes now.
        let mut bytes = first.body.len();
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX_JOBS {
            let Ok(p) = rx.try_recv() else { break };
            if bytes + p.body.len() > BATCH_MAX_BYTES {
                carry = Some(p);
                break;
            }
            bytes += p.body.len();
            batch.push(p);
        }
        last_batch = (batch.len() > 1).then(Instant::now);
        let link = link.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let result = link.publish_batch(&batch).await;
            if result.is_ok() {
                metrics::AMQP_PUBLISHED_MESSAGES.inc();
                metrics::AMQP_PUBLISHED_JOBS.add(batch.len() as i64);
            }
            for p in batch {
                let _ = p.done.send(result.clone());
            }
        });
    }
}

impl LinkState {
    /// A live channel, reconnecting when needed (at most once per backoff period).
    async fn channel(&self) -> BResult<Channel> {
        let mut link = self.link.lock().await;
        if let Some((conn, ch)) = &link.conn {
            if conn.status().connected() && ch.status().connected() {
                return Ok(ch.clone());
            }
            warn!("lost the RabbitMQ connection");
            metrics::AMQP_UP.set(0);
            link.conn = None;
        }
        if let Some(t) = link.last_attempt {
            if t.elapsed() < link.backoff {
                return Err(unavailable("not connected (reconnecting)"));
            }
        }
        link.last_attempt = Some(Instant::now());
        match open(&self.topology).await {
            Ok((conn, ch)) => {
                info!("connected to RabbitMQ");
                metrics::AMQP_UP.set(1);
                link.backoff = Duration::from_millis(200);
                link.conn = Some((conn, ch.clone()));
                Ok(ch)
            }
            Err(e) => {
                link.backoff = (link.backoff * 2).min(Duration::from_secs(5));
                Err(e)
            }
        }
    }

    async fn drop_link(&self) {
        let mut link = self.link.lock().await;
        link.conn = None;
        metrics::AMQP_UP.set(0);
    }

    /// Publishes one message carrying `batch` (a lone job as a plain job message), transient
    /// when all its jobs are light, and waits for its confirm.
    async fn publish_batch(&self, batch: &[Pending]) -> BResult<()> {
        let (body, props) = match batch {
            [one] => (
                std::borrow::Cow::Borrowed(one.body.as_slice()),
                job_props(one.id),
            ),
            many => (
                std::borrow::Cow::Owned(message::encode_batch(many.iter().map(|p| &p.body[..]))),
                BasicProperties::default(),
            ),
        };
        let persistent = batch.iter().any(|p| !p.light);
        self.publish_retrying(&body, props, persistent).await
    }

    /// Publishes one message to the jobs queue and waits for its confirm, with one retry on
    /// a fresh connection: a broker restart shows up on the first publish.
    async fn publish_retrying(
        &self,
        body: &[u8],
        props: BasicProperties,
        persistent: bool,
    ) -> BResult<()> {
        for attempt in 0..2 {
            let ch = self.channel().await?;
            match publish(&ch, &self.topology.queue, body, props.clone(), persistent).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt == 0 => {
                    warn!(error = %e, "publishing failed; reconnecting once");
                    self.drop_link().await;
                    let mut link = self.link.lock().await;
                    link.last_attempt = None;
                }
                Err(e) => return Err(e),
            }
        }
        Err(unavailable("could not publish"))
    }
}

#[async_trait]
impl JobQueue for AmqpQueue {
    async fn enqueue(&self, job: &Job) -> BResult<()> {
        let body = message::encode(job).map_err(BackendError::other)?;
        let (done, confirmed) = tokio::sync::oneshot::channel();
        let pending = Pending {
            id: job.id,
            body,
            light: super::is_light(job),
            done,
        };
        let started = Instant::now();
        if self.batcher().send(pending).is_err() {
            return Err(unavailable("the publisher has stopped"));
        }
        let result = confirmed
            .await
            .unwrap_or_else(|_| Err(unavailable("the publisher has stopped")));
        if result.is_ok() {
            metrics::ENQUEUE_DURATION.observe(started.elapsed());
        }
        result
    }

    /// A light job traveled in a transient message, which a broker restart loses: it is
    /// published again, persistently, marked as a copy (its worker reads the record first,
    /// and a copy of a job already done has nothing left to do).
    async fn make_durable(&self, job: &Job) -> BResult<()> {
        if !super::is_light(job) {
            return Ok(());
        }
        let body = message::encode(job).map_err(BackendError::other)?;
        let props =
            job_props(job.id).with_headers(table(&[(COPY_HEADER, AMQPValue::Boolean(true))]));
        self.link.publish_retrying(&body, props, true).await
    }

    async fn ready(&self) -> BResult<()> {
        self.link.channel().await.map(|_| ())
    }
}

/// What a worker decided about one delivery.
#[derive(Debug)]
pub enum Outcome {
    /// The final record is written: ack.
    Done,
    /// Try again later (republished to the retry queue, then acked).
    Retry(String),
    /// Retries are exhausted or the job is poison: record it failed, dead-letter, ack.
    GiveUp(Failure),
}

/// How a job's delivery came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The job's first message, delivered for the first time (or a retry's message).
    First,
    /// The gateway's persistent copy of a light job ([`JobQueue::make_durable`]): the job
    /// may have run already.
    Copy,
    /// A suspect: a redelivery, or a job put back from a batch that came back. Its last
    /// delivery may have ended with its worker.
    Again,
}

/// Runs one delivery's job and says what to do with the message.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    async fn handle(&self, job: &Job, start: Start) -> Outcome;
    /// Records a job given up on as failed (retried by the loop until it works).
    async fn give_up(&self, job: &Job, failure: &Failure) -> BResult<()>;
}

/// Consumer settings.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    pub topology: Topology,
    pub concurrency: usize,
    pub retry_delay: Duration,
    pub drain_timeout: Duration,
}

/// Consumes until `stop` resolves, reconnecting with backoff, then drains in-flight jobs.
pub async fn consume(
    cfg: ConsumerConfig,
    handler: Arc<dyn Handler>,
    stop: impl std::future::Future<Output = ()> + Send,
) {
    let sem = Arc::new(tokio::sync::Semaphore::new(cfg.concurrency.max(1)));
    let jobs = Slots {
        deliveries: sem.clone(),
        isolation: Arc::new(tokio::sync::RwLock::new(())),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let runner = async {
        let mut backoff = Duration::from_millis(200);
        loop {
            if *stop_rx.borrow() {
                break;
            }
            match session(&cfg, handler.clone(), &jobs, stop_rx.clone()).await {
                Ok(()) => break,
                Err(e) => {
                    metrics::AMQP_UP.set(0);
                    warn!(error = %e, delay_ms = backoff.as_millis() as u64, "RabbitMQ session ended; reconnecting");
                }
            }
            let mut rx = stop_rx.clone();
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = rx.wait_for(|stopping| *stopping) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    };
    let signal = async {
        stop.await;
        info!("stopping: no new jobs; draining the ones in flight");
        let _ = stop_tx.send(true);
    };
    tokio::join!(runner, signal);
    // Drain: wait until every permit is back (every in-flight job acked or abandoned).
    let all = u32::try_from(cfg.concurrency.max(1)).unwrap_or(u32::MAX);
    let drained = tokio::time::timeout(cfg.drain_timeout, sem.acquire_many(all))
        .await
        .is_ok();
    if drained {
        info!("drained");
    } else {
        warn!("drain timed out; unfinished jobs will be redelivered");
    }
}

/// What a worker's deliveries share.
struct Slots {
    /// One permit per delivery in hand (`concurrency`).
    deliveries: Arc<tokio::sync::Semaphore>,
    /// Jobs under suspicion (their last delivery ended with its worker) run alone: they
    /// hold this for writing, other jobs for reading. So when a job that takes workers
    /// down does it again, no other job is running with it to be charged an attempt for
    /// its crash; innocent jobs are charged at most the one crash they first shared.
    isolation: Arc<tokio::sync::RwLock<()>>,
}

/// The header that marks a job put back on the queue from a batch that came back.
const SUSPECT_HEADER: &str = "x-from-returned-batch";

/// One connection's life: declare, consume, dispatch. `Ok` when stopped on request.
async fn session(
    cfg: &ConsumerConfig,
    handler: Arc<dyn Handler>,
    jobs: &Slots,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> BResult<()> {
    let sem = &jobs.deliveries;
    let (conn, ch) = open(&cfg.topology).await?;
    let prefetch = u16::try_from(cfg.concurrency.max(1)).unwrap_or(u16::MAX);
    ch.basic_qos(prefetch, BasicQosOptions::default())
        .await
        .map_err(unavailable)?;
    let tag = format!("worker-{}", uuid::Uuid::new_v4());
    let mut consumer = ch
        .basic_consume(
            cfg.topology.queue.as_str().into(),
            tag.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(unavailable)?;
    metrics::AMQP_UP.set(1);
    info!(queue = %cfg.topology.queue, prefetch, "consuming");
    loop {
        tokio::select! {
            _ = stop.wait_for(|stopping| *stopping) => {
                let _ = ch.basic_cancel(tag.as_str().into(), BasicCancelOptions::default()).await;
                // Wait for in-flight jobs on this channel before closing it.
                let all = u32::try_from(cfg.concurrency.max(1)).unwrap_or(u32::MAX);
                if let Ok(Ok(p)) = tokio::time::timeout(cfg.drain_timeout, sem.acquire_many(all)).await {
                    drop(p);
                }
                let _ = conn.close(200, "worker stopping".into()).await;
                return Ok(());
            }
            next = consumer.next() => {
                let delivery = match next {
                    Some(Ok(d)) => d,
                    Some(Err(e)) => return Err(unavailable(e)),
                    None => return Err(unavailable("the consumer was cancelled")),
                };
                let permit = sem.clone().acquire_owned().await.map_err(BackendError::other)?;
                let isolation = jobs.isolation.clone();
                let handler = handler.clone();
                let ch = ch.clone();
                let retry_delay = cfg.retry_delay;
                let queue = cfg.topology.queue.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    dispatch(&ch, &queue, retry_delay, handler, &isolation, delivery).await;
                });
            }
        }
    }
}

/// Runs the job(s) of one delivery and settles it: acked once every job is settled (done,
/// republished for a retry, or recorded failed and dead-lettered), requeued otherwise.
///
/// A batch's jobs run side by side. A batch that comes back (its worker stopped before
/// acking it) is not run again as a whole: its jobs are put back on the queue one message
/// each, marked as suspects, so that a job which takes workers down is retried, counted
/// and given up on alone. Suspects (those and any job redelivered) run alone on their
/// worker ([`Slots::isolation`]), so the others are not charged for its crashes.
async fn dispatch(
    ch: &Channel,
    queue: &str,
    retry_delay: Duration,
    handler: Arc<dyn Handler>,
    isolation: &tokio::sync::RwLock<()>,
    mut delivery: lapin::message::Delivery,
) {
    let data = bytes::Bytes::from(std::mem::take(&mut delivery.data));
    let decoded = if message::is_batch(&data) {
        message::decode_batch(&data)
    } else {
        message::decode(&data).map(|j| vec![j])
    };
    let jobs = match decoded {
        Ok(j) => j,
        Err(e) => {
            error!(error = %e, "a message that is not a job; dead-lettering it");
            let _ = delivery
                .acker
                .nack(BasicNackOptions {
                    requeue: false,
                    ..Default::default()
                })
                .await;
            return;
        }
    };
    let start = start_of(delivery.redelivered, delivery.properties.headers().as_ref());
    let settled = if jobs.len() > 1 && delivery.redelivered {
        warn!(
            jobs = jobs.len(),
            "a batch came back unacked; putting its jobs back on the queue one by one"
        );
        let puts = jobs.iter().map(|job| {
            let props = job_props(job.id)
                .with_headers(table(&[(SUSPECT_HEADER, AMQPValue::Boolean(true))]));
            publish_job(ch, queue, job, props)
        });
        futures::future::join_all(puts).await.into_iter().collect()
    } else {
        let runs = jobs.iter().map(|job| {
            let span = tracing::info_span!("job", uuid = %job.id);
            let turn = Turn { isolation, start };
            settle(ch, queue, retry_delay, handler.as_ref(), job, turn).instrument(span)
        });
        futures::future::join_all(runs).await.into_iter().collect()
    };
    match settled {
        Ok(()) => {
            if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
                // The channel died: the broker redelivers; the jobs' records are final
                // already, so the next worker only acks them.
                warn!(error = %e, "could not ack; the message will be redelivered");
            }
        }
        Err(e) => {
            warn!(error = %e, "could not settle the message's jobs; requeueing it");
            let _ = delivery
                .acker
                .nack(BasicNackOptions {
                    requeue: true,
                    ..Default::default()
                })
                .await;
        }
    }
}

/// How a delivery came, from its redelivered flag and its message's headers.
fn start_of(redelivered: bool, headers: Option<&FieldTable>) -> Start {
    let has = |name: &str| headers.is_some_and(|h| h.inner().contains_key(name));
    if redelivered || has(SUSPECT_HEADER) {
        Start::Again
    } else if has(COPY_HEADER) {
        Start::Copy
    } else {
        Start::First
    }
}

/// How a job may run: alone (a suspect, [`Start::Again`]) or beside others.
struct Turn<'a> {
    isolation: &'a tokio::sync::RwLock<()>,
    start: Start,
}

/// Runs one job and does what its outcome asks: nothing more when done, a republish to
/// the retry queue, or a failed record and a copy on the dead queue.
async fn settle(
    ch: &Channel,
    queue: &str,
    retry_delay: Duration,
    handler: &dyn Handler,
    job: &Job,
    turn: Turn<'_>,
) -> BResult<()> {
    let outcome = {
        // Held while the job runs: alone for a suspect, shared otherwise.
        let (_alone, _shared);
        if turn.start == Start::Again {
            _alone = turn.isolation.write().await;
        } else {
            _shared = turn.isolation.read().await;
        }
        metrics::JOBS_IN_FLIGHT.inc();
        let outcome = handler.handle(job, turn.start).await;
        metrics::JOBS_IN_FLIGHT.dec();
        outcome
    };
    match outcome {
        Outcome::Done => Ok(()),
        Outcome::Retry(why) => {
            metrics::JOBS_RETRIED.inc();
            warn!(reason = %why, "job will be retried");
            let mut next = job.clone();
            next.attempt += 1;
            let props =
                job_props(job.id).with_expiration(retry_delay.as_millis().to_string().into());
            publish_job(ch, &format!("{queue}.retry"), &next, props).await
        }
        Outcome::GiveUp(failure) => {
            metrics::JOBS_DEAD_LETTERED.inc();
            warn!(reason = %failure.message, "giving up on the job");
            handler.give_up(job, &failure).await?;
            let props =
                job_props(job.id).with_headers(table(&[("x-failure", text(&failure.message))]));
            publish_job(ch, &format!("{queue}.dead"), job, props).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::message::{decode, decode_batch, encode, encode_batch, is_batch, MAGIC};
    use crate::record::{Job, JobInput, JobKind};

    fn job(input: JobInput) -> Job {
        Job {
            id: uuid::Uuid::new_v4(),
            kind: JobKind::Extract,
            input,
            file_name: Some("a \"b\".jpg".into()),
            owner: Some("k1".into()),
            keep: "icc".into(),
            created_at: 1_700_000_000,
            attempt: 2,
        }
    }

    #[test]
    fn deliveries_are_told_apart_by_flag_and_header() {
        use super::{start_of, table, Start, COPY_HEADER, SUSPECT_HEADER};
        use lapin::types::AMQPValue;
        let with = |name: &str| table(&[(name, AMQPValue::Boolean(true))]);
        let (copy, suspect, other) = (with(COPY_HEADER), with(SUSPECT_HEADER), with("x-other"));
        assert_eq!(start_of(false, None), Start::First);
        assert_eq!(start_of(false, Some(&other)), Start::First);
        assert_eq!(start_of(false, Some(&copy)), Start::Copy);
        assert_eq!(start_of(false, Some(&suspect)), Start::Again);
        // A redelivered copy may have crashed its worker: it is a suspect.
        assert_eq!(start_of(true, Some(&copy)), Start::Again);
        assert_eq!(start_of(true, None), Start::Again);
    }

    #[test]
    fn only_small_inline_extracts_are_light() {
        // Light jobs travel in transient messages: anything else must stay persistent.
        let inline = |n: usize| JobInput::Inline {
            data: vec![0u8; n].into(),
        };
        let max = crate::process::IN_PLACE_MAX;
        assert!(super::super::is_light(&job(inline(8000))));
        assert!(super::super::is_light(&job(inline(max))));
        assert!(!super::super::is_light(&job(inline(max + 1))));
        let mut remove = job(inline(8000));
        remove.kind = JobKind::Remove;
        assert!(!super::super::is_light(&remove));
        let url = JobInput::Url {
            url: "https://example.com/a.jpg".into(),
        };
        assert!(!super::super::is_light(&job(url)));
        let staged = JobInput::Staged {
            key: "k".into(),
            size: 10,
        };
        assert!(!super::super::is_light(&job(staged)));
    }

    fn same(a: &Job, b: &Job) {
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            serde_json::to_value(b).unwrap()
        );
    }

    #[test]
    fn job_messages_round_trip_with_raw_inline_bytes() {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let inputs = [
            JobInput::Inline {
                data: data.clone().into(),
            },
            JobInput::Inline {
                data: bytes::Bytes::new(),
            },
            JobInput::Staged {
                key: "staged/x".into(),
                size: 5,
            },
            JobInput::Url {
                url: "http://127.0.0.1/x.jpg".into(),
            },
        ];
        for input in inputs {
            let j = job(input);
            let body = encode(&j).unwrap();
            assert!(body.starts_with(MAGIC));
            same(&decode(&body.into()).unwrap(), &j);
        }
        // The bytes are carried raw: the message is barely larger than the upload.
        let body = encode(&job(JobInput::Inline { data: data.into() })).unwrap();
        assert!(body.len() < 10_000 + 400, "{} bytes", body.len());
    }

    #[test]
    fn plain_json_jobs_are_still_read() {
        let j = job(JobInput::Inline {
            data: b"\xff\xd8 jpeg".to_vec().into(),
        });
        let body = serde_json::to_vec(&j).unwrap();
        same(&decode(&body.into()).unwrap(), &j);
    }

    #[test]
    fn broken_job_messages_are_errors_not_panics() {
        let good = encode(&job(JobInput::Url {
            url: "http://127.0.0.1/".into(),
        }))
        .unwrap();
        let mut cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"MDJ1".to_vec(),
            b"MDJ1\xff\xff\xff\xff{}".to_vec(),
            b"MDJ1\x00\x00\x00\x02{}".to_vec(),
            b"not json".to_vec(),
        ];
        for cut in [5, 8, 20, good.len() - 1] {
            cases.push(good[..cut].to_vec());
        }
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"extra");
        cases.push(trailing);
        for c in cases {
            assert!(decode(&c.clone().into()).is_err(), "{c:?}");
        }
    }

    #[test]
    fn batches_round_trip_and_keep_each_jobs_bytes() {
        let jobs: Vec<Job> = (0..5u8)
            .map(|i| {
                job(if i % 2 == 0 {
                    JobInput::Inline {
                        data: vec![i; 1000 + i as usize].into(),
                    }
                } else {
                    JobInput::Url {
                        url: format!("http://127.0.0.1/{i}.jpg"),
                    }
                })
            })
            .collect();
        let parts: Vec<Vec<u8>> = jobs.iter().map(|j| encode(j).unwrap()).collect();
        let body = encode_batch(parts.iter().map(|p| &p[..]));
        assert!(is_batch(&body));
        assert!(!is_batch(&parts[0]));
        let back = decode_batch(&body.into()).unwrap();
        assert_eq!(back.len(), jobs.len());
        for (a, b) in back.iter().zip(&jobs) {
            same(a, b);
        }
    }

    #[test]
    fn broken_batches_are_errors_not_panics() {
        let parts: Vec<Vec<u8>> = (0..3)
            .map(|_| {
                encode(&job(JobInput::Inline {
                    data: b"abc".to_vec().into(),
                }))
                .unwrap()
            })
            .collect();
        let good = encode_batch(parts.iter().map(|p| &p[..]));
        assert_eq!(decode_batch(&good.clone().into()).unwrap().len(), 3);
        let mut cases: Vec<Vec<u8>> = vec![
            b"MDB1".to_vec(),
            b"MDB1\x00\x00\x00\x00".to_vec(),
            b"MDB1\xff\xff\xff\xff\x00\x00\x00\x01{".to_vec(),
            encode_batch([&b"not a job"[..]].into_iter()),
        ];
        for cut in (4..good.len()).step_by(7) {
            cases.push(good[..cut].to_vec());
        }
        let mut trailing = good.clone();
        trailing.push(0);
        cases.push(trailing);
        // A count that does not match the parts.
        let mut miscounted = good.clone();
        miscounted[7] = 4;
        cases.push(miscounted);
        for c in cases {
            assert!(decode_batch(&c.clone().into()).is_err(), "{c:?}");
        }
    }
}
