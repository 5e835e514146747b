//! The web page (`/`), the API reference (`/docs`), the OpenAPI document (`/openapi.json`)
//! and their assets. Everything is embedded in the binary at build time (`assets/`): no page
//! needs anything from another origin, which the Content-Security-Policy enforces.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The page assets: name, content type, bytes.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "docs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/docs.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/favicon.svg"),
    ),
];

const INDEX_HTML: &str = include_str!("../assets/index.html");
const DOCS_HTML: &str = include_str!("../assets/docs.html");

/// Same-origin only: scripts, styles, images and fetches; no frames, no inline code.
const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn page(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut resp = Response::new(body.into());
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

#[utoipa::path(get, path = "/", tag = "web", operation_id = "webPage",
    summary = "The web page",
    description = "Enter an API key (remembered in the browser), drop files or give a URL, read the metadata grouped and searchable with a summary (camera, lens, date, GPS position), remove it and download the clean copy.",
    responses((status = 200, description = "The page.", content_type = "text/html", body = String)),
    security(()))]
pub async fn index() -> Response {
    page("text/html; charset=utf-8", INDEX_HTML)
}

#[utoipa::path(get, path = "/docs", tag = "web", operation_id = "docsPage",
    summary = "This API reference",
    description = "Rendered in the browser from `/openapi.json`.",
    responses((status = 200, description = "The page.", content_type = "text/html", body = String)),
    security(()))]
pub async fn docs() -> Response {
    page("text/html; charset=utf-8", DOCS_HTML)
}

#[utoipa::path(get, path = "/openapi.json", tag = "web", operation_id = "openapi",
    summary = "The OpenAPI 3.1 document",
    description = "Generated from the gateway's code; the source of `/docs`.",
    responses((status = 200, description = "The document.", content_type = "application/json", body = Object)),
    security(()))]
pub async fn openapi_json() -> Response {
    let body = serde_json::to_vec(crate::openapi::document()).unwrap_or_default();
    page("application/json", body)
}

#[utoipa::path(get, path = "/assets/{name}", tag = "web", operation_id = "asset",
    summary = "A page asset",
    description = "The scripts, style sheet and icon of the pages, embedded in the binary.",
    params(("name" = String, Path, description = "The asset's file name.", example = "app.js")),
    responses((status = 200, description = "The asset.", content_type = "text/javascript", body = String),
        crate::openapi::AssetErrors),
    security(()))]
pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, ctype, bytes)) => page(ctype, *bytes),
        None => ApiError::NotFound("No such asset".into()).into_response(),
    }
}
