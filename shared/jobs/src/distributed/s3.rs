//! Cleaned files and staged uploads in S3-compatible storage (AWS S3, Garage, MinIO, ...)
//! through aws-sdk-s3, path-style. The SDK is built without its default features: its
//! HTTPS client is hyper + rustls with *ring* (no aws-lc, so no cmake or C toolchain
//! beyond what the workspace already needs), on the tokio runtime.
//!
//! Object keys: `S3_PREFIX` + `staging/<uuid>` (uploads waiting for a worker) and
//! `cleaned/<uuid>` (cleaned files). At startup the bucket gets a lifecycle rule expiring
//! everything under the prefix after one day (if no rule of ours is there yet); the
//! gateway also refuses downloads past the record's `expires_at`, since stores apply
//! lifecycle rules only about once a day.
//!
//! Downloads stream through the gateway by default; with `S3_PRESIGNED_DOWNLOADS=true` the
//! gateway answers a redirect to a presigned GET URL instead (the S3 endpoint must then be
//! reachable by clients).

use async_trait::async_trait;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream as S3Body;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter,
};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tracing::{info, warn};
use uuid::Uuid;

use crate::backend::*;
use crate::fetch::error_chain;
use crate::settings::S3Settings;

/// The S3 file store. Cloning shares the client (and its connection pool).
#[derive(Clone)]
pub struct S3Files {
    cfg: S3Settings,
    client: aws_sdk_s3::Client,
    /// Uploads up to this size travel inside the job message instead.
    inline_max: u64,
}

type Http = aws_sdk_s3::config::http::HttpResponse;

/// Sorts an SDK error: no answer, a timeout or a 5xx is `Unavailable` (503, try again);
/// anything the store answered otherwise is `Other`.
fn sdk_error<E>(what: &str, e: SdkError<E, Http>) -> BackendError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            BackendError::Unavailable(format!("s3 {what}: {}", error_chain(&e)))
        }
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let text = format!(
                "s3 {what}: {status} {} {}",
                se.err().code().unwrap_or("?"),
                se.err().message().unwrap_or("")
            );
            if status >= 500 {
                BackendError::Unavailable(text)
            } else {
                BackendError::Other(text)
            }
        }
        _ => BackendError::Other(format!("s3 {what}: {}", error_chain(&e))),
    }
}

/// `true` when the error is the store saying "no such object / configuration" (404).
fn is_not_found<E>(e: &SdkError<E, Http>) -> bool {
    e.raw_response().is_some_and(|r| r.status().as_u16() == 404)
}

/// Object keys are our own UUIDs; anything else is refused.
fn check_key(key: &str) -> BResult<Uuid> {
    key.parse()
        .map_err(|_| BackendError::Other(format!("bad file key {key:?}")))
}

impl S3Files {
    pub fn new(cfg: S3Settings, inline_max: u64) -> anyhow::Result<S3Files> {
        url::Url::parse(&cfg.endpoint)
            .map_err(|e| anyhow::anyhow!("S3_ENDPOINT {:?}: {e}", cfg.endpoint))?;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let timeouts = aws_sdk_s3::config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .read_timeout(Duration::from_secs(30))
            .build();
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(cfg.region.clone()))
            .endpoint_url(&cfg.endpoint)
            .force_path_style(true)
            .credentials_provider(Credentials::new(
                cfg.access_key_id.clone(),
                cfg.secret_access_key.clone(),
                None,
                None,
                "S3 settings",
            ))
            .http_client(http)
            .timeout_config(timeouts)
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::standard().with_max_attempts(3))
            // Plain Content-Length uploads and no CRC trailers: S3-compatible stores differ
            // in which checksum headers they accept, and TLS plus SigV4 already protect the
            // bytes in transit.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .build();
        Ok(S3Files {
            cfg,
            client: aws_sdk_s3::Client::from_conf(conf),
            inline_max,
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.cfg.prefix)
    }

    async fn put_file(&self, key: &str, path: &Path, mime: &str) -> BResult<()> {
        // `from_path` reads the file in chunks and sends its length: nothing is buffered whole.
        let body = S3Body::from_path(path)
            .await
            .map_err(|e| BackendError::Other(format!("s3 put {key}: {e}")))?;
        self.client
            .put_object()
            .bucket(&self.cfg.bucket)
            .key(self.key(key))
            .content_type(mime)
            .body(body)
            .send()
            .await
            .map_err(|e| sdk_error(&format!("put {key}"), e))?;
        Ok(())
    }

    /// The object's length and body, or `None` when there is no such object.
    async fn get_object(&self, key: &str) -> BResult<Option<(u64, S3Body)>> {
        match self
            .client
            .get_object()
            .bucket(&self.cfg.bucket)
            .key(self.key(key))
            .send()
            .await
        {
            Ok(out) => {
                let len = out.content_length().unwrap_or(0).max(0) as u64;
                Ok(Some((len, out.body)))
            }
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(sdk_error(&format!("get {key}"), e)),
        }
    }

    async fn delete_object(&self, key: &str) -> BResult<()> {
        match self
            .client
            .delete_object()
            .bucket(&self.cfg.bucket)
            .key(self.key(key))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(sdk_error(&format!("delete {key}"), e)),
        }
    }

    fn rule_id(&self) -> String {
        let p: String = self
            .cfg
            .prefix
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        format!(
            "metadata-expire-1d{}{}",
            if p.is_empty() { "" } else { "-" },
            p
        )
    }

    /// The bucket's lifecycle rules (none when it has no configuration).
    async fn lifecycle_rules(&self) -> BResult<Vec<LifecycleRule>> {
        match self
            .client
            .get_bucket_lifecycle_configuration()
            .bucket(&self.cfg.bucket)
            .send()
            .await
        {
            Ok(out) => Ok(out.rules.unwrap_or_default()),
            Err(e) if is_not_found(&e) => Ok(Vec::new()),
            Err(e) => Err(sdk_error("get lifecycle", e)),
        }
    }

    /// Writes the bucket's lifecycle rules (deletes the configuration when there are none).
    async fn put_lifecycle_rules(&self, rules: Vec<LifecycleRule>) -> BResult<()> {
        if rules.is_empty() {
            self.client
                .delete_bucket_lifecycle()
                .bucket(&self.cfg.bucket)
                .send()
                .await
                .map_err(|e| sdk_error("delete lifecycle", e))?;
            return Ok(());
        }
        let config = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(BackendError::other)?;
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(&self.cfg.bucket)
            .lifecycle_configuration(config)
            .send()
            .await
            .map_err(|e| sdk_error("put lifecycle", e))?;
        Ok(())
    }

    /// Adds our one-day expiry rule to the bucket's lifecycle configuration when missing,
    /// keeping the rules already there.
    pub async fn ensure_lifecycle(&self) -> BResult<()> {
        let id = self.rule_id();
        let existing = self.lifecycle_rules().await?;
        if existing.iter().any(|r| r.id() == Some(id.as_str())) {
            return Ok(());
        }
        let ours = LifecycleRule::builder()
            .id(&id)
            .filter(
                LifecycleRuleFilter::builder()
                    .prefix(&self.cfg.prefix)
                    .build(),
            )
            .status(ExpirationStatus::Enabled)
            .expiration(LifecycleExpiration::builder().days(1).build())
            .build()
            .map_err(BackendError::other)?;
        let mut rules = existing;
        rules.push(ours);
        self.put_lifecycle_rules(rules).await?;
        info!(rule = %id, "set the bucket's one-day expiry rule");
        Ok(())
    }

    /// The one-day rule of this prefix, if the bucket has it (for tests and diagnostics).
    pub async fn lifecycle_days(&self) -> BResult<Option<i32>> {
        let id = self.rule_id();
        Ok(self
            .lifecycle_rules()
            .await?
            .iter()
            .find(|r| r.id() == Some(id.as_str()))
            .and_then(|r| r.expiration())
            .and_then(|e| e.days()))
    }

    /// Takes this prefix's rule out of the bucket's lifecycle configuration, keeping the
    /// others (when a deployment or test run that shared the bucket is gone). `false` when
    /// the rule was not there.
    pub async fn remove_lifecycle_rule(&self) -> BResult<bool> {
        let id = self.rule_id();
        let rules = self.lifecycle_rules().await?;
        let before = rules.len();
        let rest: Vec<LifecycleRule> = rules
            .into_iter()
            .filter(|r| r.id() != Some(id.as_str()))
            .collect();
        if rest.len() == before {
            return Ok(false);
        }
        self.put_lifecycle_rules(rest).await?;
        Ok(true)
    }
}

/// Turns the SDK's body into the download stream the gateway sends.
fn body_stream(body: S3Body) -> ByteStream {
    Box::pin(futures::stream::unfold(body, |mut body| async move {
        body.next()
            .await
            .map(|chunk| (chunk.map_err(std::io::Error::other), body))
    }))
}

#[async_trait]
impl FileStore for S3Files {
    async fn stage(&self, id: Uuid, path: &Path) -> BResult<String> {
        self.put_file(&format!("staging/{id}"), path, "application/octet-stream")
            .await?;
        let _ = tokio::fs::remove_file(path).await;
        Ok(id.to_string())
    }

    async fn stage_input(
        &self,
        id: Uuid,
        path: &Path,
        size: u64,
    ) -> BResult<crate::record::JobInput> {
        if size <= self.inline_max {
            let data = tokio::fs::read(path).await?;
            let _ = tokio::fs::remove_file(path).await;
            return Ok(crate::record::JobInput::Inline { data: data.into() });
        }
        let key = self.stage(id, path).await?;
        Ok(crate::record::JobInput::Staged { key, size })
    }

    fn inline_limit(&self) -> u64 {
        self.inline_max
    }

    async fn staged_path(&self, key: &str, scratch: &Path) -> BResult<PathBuf> {
        let id = check_key(key)?;
        let (_, mut body) = self
            .get_object(&format!("staging/{id}"))
            .await?
            .ok_or_else(|| BackendError::Other(format!("staged upload {key} is missing")))?;
        let dest = scratch.join("input");
        let mut file =
            tokio::io::BufWriter::with_capacity(256 * 1024, tokio::fs::File::create(&dest).await?);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                BackendError::Unavailable(format!("s3 get staging/{id}: {}", error_chain(&e)))
            })?;
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(dest)
    }

    async fn delete_staged(&self, key: &str) -> BResult<()> {
        let id = check_key(key)?;
        self.delete_object(&format!("staging/{id}")).await
    }

    async fn put_cleaned(&self, id: Uuid, path: &Path, mime: &str) -> BResult<String> {
        self.put_file(&format!("cleaned/{id}"), path, mime).await?;
        Ok(id.to_string())
    }

    async fn open_cleaned(&self, key: &str) -> BResult<Option<(u64, ByteStream)>> {
        let id = check_key(key)?;
        Ok(self
            .get_object(&format!("cleaned/{id}"))
            .await?
            .map(|(len, body)| (len, body_stream(body))))
    }

    async fn presigned_cleaned(
        &self,
        key: &str,
        mime: &str,
        disposition: &str,
        valid_for: Duration,
    ) -> BResult<Option<String>> {
        if !self.cfg.presigned_downloads {
            return Ok(None);
        }
        let id = check_key(key)?;
        let presign = PresigningConfig::expires_in(valid_for.max(Duration::from_secs(1)))
            .map_err(BackendError::other)?;
        let req = self
            .client
            .get_object()
            .bucket(&self.cfg.bucket)
            .key(self.key(&format!("cleaned/{id}")))
            .response_content_type(mime)
            .response_content_disposition(disposition)
            .response_cache_control("private, no-store")
            .presigned(presign)
            .await
            .map_err(|e| sdk_error("presign", e))?;
        Ok(Some(req.uri().to_string()))
    }

    async fn ready(&self) -> BResult<()> {
        let head = self.client.head_bucket().bucket(&self.cfg.bucket).send();
        match tokio::time::timeout(Duration::from_secs(3), head).await {
            Ok(Ok(_)) => Ok(()),
            // Whatever the store says, a bucket we cannot reach is an outage for readiness.
            Ok(Err(e)) => Err(BackendError::Unavailable(
                sdk_error(&format!("head bucket {}", self.cfg.bucket), e).to_string(),
            )),
            Err(_) => Err(BackendError::unavailable(format!(
                "s3: bucket {} did not answer within 3 s",
                self.cfg.bucket
            ))),
        }
    }
}

/// Logs instead of failing: the service enforces the 24-hour limit itself.
pub async fn ensure_lifecycle_logged(files: &S3Files) {
    if let Err(e) = files.ensure_lifecycle().await {
        warn!(error = %e, "could not set the bucket's expiry rule; cleaned files are still refused after their TTL");
    }
}
