//! The worker: consumes jobs, runs them through [`crate::process::process_job`], and
//! decides ack / retry / give up. The `worker` binary is a thin wrapper around [`run`].

use async_trait::async_trait;
use std::sync::Arc;
use tracing::{error, warn};

use super::amqp::{self, Handler, Outcome, Start};
use super::redis_store::{self, Begin, RedisResults};
use super::s3::{self, S3Files};
use crate::backend::BResult;
use crate::metrics;
use crate::process::{fail_job, process_started_job, ProcessContext};
use crate::record::{Failure, Job, JobInput, Status};
use crate::settings::Settings;

/// Runs jobs for the consumer loop.
pub struct JobRunner {
    ctx: ProcessContext,
    results: Arc<RedisResults>,
    max_attempts: u32,
    job_timeout: std::time::Duration,
    fault_marker: Option<Vec<u8>>,
}

impl JobRunner {
    /// `files`: the worker's S3 client (shared with its start-up lifecycle check).
    pub fn new(s: &Settings, files: S3Files) -> anyhow::Result<JobRunner> {
        let (_, conn) = redis_store::connect(&s.redis_url)?;
        let results = Arc::new(RedisResults::new(
            conn,
            &s.redis_prefix,
            super::record_ttl(s),
        ));
        let files = Arc::new(files);
        std::fs::create_dir_all(&s.scratch)?;
        clean_scratch(&s.scratch, s.job_timeout * 2);
        Ok(JobRunner {
            ctx: ProcessContext {
                files,
                results: results.clone(),
                fetch: s.fetch.clone(),
                scratch: s.scratch.clone(),
                file_ttl: s.file_ttl,
                cpu: Some(Arc::new(tokio::sync::Semaphore::new(s.cpu_slots))),
            },
            results,
            max_attempts: s.max_attempts,
            job_timeout: s.job_timeout,
            fault_marker: s.fault_marker.clone().map(String::into_bytes),
        })
    }

    fn retry_or_give_up(&self, attempt: u32, why: String) -> Outcome {
        if attempt >= self.max_attempts {
            Outcome::GiveUp(Failure::internal(format!(
                "the job failed {attempt} times; last error: {why}"
            )))
        } else {
            Outcome::Retry(why)
        }
    }
}

#[async_trait]
impl Handler for JobRunner {
    async fn handle(&self, job: &Job, start: Start) -> Outcome {
        // A light job's first delivery starts at once: it is over within a millisecond or
        // so, sooner than a `processing` mark could be read, and nothing can be final yet.
        // Every other delivery starts with one round trip: a redelivery, or the gateway's
        // durable copy, of a job whose record is already final has nothing left to do;
        // otherwise the delivery is counted and the record marked `processing`.
        //
        // The skipped first delivery is counted by the next delivery of the job (a
        // redelivery: it may have crashed a worker; or the durable copy), not by a retry
        // (`attempt > 0`): that one ended in a transient failure, which the script would
        // not have counted either while Redis was down.
        let first_uncounted = super::is_light(job) && job.attempt == 0;
        let attempt = if first_uncounted && start == Start::First {
            1
        } else {
            match self
                .results
                .begin(job, self.max_attempts, first_uncounted)
                .await
            {
                Ok(Begin::Final) => return Outcome::Done,
                Ok(Begin::Attempt(n)) => n,
                Err(e) => return Outcome::Retry(e.to_string()),
            }
        };
        if attempt > self.max_attempts {
            // Earlier deliveries never came back (a crash or a kill each time): this input
            // takes workers down. Do not run it again.
            return Outcome::GiveUp(Failure::internal(format!(
                "the file could not be processed: it stopped a worker {} times",
                attempt - 1
            )));
        }
        if start == Start::Again {
            warn!(attempt, "running a redelivered job");
        }
        if let (Some(marker), JobInput::Inline { data }) = (&self.fault_marker, &job.input) {
            if !marker.is_empty() && data.windows(marker.len()).any(|w| w == &marker[..]) {
                error!("fault injection: this input aborts the worker");
                std::process::abort();
            }
        }
        match tokio::time::timeout(self.job_timeout, process_started_job(&self.ctx, job)).await {
            Ok(Ok(rec)) => {
                if rec.status == Status::Completed {
                    metrics::JOBS_DONE_COMPLETED.inc();
                } else {
                    metrics::JOBS_DONE_FAILED.inc();
                }
                Outcome::Done
            }
            Ok(Err(t)) => self.retry_or_give_up(attempt, t.0),
            Err(_) => {
                metrics::count_job_failure(job.kind, metrics::FailReason::Timeout);
                self.retry_or_give_up(
                    attempt,
                    format!("timed out after {} s", self.job_timeout.as_secs()),
                )
            }
        }
    }

    async fn give_up(&self, job: &Job, failure: &Failure) -> BResult<()> {
        metrics::JOBS_DONE_FAILED.inc();
        fail_job(&self.ctx, job, failure.clone())
            .await
            .map(|_| ())
            .map_err(|t| crate::backend::BackendError::Unavailable(t.0))
    }
}

/// Removes job directories a killed worker left behind. Other workers may share the
/// directory, so only those older than any running job can be are removed.
fn clean_scratch(dir: &std::path::Path, older_than: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > older_than);
        if old && e.file_name().to_string_lossy().starts_with("job-") {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Runs a worker until `stop` resolves, then drains.
pub async fn run(
    s: &Settings,
    stop: impl std::future::Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    // One client (one connection pool, certificates loaded once) for the jobs and the
    // start-up lifecycle check.
    let files = S3Files::new(s.s3.clone(), s.inline_max_bytes)?;
    let runner = Arc::new(JobRunner::new(s, files.clone())?);
    tokio::spawn(async move { s3::ensure_lifecycle_logged(&files).await });
    let poller = amqp::start_depth_poller(super::topology(s), super::DEPTH_POLL_EVERY);
    amqp::consume(
        amqp::ConsumerConfig {
            topology: super::topology(s),
            concurrency: s.concurrency,
            retry_delay: s.retry_delay,
            drain_timeout: s.drain_timeout,
        },
        runner,
        stop,
    )
    .await;
    poller.abort();
    Ok(())
}

/// The worker's readiness check (its `/readyz`): Redis answers, the bucket answers, and
/// the consumer is connected to RabbitMQ.
pub struct Probe {
    results: RedisResults,
    files: S3Files,
}

impl Probe {
    pub fn new(s: &Settings) -> anyhow::Result<Probe> {
        let (_, conn) = redis_store::connect(&s.redis_url)?;
        Ok(Probe {
            results: RedisResults::new(conn, &s.redis_prefix, 1),
            files: S3Files::new(s.s3.clone(), s.inline_max_bytes)?,
        })
    }

    pub async fn ready(&self) -> BResult<()> {
        use crate::FileStore;
        crate::ResultStore::ready(&self.results).await?;
        self.files.ready().await?;
        if metrics::AMQP_UP.get() != 1 {
            return Err(crate::backend::BackendError::unavailable(
                "rabbitmq: not connected (reconnecting)",
            ));
        }
        Ok(())
    }
}
