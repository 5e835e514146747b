//! Configuration: defaults, then an optional file (`CONFIG_FILE`, lines of `NAME=value`),
//! then the environment, which wins. The names are those of design.md's "Operating it"
//! table; operators and outside test suites rely on them.

use anyhow::{bail, Context};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// A secret that does not print itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct S3Config {
    pub endpoint: Option<String>,
    pub bucket: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen_addr: String,
    pub public_base_url: Option<String>,
    pub api_keys: Vec<Secret>,
    pub data_dir: PathBuf,
    pub result_ttl_secs: u64,
    pub file_ttl_secs: u64,
    pub max_upload_bytes: u64,
    pub cors_allowed_origins: Vec<String>,
    pub allow_private_urls: bool,
    pub amqp_url: Option<Secret>,
    pub redis_url: Option<Secret>,
    pub queue_name: String,
    pub redis_prefix: String,
    pub s3: S3Config,
    /// How long a request waits for its result before answering 202 (`WAIT_TIMEOUT_SECS`).
    pub wait_timeout: Duration,
    /// Requests per key per minute; 0 = unlimited (`RATE_LIMIT_PER_MINUTE`).
    pub rate_limit_per_minute: u32,
    /// Worker tasks in embedded mode (`WORKERS`, default: the number of cores).
    pub workers: usize,
    /// How often the embedded sweeper runs (`SWEEP_INTERVAL_SECS`).
    pub sweep_interval: Duration,
    /// Time limit for fetching a URL (`FETCH_TIMEOUT_SECS`).
    pub fetch_timeout: Duration,
    /// The distributed backends' settings (same variables as the worker's), when
    /// AMQP_URL and REDIS_URL are set.
    pub distributed: Option<jobs::settings::Settings>,
}

impl Config {
    /// From the process environment (and `CONFIG_FILE` if set).
    pub fn from_env() -> anyhow::Result<Config> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Config::from_map(env)
    }

    /// From a map of variables, reading `CONFIG_FILE` if the map names one; the map wins
    /// over the file. Tests build configurations with this.
    pub fn from_map(mut vars: HashMap<String, String>) -> anyhow::Result<Config> {
        if let Some(path) = vars.get("CONFIG_FILE").cloned() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading CONFIG_FILE {path}"))?;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let Some((k, v)) = line.split_once('=') else {
                    bail!("{path}:{}: expected NAME=value", n + 1);
                };
                let v = v.trim().trim_matches('"');
                vars.entry(k.trim().to_string())
                    .or_insert_with(|| v.to_string());
            }
        }
        let get = |k: &str| {
            vars.get(k)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let num = |k: &str, d: u64| -> anyhow::Result<u64> {
            match get(k) {
                None => Ok(d),
                Some(v) => v
                    .parse()
                    .with_context(|| format!("{k} must be a whole number, got {v:?}")),
            }
        };
        let flag = |k: &str| -> anyhow::Result<bool> {
            match get(k).as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("false") | Some("0") | Some("no") => Ok(false),
                Some("true") | Some("1") | Some("yes") => Ok(true),
                Some(v) => bail!("{k} must be true or false, got {v:?}"),
            }
        };
        let list = |k: &str| -> Vec<String> {
            get(k)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let amqp_url = get("AMQP_URL").map(Secret::new);
        let redis_url = get("REDIS_URL").map(Secret::new);
        if amqp_url.is_some() != redis_url.is_some() {
            bail!("set both AMQP_URL and REDIS_URL to run distributed, or neither to run embedded");
        }
        let cors = list("CORS_ALLOWED_ORIGINS");
        let distributed = if amqp_url.is_some() {
            Some(jobs::settings::Settings::from_map(&vars)?)
        } else {
            None
        };
        Ok(Config {
            listen_addr: get("LISTEN_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into()),
            public_base_url: get("PUBLIC_BASE_URL").map(|s| s.trim_end_matches('/').to_string()),
            api_keys: list("API_KEYS").into_iter().map(Secret::new).collect(),
            data_dir: PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into())),
            result_ttl_secs: num("RESULT_TTL_SECS", 86_400)?,
            file_ttl_secs: num("FILE_TTL_SECS", 86_400)?,
            max_upload_bytes: num("MAX_UPLOAD_BYTES", 100 * 1024 * 1024)?,
            cors_allowed_origins: if cors.is_empty() {
                vec!["*".into()]
            } else {
                cors
            },
            allow_private_urls: flag("ALLOW_PRIVATE_URLS")?,
            amqp_url,
            redis_url,
            queue_name: get("QUEUE_NAME").unwrap_or_else(|| "metadata-jobs".into()),
            redis_prefix: get("REDIS_PREFIX").unwrap_or_else(|| "metadata:".into()),
            s3: S3Config {
                endpoint: get("S3_ENDPOINT"),
                bucket: get("S3_BUCKET"),
                region: get("S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                access_key_id: get("AWS_ACCESS_KEY_ID"),
                secret_access_key: get("AWS_SECRET_ACCESS_KEY").map(Secret::new),
            },
            wait_timeout: Duration::from_millis(num(
                "WAIT_TIMEOUT_MS",
                num("WAIT_TIMEOUT_SECS", 30)? * 1000,
            )?),
            rate_limit_per_minute: u32::try_from(num("RATE_LIMIT_PER_MINUTE", 0)?)
                .context("RATE_LIMIT_PER_MINUTE is too large")?,
            workers: num("WORKERS", cores as u64)?.clamp(1, 256) as usize,
            sweep_interval: Duration::from_secs(num("SWEEP_INTERVAL_SECS", 60)?.max(1)),
            fetch_timeout: Duration::from_secs(num("FETCH_TIMEOUT_SECS", 60)?.max(1)),
            distributed,
        })
    }

    pub fn distributed(&self) -> bool {
        self.amqp_url.is_some() && self.redis_url.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_the_design() {
        let c = Config::from_map(HashMap::new()).unwrap();
        assert_eq!(c.listen_addr, "127.0.0.1:8080");
        assert_eq!(c.result_ttl_secs, 86_400);
        assert_eq!(c.file_ttl_secs, 86_400);
        assert_eq!(c.max_upload_bytes, 100 * 1024 * 1024);
        assert_eq!(c.cors_allowed_origins, vec!["*"]);
        assert!(!c.allow_private_urls);
        assert_eq!(c.queue_name, "metadata-jobs");
        assert_eq!(c.redis_prefix, "metadata:");
        assert!(!c.distributed());
    }

    #[test]
    fn reads_values_and_rejects_nonsense() {
        let c =
            Config::from_map(map(&[("API_KEYS", "a, b"), ("ALLOW_PRIVATE_URLS", "true")])).unwrap();
        assert_eq!(c.api_keys.len(), 2);
        assert!(c.allow_private_urls);
        assert!(format!("{c:?}").contains("Secret(***)"));
        assert!(!format!("{c:?}").contains("\"a\""));
        assert!(Config::from_map(map(&[("MAX_UPLOAD_BYTES", "lots")])).is_err());
        assert!(Config::from_map(map(&[("AMQP_URL", "amqp://x")])).is_err());
    }

    #[test]
    fn file_adds_and_env_wins() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.env");
        std::fs::write(&p, "# comment\nLISTEN_ADDR=0.0.0.0:9000\nQUEUE_NAME=q1\n").unwrap();
        let c = Config::from_map(map(&[
            ("CONFIG_FILE", p.to_str().unwrap()),
            ("QUEUE_NAME", "q2"),
        ]))
        .unwrap();
        assert_eq!(c.listen_addr, "0.0.0.0:9000");
        assert_eq!(c.queue_name, "q2");
    }
}
