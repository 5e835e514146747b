//! API keys on requests: `X-API-Key` header or `?key=`. Keys from configuration and from
//! the key store are compared by SHA-256; the key itself is never logged or stored.

use axum::http::HeaderMap;
use jobs::backend::ApiKey;

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// The key a request carries, if any (header first, then the query).
pub fn presented(headers: &HeaderMap, query_key: Option<&str>) -> Option<String> {
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .or_else(|| query_key.map(|s| s.trim().to_string()))
}

/// Looks a presented key up: `Ok(None)` when none was presented, `Err(Unauthorized)` when
/// it is unknown or revoked.
pub async fn identify(state: &AppState, key: Option<&str>) -> ApiResult<Option<ApiKey>> {
    let Some(key) = key else { return Ok(None) };
    if key.is_empty() {
        return Err(ApiError::Unauthorized);
    }
    let hash = jobs::keys::hash(key);
    if let Some(k) = state.config_keys.iter().find(|k| k.hash == hash) {
        return Ok(Some(k.clone()));
    }
    match state.backends.keys.by_hash(&hash).await? {
        Some(k) if !k.revoked => Ok(Some(k)),
        _ => Err(ApiError::Unauthorized),
    }
}

/// Like [`identify`], for the calls that need a key.
pub async fn require(state: &AppState, key: Option<&str>) -> ApiResult<ApiKey> {
    identify(state, key).await?.ok_or(ApiError::Unauthorized)
}
