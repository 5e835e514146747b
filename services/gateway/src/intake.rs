//! Reading what a client sends to `extract` / `remove`: a multipart part named `file`
//! (streamed to a temporary file, never held in memory), or a URL given as a JSON body,
//! a form field (multipart or urlencoded) or the `url` query parameter.

use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use axum::http::{header, Request};
use std::collections::HashMap;
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// An upload: small ones in memory, larger ones in a temporary file that is deleted
/// unless handed to the file store.
pub struct Upload {
    pub body: UploadBody,
    pub file_name: Option<String>,
    pub size: u64,
}

pub enum UploadBody {
    Memory(bytes::Bytes),
    File(TempPath),
}

/// Uploads up to this size are kept in memory (and travel inside the job when the file
/// store allows it): no temporary file, no disk round trip for the common small photo.
/// 64 concurrent uploads of this size are 64 MiB at most.
pub const MEMORY_UPLOAD_MAX: u64 = 1024 * 1024;

/// What the request asked for.
pub struct Intake {
    pub upload: Option<Upload>,
    pub url: Option<String>,
    pub keep: Option<String>,
}

/// Largest non-file body (JSON or urlencoded) accepted.
const SMALL_BODY_LIMIT: usize = 64 * 1024;

pub async fn read(
    state: &AppState,
    query: &HashMap<String, String>,
    req: Request<Body>,
) -> ApiResult<Intake> {
    let max = state.config.max_upload_bytes;
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        // Multipart framing adds a few hundred bytes around the file.
        if len > max.saturating_add(64 * 1024) {
            return Err(too_large(max));
        }
    }
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut intake = Intake {
        upload: None,
        url: None,
        keep: query.get("keep").cloned(),
    };
    if ctype.starts_with("multipart/form-data") {
        read_multipart(state, req, &mut intake).await?;
    } else if ctype.starts_with("application/json") {
        let body = small_body(req).await?;
        if !body.iter().all(u8::is_ascii_whitespace) {
            let v: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| ApiError::BadRequest(format!("Invalid JSON body: {e}")))?;
            let obj = v.as_object().ok_or_else(|| {
                ApiError::BadRequest(
                    "The JSON body must be an object like {\"url\": \"https://...\"}".into(),
                )
            })?;
            match obj.get("url") {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::String(s)) => intake.url = Some(s.clone()),
                Some(_) => return Err(ApiError::BadRequest("\"url\" must be a string".into())),
            }
            if let Some(k) = obj.get("keep") {
                intake.keep = Some(keep_value(k)?);
            }
        }
    } else if ctype.starts_with("application/x-www-form-urlencoded") {
        let body = small_body(req).await?;
        for (k, v) in url::form_urlencoded::parse(&body) {
            match k.as_ref() {
                "url" => intake.url = Some(v.into_owned()),
                "keep" => intake.keep = Some(v.into_owned()),
                _ => {}
            }
        }
    }
    if let Some(q) = query.get("url") {
        match &intake.url {
            Some(body_url) if body_url.trim() != q.trim() => {
                return Err(ApiError::BadRequest(
                    "Two different URLs were given (query parameter and body): give one".into(),
                ))
            }
            _ => intake.url = Some(q.clone()),
        }
    }
    if intake.url.as_deref().is_some_and(|u| u.trim().is_empty()) {
        return Err(ApiError::BadRequest("The 'url' parameter is empty".into()));
    }
    match (&intake.upload, &intake.url) {
        (Some(_), Some(_)) => Err(ApiError::BadRequest(
            "Both a file and a URL were given: send either a 'file' part or a 'url', not both".into(),
        )),
        (None, None) => Err(ApiError::BadRequest(
            "No input: send a multipart/form-data part named 'file', or a 'url' (JSON body {\"url\": ...}, form field or query parameter)".into(),
        )),
        _ => Ok(intake),
    }
}

fn keep_value(v: &serde_json::Value) -> ApiResult<String> {
    match v {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(","))
            .ok_or_else(|| {
                ApiError::BadRequest("\"keep\" must be a string or a list of strings".into())
            }),
        _ => Err(ApiError::BadRequest(
            "\"keep\" must be a string or a list of strings".into(),
        )),
    }
}

fn too_large(max: u64) -> ApiError {
    ApiError::TooLarge(format!("The file is too large: the limit is {max} bytes"))
}

async fn small_body(req: Request<Body>) -> ApiResult<bytes::Bytes> {
    axum::body::to_bytes(req.into_body(), SMALL_BODY_LIMIT)
        .await
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "The request body is larger than {SMALL_BODY_LIMIT} bytes"
            ))
        })
}

async fn read_multipart(
    state: &AppState,
    req: Request<Body>,
    intake: &mut Intake,
) -> ApiResult<()> {
    let max = state.config.max_upload_bytes;
    let mut mp = Multipart::from_request(req, state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("Invalid multipart body: {}", e.body_text())))?;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(e)),
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                if intake.upload.is_some() {
                    return Err(ApiError::BadRequest(
                        "Only one 'file' part per request".into(),
                    ));
                }
                let file_name = field.file_name().and_then(jobs::fetch::sanitize_name);
                let upload = stream_to_temp(state, field, max, file_name).await?;
                intake.upload = Some(upload);
            }
            "url" | "keep" => {
                let text = field.text().await.map_err(multipart_error)?;
                if text.len() > 8192 {
                    return Err(ApiError::BadRequest(format!(
                        "The '{name}' field is too long"
                    )));
                }
                if name == "url" {
                    intake.url = Some(text);
                } else {
                    intake.keep = Some(text);
                }
            }
            _ => {
                // Unknown parts are drained and ignored.
                let mut field = field;
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    drop(chunk);
                }
            }
        }
    }
    Ok(())
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::BadRequest(format!("Invalid multipart body: {}", e.body_text()))
}

async fn stream_to_temp(
    state: &AppState,
    mut field: axum::extract::multipart::Field<'_>,
    max: u64,
    file_name: Option<String>,
) -> ApiResult<Upload> {
    let in_memory = MEMORY_UPLOAD_MAX.min(state.backends.files.inline_limit());
    let write_err = |e: std::io::Error| ApiError::Internal(format!("writing an upload file: {e}"));
    let mut size: u64 = 0;
    let mut buf = bytes::BytesMut::new();
    let mut spilled: Option<(tokio::io::BufWriter<tokio::fs::File>, TempPath)> = None;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size += chunk.len() as u64;
        if size > max {
            return Err(too_large(max));
        }
        if let Some((file, _)) = spilled.as_mut() {
            file.write_all(&chunk).await.map_err(write_err)?;
            continue;
        }
        if size <= in_memory {
            buf.extend_from_slice(&chunk);
            continue;
        }
        // Too big for memory: move what we have to a temporary file and go on there.
        let tmp = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(&state.upload_dir)
            .map_err(|e| ApiError::Internal(format!("creating an upload file: {e}")))?;
        let (std_file, path) = tmp.into_parts();
        let mut file =
            tokio::io::BufWriter::with_capacity(256 * 1024, tokio::fs::File::from_std(std_file));
        file.write_all(&buf).await.map_err(write_err)?;
        file.write_all(&chunk).await.map_err(write_err)?;
        buf = bytes::BytesMut::new();
        spilled = Some((file, path));
    }
    let body = match spilled {
        Some((mut file, path)) => {
            file.flush().await.map_err(write_err)?;
            UploadBody::File(path)
        }
        None => UploadBody::Memory(buf.freeze()),
    };
    Ok(Upload {
        body,
        file_name,
        size,
    })
}
