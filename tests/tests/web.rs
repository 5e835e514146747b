//! The web page, the API reference and the OpenAPI document, over HTTP: everything is
//! served from the binary, nothing is loaded from another origin, and every documented
//! operation is a route the gateway really serves.

use api_tests::{json, TestApp, KEY_A};
use serde_json::Value;

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .send()
        .await
        .expect("request sent")
}

/// `src="..."` / `href="..."` values of an HTML text.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            out.push(rest[..end].to_string());
        }
    }
    out
}

#[tokio::test]
async fn pages_and_assets_come_from_the_binary() {
    let app = TestApp::spawn().await;
    for page in ["/", "/docs"] {
        let resp = get(&app, page).await;
        assert_eq!(resp.status(), 200, "{page}");
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
        let html = resp.text().await.unwrap();
        let refs = references(&html);
        assert!(refs.iter().any(|r| r.ends_with(".js")), "{page}: {refs:?}");
        for r in &refs {
            assert!(
                r.starts_with('/') && !r.starts_with("//") || r.starts_with('#'),
                "{page} refers to {r} outside the origin"
            );
            if r.starts_with("/assets/") {
                let a = get(&app, r).await;
                assert_eq!(a.status(), 200, "{r}");
                let body = a.text().await.unwrap();
                assert!(
                    !body.contains("@import") && !body.contains("url(http"),
                    "{r}"
                );
                assert!(!body.contains("fetch('http") && !body.contains("fetch(\"http"));
            }
        }
    }
    let (status, body) = json(get(&app, "/assets/nope.js").await).await;
    assert_eq!(status, 404);
    assert_eq!(body["success"], false);
}

#[tokio::test]
async fn the_page_has_labelled_controls() {
    let app = TestApp::spawn().await;
    let html = get(&app, "/").await.text().await.unwrap();
    for id in ["api-key", "file-input", "url-input", "lookup-input"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        assert!(
            html.contains(&format!("<label for=\"{id}\"")),
            "{id} has a label"
        );
    }
    assert!(html.contains("lang=\"en\""));
}

/// Replaces `{uuid}` and `{name}` in a documented path with values that reach the handler.
fn concrete(path: &str) -> String {
    path.replace("{uuid}", "123e4567-e89b-12d3-a456-426614174000")
        .replace("{name}", "app.js")
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = TestApp::spawn().await;
    let (status, doc) = json(get(&app, "/openapi.json").await).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    let paths = doc["paths"].as_object().unwrap();
    let mut served = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let url = app.url(&concrete(path));
            let req = match method.as_str() {
                "get" => app.client.get(&url),
                "post" => app.client.post(&url).header("X-API-Key", KEY_A),
                other => panic!("unexpected method {other}"),
            };
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            // The router's fallbacks: 404 "Not found" and 405.
            assert_ne!(status, 405, "{method} {path}");
            let fallback = status == 404
                && serde_json::from_str::<Value>(&text)
                    .map(|v| v["error"] == "Not found")
                    .unwrap_or(false);
            assert!(!fallback, "{method} {path} is documented but not routed");
            let documented = op["responses"].as_object().unwrap();
            assert!(
                documented.contains_key(&status.to_string()),
                "{method} {path} answered {status}, not documented"
            );
            served += 1;
        }
    }
    assert!(served >= 10);
}

#[tokio::test]
async fn answers_have_the_documented_fields() {
    let app = TestApp::spawn().await;
    let (_, doc) = json(get(&app, "/openapi.json").await).await;
    let schemas = &doc["components"]["schemas"];
    let jpeg = api_tests::fixtures::jpeg_with_metadata();
    let (status, extract) = json(
        app.upload("/api/v1/extract", Some(KEY_A), "a.jpg", jpeg.clone())
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, remove) = json(
        app.upload("/api/v1/remove", Some(KEY_A), "a.jpg", jpeg)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let (_, lookup) = json(
        get(
            &app,
            &format!("/api/v1/extract/{}", extract["uuid"].as_str().unwrap()),
        )
        .await,
    )
    .await;
    let (_, error) = json(
        app.upload("/api/v1/extract", Some("wrong"), "a.jpg", vec![1])
            .await,
    )
    .await;
    for (name, answer) in [
        ("ExtractAnswer", &extract),
        ("RemoveAnswer", &remove),
        ("Receipt", &remove["receipt"]),
        ("LookupAnswer", &lookup),
        ("ErrorBody", &error),
    ] {
        let props = schemas[name]["properties"].as_object().unwrap();
        for key in answer.as_object().unwrap().keys() {
            assert!(props.contains_key(key), "{name} does not document {key}");
        }
        for req in schemas[name]["required"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let req = req.as_str().unwrap();
            assert!(
                answer.get(req).is_some(),
                "{name}: {req} is required but missing"
            );
        }
    }
}
