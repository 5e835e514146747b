//! The OpenAPI 3.1 document of the gateway, generated from the code: the `#[utoipa::path]`
//! annotations on the handlers (method, path, parameters, bodies, responses), the schema
//! types below (what the handlers answer), and the curl examples of the README attached to
//! each operation as `x-codeSamples`. Served at `/openapi.json`, rendered at `/docs`.
//!
//! The types here are documentation: the handlers build their answers with `json!`, and
//! the black-box tests check that the answers have the documented shape.

#![allow(dead_code)] // the schema types are read by utoipa's derives, not constructed

use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use utoipa::openapi::{self, RefOr};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Metadata API",
        description = DESCRIPTION,
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    paths(
        crate::handlers::extract,
        crate::handlers::get_result,
        crate::handlers::remove,
        crate::handlers::download,
        crate::handlers::healthz,
        crate::handlers::readyz,
        crate::handlers::metrics,
        crate::web::index,
        crate::web::docs,
        crate::web::openapi_json,
        crate::web::asset,
    ),
    components(schemas(
        ExtractAnswer, LookupAnswer, RemoveAnswer, Receipt, Processing, ErrorBody,
        UploadForm, UrlBody, UrlForm, Health, Ready,
    )),
    modifiers(&Security),
    tags(
        (name = "metadata", description = "Read a file's metadata, and look a result up by UUID."),
        (name = "remove", description = "Remove a file's metadata and download the clean copy (for 24 hours)."),
        (name = "operations", description = "Liveness and readiness probes, and metrics."),
        (name = "web", description = "The web page, this reference, and the document it is rendered from."),
    ),
)]
struct ApiDoc;

const DESCRIPTION: &str = "Reads all the metadata of a file (EXIF with GPS, IPTC, XMP, ICC, maker notes, and the metadata of video, audio, PDF and office files, named and printed the way ExifTool does), keeps every extraction for lookup by UUID, and removes metadata losslessly, serving the clean copy for 24 hours.

**Authentication.** Every call except `GET /api/v1/extract/{uuid}` and the download needs an API key, as the header `X-API-Key: KEY` or the query parameter `?key=KEY`. A missing or unknown key answers `401 {\"success\": false, \"error\": \"Invalid API key\"}`.

**Errors** are always JSON `{\"success\": false, \"error\": \"...\"}` with the status: 400 bad request or URL, 401 bad key, 404 unknown, 405 wrong method, 410 expired download, 413 too large, 415 a format that cannot be cleaned, 429 over the key's rate (with `Retry-After`), 500 internal, 503 a backend down. A job that failed also carries its `uuid` and `\"status\": \"failed\"`.

**Slow jobs.** When a job takes longer than the server's wait (`WAIT_TIMEOUT_SECS`), `extract` and `remove` answer `202 {\"success\": true, \"status\": \"processing\", \"uuid\": ...}`: poll `GET /api/v1/extract/{uuid}`.

**Browsers.** The API answers CORS preflights (allowing the `X-API-Key` and `Content-Type` headers) for the origins in `CORS_ALLOWED_ORIGINS`.

In the examples, `$KEY` is your API key and `http://127.0.0.1:8080` the server.";

/// The security schemes: the key as a header or as a query parameter.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        use openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKeyHeader",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "The API key as a header.",
            ))),
        );
        components.add_security_scheme(
            "apiKeyQuery",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "key",
                "The API key as the query parameter `?key=`.",
            ))),
        );
    }
}

/// The document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_string();
        let mut v = serde_json::to_value(&doc).unwrap_or_else(|_| json!({}));
        add_code_samples(&mut v);
        v
    })
}

/// The curl examples, by operation id; `$KEY` is the caller's key.
fn code_samples(operation_id: &str) -> &'static [(&'static str, &'static str)] {
    match operation_id {
        "extract" => &[
            ("Upload (header key)", "curl -s -X POST http://127.0.0.1:8080/api/v1/extract -H \"X-API-Key: $KEY\" -F \"file=@photo.jpg\""),
            ("Upload (query key)", "curl -s -X POST \"http://127.0.0.1:8080/api/v1/extract?key=$KEY\" -F \"file=@photo.jpg\""),
            ("URL in a JSON body", "curl -s -X POST http://127.0.0.1:8080/api/v1/extract -H \"X-API-Key: $KEY\" \\\n     -H \"Content-Type: application/json\" -d '{\"url\": \"https://example.com/image.jpg\"}'"),
            ("URL as a form field", "curl -s -X POST http://127.0.0.1:8080/api/v1/extract -H \"X-API-Key: $KEY\" --data-urlencode \"url=https://example.com/image.jpg\""),
            ("URL as a query parameter", "curl -s -X POST \"http://127.0.0.1:8080/api/v1/extract?key=$KEY&url=https://example.com/image.jpg\""),
        ],
        "getResult" => &[
            ("Without a key", "curl -s http://127.0.0.1:8080/api/v1/extract/123e4567-e89b-12d3-a456-426614174000"),
            ("Only this key's results", "curl -s http://127.0.0.1:8080/api/v1/extract/123e4567-e89b-12d3-a456-426614174000 -H \"X-API-Key: $KEY\""),
        ],
        "remove" => &[
            ("Upload", "curl -s -X POST http://127.0.0.1:8080/api/v1/remove -H \"X-API-Key: $KEY\" -F \"file=@photo.jpg\""),
            ("Keep the colour profile and the orientation", "curl -s -X POST \"http://127.0.0.1:8080/api/v1/remove?keep=icc,orientation\" -H \"X-API-Key: $KEY\" -F \"file=@photo.jpg\""),
            ("From a URL", "curl -s -X POST http://127.0.0.1:8080/api/v1/remove -H \"X-API-Key: $KEY\" \\\n     -H \"Content-Type: application/json\" -d '{\"url\": \"https://example.com/image.jpg\"}'"),
        ],
        "downloadCleaned" => &[(
            "Save under the original name",
            "curl -s -OJ http://127.0.0.1:8080/download-cleaned/123e4567-e89b-12d3-a456-426614174000",
        )],
        "healthz" => &[("Liveness", "curl -s http://127.0.0.1:8080/healthz")],
        "readyz" => &[("Readiness", "curl -s http://127.0.0.1:8080/readyz")],
        "metrics" => &[("Prometheus metrics", "curl -s http://127.0.0.1:8080/metrics")],
        "webPage" => &[("The page", "curl -s http://127.0.0.1:8080/")],
        "docsPage" => &[("This reference", "curl -s http://127.0.0.1:8080/docs")],
        "openapi" => &[("The document", "curl -s http://127.0.0.1:8080/openapi.json")],
        "asset" => &[("A page asset", "curl -s http://127.0.0.1:8080/assets/app.js")],
        _ => &[],
    }
}

fn add_code_samples(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let samples: Vec<Value> = code_samples(id)
                .iter()
                .map(|(label, source)| json!({"lang": "Shell", "label": label, "source": source}))
                .collect();
            if !samples.is_empty() {
                op["x-codeSamples"] = Value::Array(samples);
            }
        }
    }
}

// ---- Parameters and bodies ----

/// Query parameters of `extract` and `remove`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmitQuery {
    /// The URL of the file to read, instead of an upload (also accepted in the body).
    /// With both an upload and a URL, or two different URLs, the answer is 400.
    #[param(example = "https://example.com/image.jpg")]
    url: Option<String>,
    /// `remove` only: what to keep, comma-separated among `icc` (the colour profile),
    /// `orientation` and `copyright`. Unknown names are a 400.
    #[param(example = "icc,orientation")]
    keep: Option<String>,
}

/// A multipart upload: the part `file` (its file name is the result's `fileName`), or a
/// `url` field instead.
#[derive(ToSchema)]
pub struct UploadForm {
    /// The file.
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "application/octet-stream")]
    file: Option<Vec<u8>>,
    /// A URL to fetch instead of an upload.
    url: Option<String>,
    /// `remove` only: what to keep (`icc`, `orientation`, `copyright`, comma-separated).
    keep: Option<String>,
}

/// A URL as a JSON body.
#[derive(ToSchema)]
#[schema(example = json!({"url": "https://example.com/image.jpg"}))]
pub struct UrlBody {
    /// The `http` or `https` URL of the file; private and loopback addresses are refused.
    url: String,
    /// `remove` only: what to keep, as `"icc,orientation"` or `["icc", "orientation"]`.
    #[schema(value_type = Option<Value>)]
    keep: Option<Value>,
}

/// A URL as an urlencoded form.
#[derive(ToSchema)]
pub struct UrlForm {
    url: String,
    keep: Option<String>,
}

// ---- Answers ----

/// Metadata by group (ExifTool's family-0 groups in lower case: `file`, `exif` with the GPS
/// tags, `iptc`, `xmp`, `icc_profile`, `jfif`, `makernotes`, `composite`, `quicktime`, ...),
/// each a map of ExifTool tag names to values as `exiftool -json` prints them. Groups with
/// no tags are left out.
#[derive(ToSchema, Serialize)]
#[schema(value_type = HashMap<String, HashMap<String, Value>>, example = json!({
    "file": {"Name": "image.jpg", "Size": 123456, "Type": "image/jpeg", "FileType": "JPEG", "MIMEType": "image/jpeg", "ImageWidth": 640, "ImageHeight": 480},
    "exif": {"Make": "Canon", "Model": "EOS R5", "ExposureTime": "1/1000", "FNumber": 2.8, "ISO": 100, "GPSLatitude": "43 deg 28' 2.81\" N"},
    "composite": {"GPSPosition": "43 deg 28' 2.81\" N, 11 deg 53' 6.46\" E", "GPSLatitude": 43.4674472, "GPSLongitude": 11.8851278},
    "iptc": {"By-line": "John Doe", "CopyrightNotice": "© 2024"}
}))]
pub struct Metadata(HashMap<String, HashMap<String, Value>>);

/// `extract`'s answer.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"success": true, "status": "completed", "fileName": "image.jpg",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "metadata": {"file": {"Name": "image.jpg", "Size": 123456, "Type": "image/jpeg"},
                 "exif": {"Make": "Canon", "Model": "EOS R5", "ExposureTime": "1/1000", "FNumber": 2.8, "ISO": 100},
                 "iptc": {"By-line": "John Doe", "CopyrightNotice": "© 2024"}}}))]
pub struct ExtractAnswer {
    success: bool,
    /// `completed`.
    status: String,
    /// The uploaded file's name (from the multipart part, or the URL's last segment).
    file_name: Option<String>,
    /// Look the result up later with `GET /api/v1/extract/{uuid}`.
    uuid: uuid::Uuid,
    metadata: Metadata,
    /// What could not be read (a damaged or truncated file), when anything.
    warnings: Option<Vec<String>>,
}

/// What `remove` removed.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// Removed items by group (`exif`, `gps`, `xmp`, `iptc`, ...), in tags where the group
    /// has tags, else in blocks.
    #[schema(example = json!({"exif": 42, "gps": 9, "makernotes": 1}))]
    removed: BTreeMap<String, u64>,
    /// Bytes before.
    size_before: u64,
    /// Bytes after.
    size_after: u64,
}

/// `remove`'s answer.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"success": true, "status": "completed", "fileName": "image.jpg",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "downloadUrl": "http://127.0.0.1:8080/download-cleaned/123e4567-e89b-12d3-a456-426614174000",
    "expiresAt": 1767225600,
    "receipt": {"removed": {"exif": 42, "gps": 9}, "sizeBefore": 123456, "sizeAfter": 98765}}))]
pub struct RemoveAnswer {
    success: bool,
    /// `completed`.
    status: String,
    file_name: Option<String>,
    uuid: uuid::Uuid,
    /// Where to download the cleaned file (`<PUBLIC_BASE_URL>/download-cleaned/<uuid>`).
    download_url: String,
    /// When the download stops working (Unix seconds).
    expires_at: u64,
    receipt: Receipt,
}

/// `GET /api/v1/extract/{uuid}`: the stored result. A completed extraction carries
/// `metadata`, a completed removal `downloadUrl`, `expiresAt` and `receipt`, a failed job
/// `error`. The name is given as both `fileName` and `filename`.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"success": true, "status": "completed", "fileName": "image.jpg", "filename": "image.jpg",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "metadata": {"file": {"Name": "image.jpg", "Size": 123456, "Type": "image/jpeg"}}}))]
pub struct LookupAnswer {
    success: bool,
    /// `queued`, `processing`, `completed` or `failed`.
    #[schema(example = "completed")]
    status: String,
    uuid: uuid::Uuid,
    file_name: Option<String>,
    /// The same as `fileName` (the seed spells it both ways).
    #[serde(rename = "filename")]
    filename: Option<String>,
    metadata: Option<Metadata>,
    warnings: Option<Vec<String>>,
    download_url: Option<String>,
    expires_at: Option<u64>,
    receipt: Option<Receipt>,
    /// Why the job failed.
    error: Option<String>,
}

/// `202`: the job is still running; poll `GET /api/v1/extract/{uuid}`.
#[derive(ToSchema, Serialize)]
#[schema(example = json!({"success": true, "status": "processing", "uuid": "123e4567-e89b-12d3-a456-426614174000"}))]
pub struct Processing {
    success: bool,
    /// `processing`.
    status: String,
    uuid: uuid::Uuid,
}

/// Every error.
#[derive(ToSchema, Serialize)]
#[schema(example = json!({"success": false, "error": "Invalid API key"}))]
pub struct ErrorBody {
    /// Always `false`.
    success: bool,
    /// What went wrong, for a person.
    error: String,
    /// A job that failed: its UUID.
    uuid: Option<uuid::Uuid>,
    /// A job that failed: `failed`.
    status: Option<String>,
}

#[derive(ToSchema, Serialize)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    status: String,
}

#[derive(ToSchema, Serialize)]
#[schema(example = json!({"status": "ready", "mode": "embedded"}))]
pub struct Ready {
    /// `ready`.
    status: String,
    /// `embedded` or `distributed`.
    mode: String,
}

// ---- Error response sets ----

fn error_response(description: &str, example: &str) -> RefOr<openapi::Response> {
    use openapi::{ContentBuilder, ResponseBuilder};
    let schema = openapi::Ref::from_schema_name("ErrorBody");
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(schema))
                .example(Some(json!({"success": false, "error": example})))
                .build(),
        )
        .build()
        .into()
}

fn errors(codes: &[u16]) -> BTreeMap<String, RefOr<openapi::Response>> {
    let mut out = BTreeMap::new();
    for &code in codes {
        let (description, example) = match code {
            400 => ("Bad request: no input or both a file and a URL, a bad URL, a URL that could not be fetched, a bad `keep`, an invalid body.", "Both a file and a URL were given: send either a 'file' part or a 'url', not both"),
            401 => ("Missing or unknown API key (for the lookup: an invalid key; no key is fine).", "Invalid API key"),
            404 => ("Unknown or expired UUID (or another key's).", "No extraction found with the given UUID."),
            410 => ("The cleaned file has expired (cleaned files live 24 hours).", "The cleaned file has expired: cleaned files can be downloaded for 24 hours"),
            413 => ("The upload or the fetched file is larger than `MAX_UPLOAD_BYTES`.", "The file is too large: the limit is 104857600 bytes"),
            415 => ("A format whose metadata cannot be removed.", "This file format cannot be cleaned"),
            429 => ("Over the key's rate (`RATE_LIMIT_PER_MINUTE`); the `Retry-After` header says when to try again.", "Rate limit exceeded: try again in 12 s"),
            500 => ("Internal error (logged on the server).", "An error occurred while processing your request"),
            503 => ("A backend (queue, result store, file store) is down.", "Service unavailable: the queue is unreachable"),
            _ => ("Error.", "Error"),
        };
        let mut resp = error_response(description, example);
        if code == 429 {
            if let RefOr::T(r) = &mut resp {
                r.headers.insert(
                    "Retry-After".into(),
                    openapi::HeaderBuilder::new()
                        .schema(
                            openapi::ObjectBuilder::new()
                                .schema_type(openapi::schema::Type::Integer),
                        )
                        .description(Some("Seconds to wait before trying again."))
                        .build(),
                );
            }
        }
        out.insert(code.to_string(), resp);
    }
    out
}

/// The errors of `extract`.
pub struct ExtractErrors;
impl IntoResponses for ExtractErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::Response>> {
        errors(&[400, 401, 413, 429, 500, 503])
    }
}

/// The errors of `remove`.
pub struct RemoveErrors;
impl IntoResponses for RemoveErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::Response>> {
        errors(&[400, 401, 413, 415, 429, 500, 503])
    }
}

/// The errors of the lookup.
pub struct LookupErrors;
impl IntoResponses for LookupErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::Response>> {
        errors(&[401, 404, 500, 503])
    }
}

/// The errors of the download.
pub struct DownloadErrors;
impl IntoResponses for DownloadErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::Response>> {
        let mut e = errors(&[404, 410, 500, 503]);
        if let Some(RefOr::T(r)) = e.get_mut("404") {
            r.description = "Unknown UUID, not a removal, or not ready yet.".into();
        }
        e
    }
}

/// The 404 of an unknown page asset.
pub struct AssetErrors;
impl IntoResponses for AssetErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::Response>> {
        let mut e = errors(&[404]);
        if let Some(RefOr::T(r)) = e.get_mut("404") {
            r.description = "No such asset.".into();
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::document;
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// The routes `router()` in lib.rs registers, as (method, path), read from its source:
    /// axum cannot list a router's routes, and reading the code keeps the comparison honest.
    fn router_routes() -> BTreeSet<(String, String)> {
        let src = include_str!("lib.rs");
        let start = src.find("fn router(").expect("lib.rs has fn router");
        let body = &src[start..];
        let end = body.find("\n}\n").unwrap_or(body.len());
        let body = &body[..end];
        for unsupported in [".nest(", ".merge(", ".route_service(", ".nest_service("] {
            assert!(
                !body.contains(unsupported),
                "router() uses {unsupported}: teach this test to read it"
            );
        }
        let mut out = BTreeSet::new();
        let mut rest = body;
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            // The path literal, then the method router up to the matching parenthesis.
            let q1 = rest.find('"').expect("a path literal");
            let q2 = q1 + 1 + rest[q1 + 1..].find('"').expect("closing quote");
            let path = &rest[q1 + 1..q2];
            let mut depth = 1;
            let mut end = q2;
            for (j, c) in rest[q2..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = q2 + j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let methods = &rest[q2..end];
            let mut found = false;
            for m in ["get", "post", "put", "delete", "patch", "head", "options"] {
                let pat = format!("{m}(");
                let mut at = 0;
                while let Some(k) = methods[at..].find(&pat) {
                    let pos = at + k;
                    let before = methods[..pos].chars().last().unwrap_or(' ');
                    if !(before.is_alphanumeric() || before == '_' || before == ':') {
                        out.insert((m.to_string(), path.to_string()));
                        found = true;
                    }
                    at = pos + pat.len();
                }
            }
            assert!(found, "no method found for route {path}: {methods}");
        }
        out
    }

    fn documented() -> BTreeSet<(String, String)> {
        let doc = document();
        let mut out = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (m, _) in item.as_object().expect("path item") {
                if ["get", "post", "put", "delete", "patch", "head", "options"]
                    .contains(&m.as_str())
                {
                    out.insert((m.clone(), path.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn every_route_is_documented_and_nothing_else() {
        let routes = router_routes();
        assert!(routes.len() >= 10, "{routes:?}");
        assert_eq!(
            routes,
            documented(),
            "the router's routes (left) and the OpenAPI paths (right) differ"
        );
    }

    fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
        doc.pointer(reference.strip_prefix('#')?)
    }

    fn check_refs(doc: &Value, v: &Value, at: &str) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    assert!(resolve(doc, r).is_some(), "{at}: $ref {r} does not resolve");
                }
                for (k, x) in m {
                    check_refs(doc, x, &format!("{at}/{k}"));
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    check_refs(doc, x, &format!("{at}/{i}"));
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_document_is_well_formed() {
        let doc = document();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
        assert_eq!(doc["info"]["title"], "Metadata API");
        assert!(doc["info"]["version"].is_string());
        check_refs(doc, doc, "#");
        let mut ids = BTreeSet::new();
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            assert!(path.starts_with('/'));
            for (m, op) in item.as_object().unwrap() {
                let id = op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{m} {path}"));
                assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
                assert!(op["summary"].is_string() && op["description"].is_string());
                let responses = op["responses"].as_object().unwrap();
                assert!(!responses.is_empty());
                for (code, r) in responses {
                    assert!(code.len() == 3 && code.parse::<u16>().is_ok(), "{code}");
                    assert!(r["description"].is_string(), "{m} {path} {code}");
                }
                // Every {param} of the path is declared, in the path, required.
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                for seg in path.split('/').filter(|s| s.starts_with('{')) {
                    let name = seg.trim_matches(|c| c == '{' || c == '}');
                    assert!(
                        params.iter().any(|p| p["name"] == name
                            && p["in"] == "path"
                            && p["required"] == true),
                        "{m} {path}: path parameter {name} not declared"
                    );
                }
                for req in op["security"].as_array().unwrap() {
                    for name in req.as_object().unwrap().keys() {
                        assert!(schemes.contains_key(name), "unknown scheme {name}");
                    }
                }
                let samples = op["x-codeSamples"].as_array().expect("x-codeSamples");
                assert!(samples
                    .iter()
                    .all(|s| s["source"].as_str().unwrap().starts_with("curl ")));
            }
        }
    }

    #[test]
    fn design_md_is_covered() {
        let doc = document();
        let op = |m: &str, p: &str| doc["paths"][p][m].clone();
        let codes = |v: &Value| -> BTreeSet<String> {
            v["responses"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        let extract = op("post", "/api/v1/extract");
        let remove = op("post", "/api/v1/remove");
        for c in ["200", "202", "400", "401", "413", "429", "500", "503"] {
            assert!(codes(&extract).contains(c), "extract {c}");
            assert!(codes(&remove).contains(c), "remove {c}");
        }
        assert!(codes(&remove).contains("415"));
        for c in ["200", "401", "404"] {
            assert!(codes(&op("get", "/api/v1/extract/{uuid}")).contains(c));
        }
        for c in ["200", "404", "410"] {
            assert!(codes(&op("get", "/download-cleaned/{uuid}")).contains(c));
        }
        // Every input form of design.md: multipart `file`, JSON/urlencoded `url`, `?url=`.
        for o in [&extract, &remove] {
            let content = o["requestBody"]["content"].as_object().unwrap();
            for ct in [
                "multipart/form-data",
                "application/json",
                "application/x-www-form-urlencoded",
            ] {
                assert!(content.contains_key(ct), "{ct}");
            }
            let names: Vec<&str> = o["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p["name"].as_str())
                .collect();
            assert!(
                names.contains(&"url") && names.contains(&"keep"),
                "{names:?}"
            );
            assert_eq!(o["security"].as_array().unwrap().len(), 2);
        }
        // The key: header or query; optional on the lookup, absent on the download.
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["apiKeyHeader"]["name"], "X-API-Key");
        assert_eq!(schemes["apiKeyQuery"]["name"], "key");
        assert_eq!(schemes["apiKeyQuery"]["in"], "query");
        let lookup_security = op("get", "/api/v1/extract/{uuid}")["security"].clone();
        assert!(lookup_security
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_object().unwrap().is_empty()));
        let schemas = &doc["components"]["schemas"];
        for (schema, field) in [
            ("ExtractAnswer", "fileName"),
            ("ExtractAnswer", "metadata"),
            ("LookupAnswer", "filename"),
            ("RemoveAnswer", "downloadUrl"),
            ("RemoveAnswer", "receipt"),
            ("Receipt", "sizeBefore"),
            ("ErrorBody", "error"),
        ] {
            assert!(
                schemas[schema]["properties"][field].is_object(),
                "{schema}.{field}"
            );
        }
    }
}
