//! The settings of the distributed backends, read from the same environment variables
//! (design.md, "Operating it") by the gateway and the `worker` binary, so that both sides
//! of a deployment agree on queue, key prefix and bucket.

use anyhow::{bail, Context};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// S3-compatible storage for cleaned files and staged uploads.
#[derive(Clone)]
pub struct S3Settings {
    /// `S3_ENDPOINT`, e.g. `http://127.0.0.1:3900` (path-style addressing).
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    /// `S3_PREFIX`: prepended to every object key (several deployments or test runs can
    /// share a bucket).
    pub prefix: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `S3_PRESIGNED_DOWNLOADS`: answer downloads with a redirect to a presigned GET URL
    /// (valid until the file expires, at most an hour) instead of streaming through the
    /// gateway. The endpoint must then be reachable by clients.
    pub presigned_downloads: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id)
            .field("presigned_downloads", &self.presigned_downloads)
            .finish_non_exhaustive()
    }
}

/// Everything the distributed backends and the worker need.
#[derive(Clone)]
pub struct Settings {
    pub amqp_url: String,
    pub redis_url: String,
    pub queue_name: String,
    pub redis_prefix: String,
    pub s3: S3Settings,
    pub result_ttl: u64,
    pub file_ttl: u64,
    pub fetch: crate::fetch::FetchConfig,
    /// Uploads up to this size travel inside the job message (`INLINE_MAX_BYTES`).
    pub inline_max_bytes: u64,
    /// Deliveries of one job before it is dead-lettered (`MAX_ATTEMPTS`).
    pub max_attempts: u32,
    /// Delay before a job that hit a transient failure is tried again (`RETRY_DELAY_MS`).
    pub retry_delay: Duration,
    /// Jobs one worker process has in flight at once, and its prefetch
    /// (`WORKER_CONCURRENCY`, default 8 per core): most of a small job's time is spent
    /// waiting on Redis and RabbitMQ, so a worker keeps several per core in flight.
    pub concurrency: usize,
    /// Of those, how many may run their CPU-bound step on the blocking pool at once
    /// (`WORKER_CPU_SLOTS`, default: the cores). Small in-memory inputs are parsed in
    /// place and do not take a slot.
    pub cpu_slots: usize,
    /// A job running longer than this counts as a failed attempt (`JOB_TIMEOUT_SECS`).
    pub job_timeout: Duration,
    /// How long SIGTERM waits for in-flight jobs (`DRAIN_TIMEOUT_SECS`).
    pub drain_timeout: Duration,
    /// Where the worker serves `/metrics`, `/healthz`, `/readyz` (`METRICS_ADDR`; empty: off).
    pub metrics_addr: Option<String>,
    /// Scratch space for jobs (`SCRATCH_DIR`, default: the system temp dir).
    pub scratch: PathBuf,
    /// Fault injection for tests (`WORKER_FAULT_MARKER`): a worker whose input contains
    /// these bytes aborts, like a parser crash that takes the process down would.
    pub fault_marker: Option<String>,
    /// Queues are deleted by the broker after this long unused (`QUEUE_EXPIRES_SECS`;
    /// unset: never). For test runs that share a broker.
    pub queue_expires: Option<Duration>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("queue_name", &self.queue_name)
            .field("redis_prefix", &self.redis_prefix)
            .field("s3", &self.s3)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Settings::from_map(&vars)
    }

    /// From a map of variables; fails when a distributed-mode variable is missing.
    pub fn from_map(vars: &HashMap<String, String>) -> anyhow::Result<Settings> {
        let get = |k: &str| {
            vars.get(k)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let need = |k: &str| get(k).with_context(|| format!("{k} must be set in distributed mode"));
        let num = |k: &str, d: u64| -> anyhow::Result<u64> {
            match get(k) {
                None => Ok(d),
                Some(v) => v
                    .parse()
                    .with_context(|| format!("{k} must be a whole number, got {v:?}")),
            }
        };
        let flag = |k: &str| -> anyhow::Result<bool> {
            match get(k).map(|s| s.to_ascii_lowercase()).as_deref() {
                None | Some("false") | Some("0") | Some("no") => Ok(false),
                Some("true") | Some("1") | Some("yes") => Ok(true),
                Some(v) => bail!("{k} must be true or false, got {v:?}"),
            }
        };
        let allow_private = flag("ALLOW_PRIVATE_URLS")?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let mut prefix = get("S3_PREFIX").unwrap_or_default();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(Settings {
            amqp_url: need("AMQP_URL")?,
            redis_url: need("REDIS_URL")?,
            queue_name: get("QUEUE_NAME").unwrap_or_else(|| "metadata-jobs".into()),
            redis_prefix: get("REDIS_PREFIX").unwrap_or_else(|| "metadata:".into()),
            s3: S3Settings {
                endpoint: need("S3_ENDPOINT")?.trim_end_matches('/').to_string(),
                bucket: need("S3_BUCKET")?,
                region: get("S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                prefix,
                access_key_id: need("AWS_ACCESS_KEY_ID")?,
                secret_access_key: need("AWS_SECRET_ACCESS_KEY")?,
                presigned_downloads: flag("S3_PRESIGNED_DOWNLOADS")?,
            },
            result_ttl: num("RESULT_TTL_SECS", 86_400)?,
            file_ttl: num("FILE_TTL_SECS", 86_400)?,
            fetch: crate::fetch::FetchConfig {
                allow_private,
                max_bytes: num("MAX_UPLOAD_BYTES", 100 * 1024 * 1024)?,
                total_timeout: Duration::from_secs(num("FETCH_TIMEOUT_SECS", 60)?.max(1)),
                ..Default::default()
            },
            inline_max_bytes: num("INLINE_MAX_BYTES", 256 * 1024)?,
            max_attempts: num("MAX_ATTEMPTS", 3)?.clamp(1, 100) as u32,
            retry_delay: Duration::from_millis(num("RETRY_DELAY_MS", 2000)?),
            concurrency: num("WORKER_CONCURRENCY", 8 * cores as u64)?.clamp(1, 256) as usize,
            cpu_slots: num("WORKER_CPU_SLOTS", cores as u64)?.clamp(1, 256) as usize,
            job_timeout: Duration::from_secs(num("JOB_TIMEOUT_SECS", 300)?.max(1)),
            drain_timeout: Duration::from_secs(num("DRAIN_TIMEOUT_SECS", 60)?),
            metrics_addr: match vars.get("METRICS_ADDR") {
                None => Some("0.0.0.0:9100".into()),
                Some(s) if s.trim().is_empty() => None,
                Some(s) => Some(s.trim().to_string()),
            },
            scratch: get("SCRATCH_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| std::env::temp_dir().join("metadata-worker")),
            fault_marker: get("WORKER_FAULT_MARKER"),
            queue_expires: match num("QUEUE_EXPIRES_SECS", 0)? {
                0 => None,
                n => Some(Duration::from_secs(n)),
            },
        })
    }

    /// A Redis key of this deployment.
    pub fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.redis_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_design_names() {
        let vars: HashMap<String, String> = [
            ("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("S3_ENDPOINT", "http://127.0.0.1:3900/"),
            ("S3_BUCKET", "b"),
            ("S3_REGION", "garage"),
            ("S3_PREFIX", "run1"),
            ("AWS_ACCESS_KEY_ID", "GK1"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let s = Settings::from_map(&vars).unwrap();
        assert_eq!(s.queue_name, "metadata-jobs");
        assert_eq!(s.redis_prefix, "metadata:");
        assert_eq!(s.s3.endpoint, "http://127.0.0.1:3900");
        assert_eq!(s.s3.prefix, "run1/");
        assert!(!format!("{s:?}").contains("secret"));
        assert!(!s.s3.presigned_downloads);
        let mut v3 = vars.clone();
        v3.insert("S3_PRESIGNED_DOWNLOADS".into(), "true".into());
        assert!(Settings::from_map(&v3).unwrap().s3.presigned_downloads);
        v3.insert("S3_PRESIGNED_DOWNLOADS".into(), "maybe".into());
        assert!(Settings::from_map(&v3).is_err());
        let mut v2 = vars.clone();
        v2.remove("S3_BUCKET");
        assert!(Settings::from_map(&v2).is_err());
    }
}
