//! The API's handlers. Each one: authenticate, read the input, hand the job over, wait for
//! the result, and shape the answer of design.md.

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jobs::record::{Job, JobInput, JobKind, Record, Status};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tracing::{info, Instrument};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::{auth, intake, AppState};

#[utoipa::path(post, path = "/api/v1/extract", tag = "metadata", operation_id = "extract",
    summary = "Extract a file's metadata",
    description = "Upload a file as the multipart part `file`, or give a URL (JSON body `{\"url\": ...}`, a form field `url`, or the query parameter `?url=`). Answers at once with the metadata and a UUID to look it up later.",
    params(crate::openapi::SubmitQuery),
    request_body(content((crate::openapi::UploadForm = "multipart/form-data"),
        (crate::openapi::UrlBody = "application/json"), (crate::openapi::UrlForm = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "The metadata.", body = crate::openapi::ExtractAnswer),
        (status = 202, description = "Still running: poll the lookup.", body = crate::openapi::Processing),
        crate::openapi::ExtractErrors),
    security(("apiKeyHeader" = []), ("apiKeyQuery" = [])))]
pub async fn extract(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    submit(state, JobKind::Extract, query, headers, req)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

#[utoipa::path(post, path = "/api/v1/remove", tag = "remove", operation_id = "remove",
    summary = "Remove a file's metadata",
    description = "The same inputs as `extract`. Removes all metadata losslessly (the image or media data is copied as it is) and answers with a `downloadUrl` for the clean copy, valid for 24 hours, and a `receipt` of what was removed. `keep` spares the colour profile, the orientation or the copyright fields.",
    params(crate::openapi::SubmitQuery),
    request_body(content((crate::openapi::UploadForm = "multipart/form-data"),
        (crate::openapi::UrlBody = "application/json"), (crate::openapi::UrlForm = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "Cleaned: download it from `downloadUrl`.", body = crate::openapi::RemoveAnswer),
        (status = 202, description = "Still running: poll the lookup.", body = crate::openapi::Processing),
        crate::openapi::RemoveErrors),
    security(("apiKeyHeader" = []), ("apiKeyQuery" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    submit(state, JobKind::Remove, query, headers, req)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn submit(
    state: AppState,
    kind: JobKind,
    query: HashMap<String, String>,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Response> {
    let key = auth::require(
        &state,
        auth::presented(&headers, query.get("key").map(String::as_str)).as_deref(),
    )
    .await?;
    if state.config.rate_limit_per_minute > 0 {
        let d = state
            .backends
            .rate
            .hit(
                &key.id,
                state.config.rate_limit_per_minute,
                Duration::from_secs(60),
            )
            .await?;
        if let jobs::backend::RateDecision::Limited { retry_after_secs } = d {
            return Err(ApiError::RateLimited(retry_after_secs));
        }
    }
    let input = intake::read(&state, &query, req).await?;
    let keep = input.keep.clone().unwrap_or_default();
    if kind == JobKind::Remove {
        metacore::Keep::parse(&keep).map_err(ApiError::BadRequest)?;
    }
    let id = Uuid::new_v4();
    let span = tracing::info_span!("job", uuid = %id);
    async move {
        let (job_input, file_name) = match (input.upload, input.url) {
            (Some(upload), _) => {
                let input = match upload.body {
                    intake::UploadBody::Memory(data) => JobInput::Inline { data },
                    intake::UploadBody::File(path) => {
                        state
                            .backends
                            .files
                            .stage_input(id, &path, upload.size)
                            .await?
                    }
                };
                (input, upload.file_name)
            }
            (None, Some(url)) => {
                // Refuse what the worker would refuse, before queuing: 400 at once.
                jobs::fetch::check_url(&url, state.config.allow_private_urls).await?;
                (
                    JobInput::Url {
                        url: url.trim().to_string(),
                    },
                    None,
                )
            }
            (None, None) => return Err(ApiError::BadRequest("No input".into())),
        };
        let job = Job {
            id,
            kind,
            input: job_input,
            file_name,
            owner: Some(key.id.clone()),
            keep,
            created_at: jobs::now_secs(),
            attempt: 0,
        };
        let rec = Record::queued(&job);
        let queue = async {
            if let Err(e) = state.backends.queue.enqueue(&job).await {
                let mut failed = rec.clone();
                failed.status = Status::Failed;
                failed.failure = Some(jobs::Failure::internal(format!(
                    "could not queue the job: {e}"
                )));
                // Written once this future has returned its error, not before: the
                // waiter of `start_and_wait` listens for the job's completion while this
                // runs, and must answer the error (503), not this record (500).
                let (results, files) =
                    (state.backends.results.clone(), state.backends.files.clone());
                let staged = match &job.input {
                    JobInput::Staged { key, .. } => Some(key.clone()),
                    _ => None,
                };
                tokio::spawn(async move {
                    let _ = results.put(&failed).await;
                    if let Some(key) = staged {
                        let _ = files.delete_staged(&key).await;
                    }
                });
                return Err(e);
            }
            info!(kind = ?kind, "job queued");
            Ok(())
        };
        // (The wait may end before `queue` does: a job's completion can come before the
        // broker's confirm of its message. Either way it was accepted once this is Ok.)
        let rec = state
            .backends
            .results
            .start_and_wait(&rec, Box::pin(queue), state.config.wait_timeout)
            .await?;
        match kind {
            JobKind::Extract => jobs::metrics::JOBS_SUBMITTED_EXTRACT.inc(),
            JobKind::Remove => jobs::metrics::JOBS_SUBMITTED_REMOVE.inc(),
        }
        // Not done within the wait: the client is about to learn the UUID, so from now on
        // the job must survive a restart of the queue (a light job's message may not).
        if !rec.as_ref().is_some_and(|r| r.status.is_final()) {
            state.backends.queue.make_durable(&job).await?;
        }
        // No record: the result store lost it (a Redis restart); the job itself is safe in
        // the queue and its worker writes the record again. Answer like a slow job.
        let Some(rec) = rec else {
            tracing::warn!("the job's record is gone from the result store; answering 202");
            jobs::metrics::ANSWERS_ACCEPTED.inc();
            return Ok((
                StatusCode::ACCEPTED,
                Json(json!({"success": true, "status": "processing", "uuid": id.to_string()})),
            )
                .into_response());
        };
        match rec.status {
            Status::Completed => jobs::metrics::ANSWERS_COMPLETED.inc(),
            Status::Failed => jobs::metrics::ANSWERS_FAILED.inc(),
            _ => jobs::metrics::ANSWERS_ACCEPTED.inc(),
        }
        match rec.status {
            Status::Completed => {
                Ok((StatusCode::OK, Json(completed_body(&state, &rec, false))).into_response())
            }
            Status::Failed => Err(job_error(&rec)),
            Status::Queued | Status::Processing => Ok((
                StatusCode::ACCEPTED,
                Json(json!({"success": true, "status": "processing", "uuid": id.to_string()})),
            )
                .into_response()),
        }
    }
    .instrument(span)
    .await
}

fn job_error(rec: &Record) -> ApiError {
    let failure = rec
        .failure
        .clone()
        .unwrap_or_else(|| jobs::Failure::internal("unknown failure"));
    let status = StatusCode::from_u16(failure.code.http_status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(uuid = %rec.id, error = %failure.message, "job failed");
        return ApiError::Job {
            status,
            message: "An error occurred while processing your request".into(),
            uuid: rec.id.to_string(),
        };
    }
    ApiError::Job {
        status,
        message: failure.message,
        uuid: rec.id.to_string(),
    }
}

/// The answer for a finished job. `lookup` adds the `filename` spelling of the GET answer.
/// Serialized straight from the record: the metadata's JSON text is copied in as it is.
fn completed_body<'a>(state: &AppState, rec: &'a Record, lookup: bool) -> CompletedBody<'a> {
    let mut body = CompletedBody {
        success: true,
        status: rec.status.as_str(),
        uuid: rec.id,
        file_name: rec.file_name.as_deref(),
        filename: lookup.then_some(rec.file_name.as_deref()),
        metadata: None,
        warnings: None,
        download_url: None,
        expires_at: None,
        receipt: None,
    };
    match rec.kind {
        JobKind::Extract => {
            body.metadata = rec.metadata.as_ref().map(|m| &*m.0);
            body.warnings = Some(&rec.warnings).filter(|w| !w.is_empty());
        }
        JobKind::Remove => {
            if let Some(c) = &rec.cleaned {
                body.download_url = Some(format!(
                    "{}/download-cleaned/{}",
                    state.public_base_url, rec.id
                ));
                body.expires_at = Some(c.expires_at);
                body.receipt = Some(json!({
                    "removed": c.removed,
                    "sizeBefore": c.size_before,
                    "sizeAfter": c.size_after,
                }));
            }
        }
    }
    body
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct CompletedBody<'a> {
    success: bool,
    status: &'static str,
    uuid: Uuid,
    file_name: Option<&'a str>,
    #[serde(rename = "filename", skip_serializing_if = "Option::is_none")]
    filename: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a serde_json::value::RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<&'a Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    download_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<Value>,
}

const NOT_FOUND: &str = "No extraction found with the given UUID.";

#[utoipa::path(get, path = "/api/v1/extract/{uuid}", tag = "metadata", operation_id = "getResult",
    summary = "Look a result up by UUID",
    description = "The stored result of an `extract` or `remove`, with `status` one of `queued`, `processing`, `completed`, `failed` (and an `error` when failed). The key is optional: without one the result is returned; with a valid key only that key's own results are found (another key's UUID: 404); with an invalid key: 401.",
    params(("uuid" = uuid::Uuid, Path, description = "The `uuid` of an earlier answer.")),
    responses((status = 200, description = "The result.", body = crate::openapi::LookupAnswer),
        crate::openapi::LookupErrors),
    security((), ("apiKeyHeader" = []), ("apiKeyQuery" = [])))]
pub async fn get_result(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let presented = auth::presented(&headers, query.get("key").map(String::as_str));
    let key = auth::identify(&state, presented.as_deref()).await?;
    let id: Uuid = id
        .parse()
        .map_err(|_| ApiError::NotFound(NOT_FOUND.into()))?;
    let rec = state
        .backends
        .results
        .get(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(NOT_FOUND.into()))?;
    // Whole seconds: a result lives at least RESULT_TTL_SECS (up to one second more), so
    // that a lookup right after a slow answer does not fall on a second boundary.
    if rec.created_at.saturating_add(state.config.result_ttl_secs) < jobs::now_secs() {
        return Err(ApiError::NotFound(NOT_FOUND.into()));
    }
    if let Some(k) = key {
        if rec.owner.as_deref() != Some(k.id.as_str()) {
            return Err(ApiError::NotFound(NOT_FOUND.into()));
        }
    }
    let body = match rec.status {
        Status::Completed => return Ok(Json(completed_body(&state, &rec, true)).into_response()),
        Status::Failed => {
            let msg = match &rec.failure {
                Some(f) if f.code.http_status() != 500 => f.message.clone(),
                _ => "An error occurred while processing your request".into(),
            };
            json!({"success": true, "status": "failed", "uuid": rec.id.to_string(),
                   "fileName": rec.file_name, "filename": rec.file_name, "error": msg})
        }
        s => json!({"success": true, "status": s.as_str(), "uuid": rec.id.to_string(),
                    "fileName": rec.file_name, "filename": rec.file_name}),
    };
    Ok(Json(body).into_response())
}

#[utoipa::path(get, path = "/download-cleaned/{uuid}", tag = "remove", operation_id = "downloadCleaned",
    summary = "Download a cleaned file",
    description = "Streams the cleaned file of a `remove` (or redirects to it, see 307), for 24 hours (`FILE_TTL_SECS`), with its Content-Type and a Content-Disposition carrying the original name. No key needed: the UUID is the secret.",
    params(("uuid" = uuid::Uuid, Path, description = "The `uuid` of a `remove` answer.")),
    responses((status = 200, description = "The cleaned file.", content_type = "application/octet-stream", body = [u8],
            headers(("Content-Type" = String, description = "The file's MIME type."),
                ("Content-Disposition" = String, description = "`attachment` with the original file name."))),
        (status = 307, description = "Distributed mode with `S3_PRESIGNED_DOWNLOADS=true`: a redirect to a presigned S3 URL that serves the same file, type and name, valid until the file expires (at most an hour).",
            headers(("Location" = String, description = "The presigned URL."))),
        crate::openapi::DownloadErrors),
    security(()))]
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let missing = || ApiError::NotFound("No cleaned file found with the given UUID.".into());
    let gone = || {
        ApiError::Gone(
            "The cleaned file has expired: cleaned files can be downloaded for 24 hours".into(),
        )
    };
    let id: Uuid = id.parse().map_err(|_| missing())?;
    let rec = state.backends.results.get(id).await?.ok_or_else(missing)?;
    if rec.kind != JobKind::Remove {
        return Err(missing());
    }
    let Some(cleaned) = rec
        .cleaned
        .as_ref()
        .filter(|_| rec.status == Status::Completed)
    else {
        return Err(match rec.status {
            Status::Queued | Status::Processing => {
                ApiError::NotFound("The cleaned file is not ready yet".into())
            }
            _ => missing(),
        });
    };
    let now = jobs::now_secs();
    if cleaned.expires_at <= now {
        return Err(gone());
    }
    let disposition = content_disposition(&cleaned.download_name);
    let valid_for = Duration::from_secs((cleaned.expires_at - now).min(PRESIGNED_MAX_SECS));
    if let Some(url) = state
        .backends
        .files
        .presigned_cleaned(&cleaned.file_key, &cleaned.mime, &disposition, valid_for)
        .await?
    {
        let mut resp = StatusCode::TEMPORARY_REDIRECT.into_response();
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&url) {
            h.insert(header::LOCATION, v);
        }
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        return Ok(resp);
    }
    let (len, stream) = state
        .backends
        .files
        .open_cleaned(&cleaned.file_key)
        .await?
        .ok_or_else(gone)?;
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&cleaned.mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// The longest a presigned download URL is valid (never past the file's own expiry).
const PRESIGNED_MAX_SECS: u64 = 3600;

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "healthz",
    summary = "Liveness", description = "200 while the process serves HTTP.",
    responses((status = 200, description = "Alive.", body = crate::openapi::Health)), security(()))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "readyz",
    summary = "Readiness", description = "200 when the queue, the result store and the file store answer; 503 with what fails otherwise.",
    responses((status = 200, description = "Ready.", body = crate::openapi::Ready),
        (status = 503, description = "A backend is down.", body = crate::openapi::ErrorBody)), security(()))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let b = &state.backends;
    let checks = [
        ("queue", b.queue.ready().await),
        ("results", b.results.ready().await),
        ("files", b.files.ready().await),
    ];
    let failing: Vec<String> = checks
        .iter()
        .filter_map(|(n, r)| r.as_ref().err().map(|e| format!("{n}: {e}")))
        .collect();
    if failing.is_empty() {
        Json(json!({"status": "ready", "mode": state.mode})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"success": false, "status": "unavailable", "error": failing.join("; ")})),
        )
            .into_response()
    }
}

/// Prometheus metrics of this process.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    summary = "Metrics", description = "Prometheus text format: HTTP requests by route and their latency, jobs submitted and answered, job latency by kind and format (embedded mode), queue depth, backend connections.",
    responses((status = 200, description = "The metrics.", content_type = "text/plain", body = String)), security(()))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    state.backends.queue.refresh_metrics();
    let mut x = jobs::metrics::Exposition::new();
    crate::http_metrics::write_to(&mut x);
    jobs::metrics::write_to(&mut x);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        x.finish(),
    )
        .into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("Not found".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn disposition_is_safe() {
        let d = super::content_disposition("ph\"oto é.jpg");
        assert!(
            d.starts_with("attachment; filename=\"ph_oto _.jpg\""),
            "{d}"
        );
        assert!(d.ends_with("filename*=UTF-8''ph%22oto%20%C3%A9.jpg"), "{d}");
    }
}
