//! Cleaned files and staged uploads in S3-compatible storage (AWS S3, Garage, MinIO, ...),
//! path-style, signed with AWS Signature V4 by hand over reqwest: the service makes five
//! kinds of calls (put, get, delete object; head bucket; get/put lifecycle), which do not
//! justify the compile time of the full AWS SDK on the project's 2-core machines.
//!
//! Object keys: `S3_PREFIX` + `staging/<uuid>` (uploads waiting for a worker) and
//! `cleaned/<uuid>` (cleaned files). At startup the bucket gets a lifecycle rule expiring
//! everything under the prefix after one day (if no rule of ours is there yet); the
//! gateway also refuses downloads past the record's `expires_at`, since stores apply
//! lifecycle rules only about once a day.

use async_trait::async_trait;
use futures::StreamExt;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tracing::{info, warn};
use uuid::Uuid;

use crate::backend::*;
use crate::settings::S3Settings;

const UNSIGNED: &str = "UNSIGNED-PAYLOAD";

/// The S3 file store.
pub struct S3Files {
    cfg: S3Settings,
    http: reqwest::Client,
    /// Uploads up to this size travel inside the job message instead.
    inline_max: u64,
}

fn unavailable(e: impl std::fmt::Display) -> BackendError {
    BackendError::Unavailable(format!("s3: {e}"))
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
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(3))
            .read_timeout(Duration::from_secs(30))
            .build()?;
        Ok(S3Files {
            cfg,
            http,
            inline_max,
        })
    }

    fn object_url(&self, key: &str) -> String {
        format!(
            "{}/{}/{}{}",
            self.cfg.endpoint, self.cfg.bucket, self.cfg.prefix, key
        )
    }

    fn bucket_url(&self, subresource: Option<&str>) -> String {
        // No trailing slash, as the AWS SDKs send it (`/bucket?lifecycle`).
        match subresource {
            Some(s) => format!("{}/{}?{s}", self.cfg.endpoint, self.cfg.bucket),
            None => format!("{}/{}", self.cfg.endpoint, self.cfg.bucket),
        }
    }

    /// A signed request builder.
    fn request(
        &self,
        method: reqwest::Method,
        url: &str,
        payload_hash: &str,
        content_md5: Option<&str>,
    ) -> BResult<reqwest::RequestBuilder> {
        let parsed = url::Url::parse(url).map_err(BackendError::other)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let headers = sign(
            &self.cfg,
            method.as_str(),
            &parsed,
            payload_hash,
            content_md5,
            now,
        );
        let mut req = self.http.request(method, parsed);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        if let Some(md5) = content_md5 {
            req = req.header("content-md5", md5);
        }
        Ok(req)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> BResult<reqwest::Response> {
        let resp = req.send().await.map_err(unavailable)?;
        let status = resp.status();
        if status.is_server_error() {
            let body = resp.text().await.unwrap_or_default();
            return Err(unavailable(format!("{status}: {}", truncate(&body))));
        }
        Ok(resp)
    }

    async fn put_file(&self, key: &str, path: &Path, mime: &str) -> BResult<()> {
        let file = tokio::fs::File::open(path).await?;
        let len = file.metadata().await?.len();
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
            file,
            256 * 1024,
        ));
        let req = self
            .request(reqwest::Method::PUT, &self.object_url(key), UNSIGNED, None)?
            .header(reqwest::header::CONTENT_LENGTH, len)
            .header(reqwest::header::CONTENT_TYPE, mime)
            .body(body);
        let resp = self.send(req).await?;
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            return Err(BackendError::Other(format!(
                "s3 put {key}: {status}: {}",
                truncate(&body)
            )));
        }
        Ok(())
    }

    async fn get_object(&self, key: &str) -> BResult<Option<reqwest::Response>> {
        let req = self.request(
            reqwest::Method::GET,
            &self.object_url(key),
            &empty_hash(),
            None,
        )?;
        let resp = self.send(req).await?;
        match resp.status() {
            s if s.is_success() => Ok(Some(resp)),
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            s => {
                let body = resp.text().await.unwrap_or_default();
                Err(BackendError::Other(format!(
                    "s3 get {key}: {s}: {}",
                    truncate(&body)
                )))
            }
        }
    }

    async fn delete_object(&self, key: &str) -> BResult<()> {
        let req = self
            .request(
                reqwest::Method::DELETE,
                &self.object_url(key),
                &empty_hash(),
                None,
            )?
            .timeout(Duration::from_secs(10));
        let resp = self.send(req).await?;
        if resp.status().is_success() || resp.status() == reqwest::StatusCode::NOT_FOUND {
            Ok(())
        } else {
            Err(BackendError::Other(format!(
                "s3 delete {key}: {}",
                resp.status()
            )))
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

    /// Adds our one-day expiry rule to the bucket's lifecycle configuration when missing.
    pub async fn ensure_lifecycle(&self) -> BResult<()> {
        let id = self.rule_id();
        let req = self
            .request(
                reqwest::Method::GET,
                &self.bucket_url(Some("lifecycle")),
                &empty_hash(),
                None,
            )?
            .timeout(Duration::from_secs(10));
        let resp = self.send(req).await?;
        let existing = match resp.status() {
            s if s.is_success() => Some(resp.text().await.map_err(unavailable)?),
            reqwest::StatusCode::NOT_FOUND => None,
            s => {
                let body = resp.text().await.unwrap_or_default();
                return Err(BackendError::Other(format!(
                    "s3 get lifecycle: {s}: {}",
                    truncate(&body)
                )));
            }
        };
        if existing
            .as_deref()
            .is_some_and(|x| x.contains(&format!("<ID>{id}</ID>")))
        {
            return Ok(());
        }
        let rule = format!(
            "<Rule><ID>{id}</ID><Filter><Prefix>{}</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
            xml_escape(&self.cfg.prefix)
        );
        let body = match existing
            .as_deref()
            .and_then(|x| x.rfind("</LifecycleConfiguration>").map(|i| (x, i)))
        {
            Some((x, i)) if x.contains("<Rule>") => format!("{}{rule}{}", &x[..i], &x[i..]),
            _ => format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{rule}</LifecycleConfiguration>"
            ),
        };
        let md5 = crate::record::b64::encode(&md5::Md5::digest(body.as_bytes()));
        let hash = hex::encode(Sha256::digest(body.as_bytes()));
        let req = self
            .request(
                reqwest::Method::PUT,
                &self.bucket_url(Some("lifecycle")),
                &hash,
                Some(&md5),
            )?
            .timeout(Duration::from_secs(10))
            .body(body);
        let resp = self.send(req).await?;
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            return Err(BackendError::Other(format!(
                "s3 put lifecycle: {status}: {}",
                truncate(&body)
            )));
        }
        info!(rule = %id, "set the bucket's one-day expiry rule");
        Ok(())
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(300) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn empty_hash() -> String {
    hex::encode(Sha256::digest(b""))
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
        let resp = self
            .get_object(&format!("staging/{id}"))
            .await?
            .ok_or_else(|| BackendError::Other(format!("staged upload {key} is missing")))?;
        let dest = scratch.join("input");
        let mut file = tokio::io::BufWriter::new(tokio::fs::File::create(&dest).await?);
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk.map_err(unavailable)?).await?;
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
        let Some(resp) = self.get_object(&format!("cleaned/{id}")).await? else {
            return Ok(None);
        };
        let len = resp.content_length().unwrap_or(0);
        let stream = resp
            .bytes_stream()
            .map(|r| r.map_err(std::io::Error::other));
        Ok(Some((len, Box::pin(stream))))
    }

    async fn ready(&self) -> BResult<()> {
        let req = self
            .request(
                reqwest::Method::HEAD,
                &self.bucket_url(None),
                &empty_hash(),
                None,
            )?
            .timeout(Duration::from_secs(3));
        let resp = self.send(req).await?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(unavailable(format!(
                "bucket {} answered {}",
                self.cfg.bucket,
                resp.status()
            )))
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any size");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// `(YYYYMMDD, YYYYMMDDTHHMMSSZ)` of a Unix time.
fn amz_dates(secs: u64) -> (String, String) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let date = format!("{y:04}{m:02}{d:02}");
    let stamp = format!(
        "{date}T{:02}{:02}{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    );
    (date, stamp)
}

/// The canonical query string of SigV4: pairs sorted, `k=` for bare subresources.
fn canonical_query(url: &url::Url) -> String {
    let Some(q) = url.query() else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The headers that sign a request (`host` is set by the client from the URL).
fn sign(
    cfg: &S3Settings,
    method: &str,
    url: &url::Url,
    payload_hash: &str,
    content_md5: Option<&str>,
    now: u64,
) -> Vec<(&'static str, String)> {
    let (date, stamp) = amz_dates(now);
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    };
    let mut canon_headers = String::new();
    let mut signed = Vec::new();
    if let Some(md5) = content_md5 {
        canon_headers.push_str(&format!("content-md5:{md5}\n"));
        signed.push("content-md5");
    }
    canon_headers.push_str(&format!(
        "host:{host}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{stamp}\n"
    ));
    signed.extend(["host", "x-amz-content-sha256", "x-amz-date"]);
    let signed = signed.join(";");
    let canonical = format!(
        "{method}\n{}\n{}\n{canon_headers}\n{signed}\n{payload_hash}",
        url.path(),
        canonical_query(url)
    );
    let scope = format!("{date}/{}/s3/aws4_request", cfg.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac(
        format!("AWS4{}", cfg.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac(&k_date, cfg.region.as_bytes());
    let k_service = hmac(&k_region, b"s3");
    let k_signing = hmac(&k_service, b"aws4_request");
    let signature = hex::encode(hmac(&k_signing, to_sign.as_bytes()));
    vec![
        ("x-amz-date", stamp),
        ("x-amz-content-sha256", payload_hash.to_string()),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
                cfg.access_key_id
            ),
        ),
    ]
}

/// Logs instead of failing: the service enforces the 24-hour limit itself.
pub async fn ensure_lifecycle_logged(files: &S3Files) {
    if let Err(e) = files.ensure_lifecycle().await {
        warn!(error = %e, "could not set the bucket's expiry rule; cleaned files are still refused after their TTL");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            amz_dates(1_440_938_160),
            ("20150830".into(), "20150830T123600Z".into())
        );
        assert_eq!(amz_dates(951_782_400).0, "20000229");
    }

    /// Signatures checked against botocore's S3SigV4Auth (same keys, time and headers).
    #[test]
    fn signatures_match_botocore() {
        let cfg = S3Settings {
            endpoint: "https://examplebucket.s3.amazonaws.com".into(),
            bucket: "b".into(),
            region: "us-east-1".into(),
            prefix: String::new(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        };
        let sig = |u: &str| {
            let url = url::Url::parse(u).unwrap();
            let h = sign(&cfg, "GET", &url, &empty_hash(), None, 1_369_353_600);
            assert_eq!(h[0].1, "20130524T000000Z");
            h[2].1.clone()
        };
        let auth = sig("https://examplebucket.s3.amazonaws.com/test.txt");
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
        ));
        assert!(auth.ends_with(
            "Signature=df548e2ce037944d03f3e68682813b093763996d597cf890ca3d9037fd231eb4"
        ));
        assert!(sig("http://h:3900/b/?lifecycle").ends_with(
            "Signature=161d584da1f01cba2b6056c8cf0aac56db4cbeb96e8422a5e95f6708c023f26a"
        ));
        let url = url::Url::parse("http://h:3900/b/?lifecycle").unwrap();
        assert_eq!(canonical_query(&url), "lifecycle=");
    }
}
