//! Jobs and their result records, as they travel on queues and live in stores.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Extract,
    Remove,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Processing,
    Completed,
    Failed,
}

impl Status {
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Failed)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Processing => "processing",
            Status::Completed => "completed",
            Status::Failed => "failed",
        }
    }
}

/// Where a job's input is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum JobInput {
    /// An upload the gateway staged in the file store under this key.
    Staged { key: String, size: u64 },
    /// An upload small enough to travel inside the job message (distributed mode).
    Inline {
        #[serde(with = "b64")]
        data: bytes::Bytes,
    },
    /// A URL the worker fetches (with the SSRF rules of [`crate::fetch`]).
    Url { url: String },
}

/// One unit of work.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub id: Uuid,
    pub kind: JobKind,
    pub input: JobInput,
    /// The file name the client gave (upload part name, or the URL's last path segment).
    pub file_name: Option<String>,
    /// The id of the API key that submitted the job (for the ownership rule).
    pub owner: Option<String>,
    /// `keep=` options of a remove job (`icc,orientation,copyright`).
    #[serde(default)]
    pub keep: String,
    pub created_at: u64,
    /// Delivery attempts so far (distributed mode counts its own, see the worker).
    #[serde(default)]
    pub attempt: u32,
}

/// Why a job failed; decides the HTTP status the gateway answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCode {
    /// The URL is not allowed (scheme, private address, ...): 400.
    BadUrl,
    /// The URL could not be fetched (DNS, connection, HTTP error status, timeout): 400.
    FetchFailed,
    /// Input larger than the configured limit: 413.
    TooLarge,
    /// A format that cannot be cleaned: 415.
    Unsupported,
    /// Bad request options (e.g. an unknown `keep` value): 400.
    BadRequest,
    /// Anything else (a bug, a crash in a parser, a storage error): 500.
    Internal,
}

impl FailureCode {
    pub fn http_status(self) -> u16 {
        match self {
            FailureCode::BadUrl | FailureCode::FetchFailed | FailureCode::BadRequest => 400,
            FailureCode::TooLarge => 413,
            FailureCode::Unsupported => 415,
            FailureCode::Internal => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: FailureCode,
    pub message: String,
}

impl Failure {
    pub fn new(code: FailureCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Failure::new(FailureCode::Internal, message)
    }
}

/// What a remove job produced: where the cleaned file is and the receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cleaned {
    pub file_key: String,
    pub mime: String,
    pub download_name: String,
    pub size_before: u64,
    pub size_after: u64,
    /// Removed items by group.
    pub removed: serde_json::Map<String, Value>,
    /// When the cleaned file stops being downloadable (Unix seconds).
    pub expires_at: u64,
}

/// The stored state of a job, as `GET /api/v1/extract/{uuid}` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: Uuid,
    pub kind: JobKind,
    pub status: Status,
    pub file_name: Option<String>,
    pub owner: Option<String>,
    pub created_at: u64,
    pub updated_at: u64,
    /// The extracted metadata as JSON text, made once by the worker and embedded as it is
    /// in every answer (never parsed back into a tree on the way out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<RawJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleaned: Option<Cleaned>,
}

/// A JSON value kept as its text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(pub Box<serde_json::value::RawValue>);

impl RawJson {
    /// Serializes `v` (no re-parsing: the text is produced once).
    pub fn of<T: Serialize + ?Sized>(v: &T) -> serde_json::Result<RawJson> {
        serde_json::value::to_raw_value(v).map(RawJson)
    }
    pub fn get(&self) -> &str {
        self.0.get()
    }
    /// Parses the text into a tree (tests and tools; the service never needs it).
    pub fn to_value(&self) -> serde_json::Result<Value> {
        serde_json::from_str(self.get())
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Record {
    pub fn queued(job: &Job) -> Record {
        Record {
            id: job.id,
            kind: job.kind,
            status: Status::Queued,
            file_name: job.file_name.clone(),
            owner: job.owner.clone(),
            created_at: job.created_at,
            updated_at: job.created_at,
            metadata: None,
            warnings: Vec::new(),
            failure: None,
            cleaned: None,
        }
    }

    /// The record of `job` as a worker starts it.
    pub fn processing(job: &Job) -> Record {
        let mut rec = Record::queued(job);
        rec.status = Status::Processing;
        rec.updated_at = crate::now_secs();
        rec
    }
}

pub(crate) mod b64 {
    //! Standard base64 without a dependency: inline uploads are small.
    use serde::{Deserialize, Deserializer, Serializer};

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(data))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bytes::Bytes, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        decode(&s)
            .map(bytes::Bytes::from)
            .ok_or_else(|| serde::de::Error::custom("invalid base64"))
    }

    pub fn encode(data: &[u8]) -> String {
        let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// Each byte's 6-bit value, or 0xFF when it is not in the alphabet.
    const DECODE: [u8; 256] = {
        let mut t = [0xFFu8; 256];
        let mut i = 0;
        while i < 64 {
            t[ALPHABET[i] as usize] = i as u8;
            i += 1;
        }
        t
    };

    pub fn decode(s: &str) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(s.len() / 4 * 3);
        let mut acc = 0u32;
        let mut bits = 0;
        for c in s.bytes() {
            if c == b'=' {
                break;
            }
            let v = DECODE[c as usize];
            if v == 0xFF {
                return None;
            }
            acc = (acc << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        Some(out)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn round_trip() {
            for n in 0..20 {
                let d: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
                assert_eq!(super::decode(&super::encode(&d)).unwrap(), d);
            }
            assert_eq!(super::encode(b"Man"), "TWFu");
            assert_eq!(super::encode(b"Ma"), "TWE=");
        }
    }
}
