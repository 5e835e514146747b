//! The API contract of design.md, end to end over HTTP against a real gateway.

use api_tests::fixtures::{self, contains};
use api_tests::{json, FileServer, TestApp, KEY_A, KEY_B};
use serde_json::Value;
use std::time::Duration;

const NOT_FOUND_MSG: &str = "No extraction found with the given UUID.";

fn assert_error(status: u16, body: &Value, want: u16) {
    assert_eq!(status, want, "body: {body}");
    assert_eq!(body["success"], false, "body: {body}");
    assert!(
        body["error"].as_str().is_some_and(|s| !s.is_empty()),
        "body: {body}"
    );
}

#[tokio::test]
async fn extract_upload_with_header_key() {
    let app = TestApp::spawn().await;
    let jpeg = fixtures::jpeg_with_metadata();
    let (status, body) = json(
        app.upload("/api/v1/extract", Some(KEY_A), "photo.jpg", jpeg.clone())
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["status"], "completed");
    assert_eq!(body["fileName"], "photo.jpg");
    assert!(uuid::Uuid::parse_str(body["uuid"].as_str().unwrap()).is_ok());
    let file = &body["metadata"]["file"];
    assert_eq!(file["Name"], "photo.jpg");
    assert_eq!(file["Size"], jpeg.len() as u64);
    assert_eq!(file["Type"], "image/jpeg");
    assert_eq!(file["FileType"], "JPEG");
    assert_eq!(file["MIMEType"], "image/jpeg");
}

#[tokio::test]
async fn extract_reads_exif_and_gps() {
    let app = TestApp::spawn().await;
    let (status, body) = json(
        app.upload(
            "/api/v1/extract",
            Some(KEY_A),
            "photo.jpg",
            fixtures::jpeg_with_metadata(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let exif = &body["metadata"]["exif"];
    assert_eq!(exif["Make"], "Canon", "{body}");
    assert_eq!(exif["Model"], "Canon EOS R5");
    assert_eq!(exif["Orientation"], "Rotate 90 CW");
    assert_eq!(exif["ExposureTime"], "1/1000");
    assert_eq!(exif["FNumber"], 2.8);
    assert_eq!(exif["DateTimeOriginal"], "2024:03:15 10:30:00");
    assert_eq!(exif["GPSLatitudeRef"], "North");
}

#[tokio::test]
async fn extract_with_query_key() {
    let app = TestApp::spawn().await;
    let part = reqwest::multipart::Part::bytes(fixtures::TINY_JPEG.to_vec()).file_name("q.jpg");
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/extract?key={KEY_B}")))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fileName"], "q.jpg");
}

#[tokio::test]
async fn extract_by_url_in_every_form() {
    let files = FileServer::start(vec![("remote.jpg", fixtures::jpeg_with_metadata())]).await;
    let app = TestApp::spawn().await;
    let url = files.url("/files/remote.jpg");

    // JSON body.
    let (status, body) = json(app.post_url("/api/v1/extract", Some(KEY_A), &url).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fileName"], "remote.jpg");
    assert_eq!(body["metadata"]["file"]["FileType"], "JPEG");

    // Query parameter, with no body at all.
    let resp = app
        .client
        .post(app.url("/api/v1/extract"))
        .query(&[("url", url.as_str()), ("key", KEY_A)])
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");

    // Query parameter with a JSON body that has no url.
    let resp = app
        .client
        .post(app.url("/api/v1/extract"))
        .query(&[("url", url.as_str())])
        .header("X-API-Key", KEY_A)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // urlencoded form field.
    let resp = app
        .client
        .post(app.url("/api/v1/extract"))
        .header("X-API-Key", KEY_A)
        .form(&[("url", url.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // multipart form field.
    let resp = app
        .client
        .post(app.url("/api/v1/extract"))
        .header("X-API-Key", KEY_A)
        .multipart(reqwest::multipart::Form::new().text("url", url.clone()))
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fileName"], "remote.jpg");
}

#[tokio::test]
async fn neither_or_both_inputs_are_400() {
    let files = FileServer::start(vec![("a.jpg", fixtures::TINY_JPEG.to_vec())]).await;
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(app.url("/api/v1/extract"))
        .header("X-API-Key", KEY_A)
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_error(status, &body, 400);
    assert!(body["error"].as_str().unwrap().contains("file"), "{body}");

    let part = reqwest::multipart::Part::bytes(fixtures::TINY_JPEG.to_vec()).file_name("a.jpg");
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("url", files.url("/files/a.jpg"));
    let resp = app
        .client
        .post(app.url("/api/v1/extract"))
        .header("X-API-Key", KEY_A)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_error(status, &body, 400);
    assert!(
        body["error"].as_str().unwrap().contains("not both"),
        "{body}"
    );

    let resp = app
        .client
        .post(app.url("/api/v1/extract"))
        .header("X-API-Key", KEY_A)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_error(status, &body, 400);

    let (status, body) = json(app.post_url("/api/v1/remove", Some(KEY_A), "").await).await;
    assert_error(status, &body, 400);
}

#[tokio::test]
async fn missing_or_unknown_keys_are_401() {
    let app = TestApp::spawn().await;
    let jpeg = fixtures::TINY_JPEG.to_vec();
    for path in ["/api/v1/extract", "/api/v1/remove"] {
        let (status, body) = json(app.upload(path, None, "a.jpg", jpeg.clone()).await).await;
        assert_error(status, &body, 401);
        assert_eq!(body["error"], "Invalid API key");
        let (status, body) =
            json(app.upload(path, Some("wrong"), "a.jpg", jpeg.clone()).await).await;
        assert_error(status, &body, 401);
        let resp = app
            .client
            .post(app.url(&format!("{path}?key=wrong")))
            .json(&serde_json::json!({"url": "http://example.com/a.jpg"}))
            .send()
            .await
            .unwrap();
        let (status, body) = json(resp).await;
        assert_error(status, &body, 401);
    }
}

#[tokio::test]
async fn lookup_by_uuid_follows_the_key_rules() {
    let app = TestApp::spawn().await;
    let (_, body) = json(
        app.upload(
            "/api/v1/extract",
            Some(KEY_A),
            "mine.jpg",
            fixtures::jpeg_with_metadata(),
        )
        .await,
    )
    .await;
    let id = body["uuid"].as_str().unwrap().to_string();
    let get = |q: &str| app.client.get(app.url(&format!("/api/v1/extract/{id}{q}")));

    // No key: found, with both spellings of the name.
    let (status, got) = json(get("").send().await.unwrap()).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["status"], "completed");
    assert_eq!(got["filename"], "mine.jpg");
    assert_eq!(got["fileName"], "mine.jpg");
    assert_eq!(got["uuid"], id.as_str());
    assert_eq!(got["metadata"], body["metadata"]);

    // The owner's key, as header and as query.
    assert_eq!(
        get("")
            .header("X-API-Key", KEY_A)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        get(&format!("?key={KEY_A}")).send().await.unwrap().status(),
        200
    );

    // Another valid key: not found.
    let (status, got) = json(get("").header("X-API-Key", KEY_B).send().await.unwrap()).await;
    assert_error(status, &got, 404);
    assert_eq!(got["error"], NOT_FOUND_MSG);

    // An invalid key: 401, header or query.
    let (status, got) = json(get("").header("X-API-Key", "nope").send().await.unwrap()).await;
    assert_error(status, &got, 401);
    let (status, got) = json(get("?key=nope").send().await.unwrap()).await;
    assert_error(status, &got, 401);

    // Unknown and malformed UUIDs.
    for other in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".to_string()] {
        let (status, got) = json(
            app.client
                .get(app.url(&format!("/api/v1/extract/{other}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &got, 404);
        assert_eq!(got["error"], NOT_FOUND_MSG);
    }
}

#[tokio::test]
async fn remove_then_download_a_clean_copy() {
    let app = TestApp::spawn_with(&[("PUBLIC_BASE_URL", "https://files.example.test/")]).await;
    let jpeg = fixtures::jpeg_with_metadata();
    let (status, body) = json(
        app.upload("/api/v1/remove", Some(KEY_A), "holiday.jpg", jpeg.clone())
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["status"], "completed");
    let id = body["uuid"].as_str().unwrap();
    assert_eq!(
        body["downloadUrl"],
        format!("https://files.example.test/download-cleaned/{id}")
    );
    let removed = &body["receipt"]["removed"];
    assert!(removed.as_object().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(body["receipt"]["sizeBefore"], jpeg.len() as u64);

    let resp = app
        .client
        .get(app.url(&format!("/download-cleaned/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.contains("holiday.jpg"), "{cd}");
    let clean = resp.bytes().await.unwrap();
    assert_eq!(body["receipt"]["sizeAfter"], clean.len() as u64);
    assert_eq!(&clean[..2], &[0xFF, 0xD8]);
    assert_eq!(&clean[clean.len() - 2..], &[0xFF, 0xD9]);
    for secret in [
        &b"Exif\0\0"[..],
        b"Canon EOS R5",
        b"Jane",
        b"a private comment",
        b"xmpmeta",
        b"8BIM",
    ] {
        assert!(
            !contains(&clean, secret),
            "cleaned file still has {:?}",
            String::from_utf8_lossy(secret)
        );
    }
    // The image data is untouched: the entropy-coded scan is byte-identical.
    let sos = |d: &[u8]| d.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    assert_eq!(&clean[sos(&clean)..], &jpeg[sos(&jpeg)..]);

    // Unknown UUID: 404; GET by UUID reports the remove job too.
    let resp = app
        .client
        .get(app.url(&format!("/download-cleaned/{}", uuid::Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    let (status, got) = json(resp).await;
    assert_error(status, &got, 404);
}

#[tokio::test]
async fn unsupported_remove_is_415_and_bad_keep_is_400() {
    let app = TestApp::spawn().await;
    let (status, body) = json(
        app.upload(
            "/api/v1/remove",
            Some(KEY_A),
            "notes.txt",
            b"hello world".to_vec(),
        )
        .await,
    )
    .await;
    assert_error(status, &body, 415);
    assert!(body["error"].as_str().unwrap().contains("JPEG"), "{body}");
    let resp = app
        .client
        .post(app.url("/api/v1/remove?keep=everything"))
        .header("X-API-Key", KEY_A)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(fixtures::TINY_JPEG.to_vec()).file_name("a.jpg"),
        ))
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_error(status, &body, 400);
}

#[tokio::test]
async fn cleaned_files_expire_with_410() {
    let app = TestApp::spawn_with(&[("FILE_TTL_SECS", "1"), ("SWEEP_INTERVAL_SECS", "1")]).await;
    let (status, body) = json(
        app.upload(
            "/api/v1/remove",
            Some(KEY_A),
            "a.jpg",
            fixtures::jpeg_with_metadata(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["uuid"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let (status, got) = json(
        app.client
            .get(app.url(&format!("/download-cleaned/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &got, 410);
    // The sweeper deleted the file itself, not only the right to download it. (In the
    // distributed mode the bucket's lifecycle rule deletes it, a day later at the soonest.)
    if !app.is_distributed() {
        assert!(!app.data_dir().join("cleaned").join(&id).exists());
    }
}

#[tokio::test]
async fn results_expire_with_404() {
    let app = TestApp::spawn_with(&[("RESULT_TTL_SECS", "1")]).await;
    let (_, body) = json(
        app.upload(
            "/api/v1/extract",
            Some(KEY_A),
            "a.jpg",
            fixtures::TINY_JPEG.to_vec(),
        )
        .await,
    )
    .await;
    let id = body["uuid"].as_str().unwrap().to_string();
    assert_eq!(
        app.client
            .get(app.url(&format!("/api/v1/extract/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let (status, got) = json(
        app.client
            .get(app.url(&format!("/api/v1/extract/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &got, 404);
}

#[tokio::test]
async fn results_and_files_survive_a_restart() {
    let app = TestApp::spawn().await;
    let (_, ext) = json(
        app.upload(
            "/api/v1/extract",
            Some(KEY_A),
            "a.jpg",
            fixtures::jpeg_with_metadata(),
        )
        .await,
    )
    .await;
    let (_, rem) = json(
        app.upload(
            "/api/v1/remove",
            Some(KEY_A),
            "b.jpg",
            fixtures::jpeg_with_metadata(),
        )
        .await,
    )
    .await;
    let app = app.restart().await;
    let id = ext["uuid"].as_str().unwrap();
    let (status, got) = json(
        app.client
            .get(app.url(&format!("/api/v1/extract/{id}")))
            .header("X-API-Key", KEY_A)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["metadata"], ext["metadata"]);
    let rid = rem["uuid"].as_str().unwrap();
    let resp = app
        .client
        .get(app.url(&format!("/download-cleaned/{rid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn ten_concurrent_uploads() {
    let app = TestApp::spawn().await;
    let futs = (0..10).map(|i| {
        let app = &app;
        async move {
            json(
                app.upload(
                    "/api/v1/extract",
                    Some(KEY_A),
                    &format!("f{i}.jpg"),
                    fixtures::jpeg_with_metadata(),
                )
                .await,
            )
            .await
        }
    });
    let results = futures::future::join_all(futs).await;
    let mut ids = std::collections::HashSet::new();
    for (i, (status, body)) in results.into_iter().enumerate() {
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["fileName"], format!("f{i}.jpg"));
        ids.insert(body["uuid"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 10);
}

#[tokio::test]
async fn private_and_odd_urls_are_refused() {
    let app = TestApp::spawn_with(&[("ALLOW_PRIVATE_URLS", "false")]).await;
    let files = FileServer::start(vec![("a.jpg", fixtures::TINY_JPEG.to_vec())]).await;
    let cases = [
        ("http://127.0.0.1/a.jpg", "loopback"),
        ("http://[::1]/a.jpg", "loopback"),
        ("http://10.1.2.3/a.jpg", "private"),
        ("http://192.168.0.10/a.jpg", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://0.0.0.0/a.jpg", "unspecified"),
        ("http://[::ffff:127.0.0.1]/a.jpg", "loopback"),
        ("http://100.64.0.1/a.jpg", "carrier-grade"),
        ("http://localhost/a.jpg", "loopback"),
        ("file:///etc/passwd", "scheme"),
        ("ftp://example.com/a.jpg", "scheme"),
        (&files.url("/files/a.jpg"), "loopback"),
        (
            &files.url(&format!("/redirect?to={}", files.url("/files/a.jpg"))),
            "loopback",
        ),
    ];
    for (url, why) in cases {
        for path in ["/api/v1/extract", "/api/v1/remove"] {
            let (status, body) = json(app.post_url(path, Some(KEY_A), url).await).await;
            assert_error(status, &body, 400);
            assert!(
                body["error"].as_str().unwrap().contains(why),
                "{url}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn uploads_over_the_limit_are_413() {
    let files = FileServer::start(vec![("big.bin", vec![0u8; 5000])]).await;
    let app = TestApp::spawn_with(&[("MAX_UPLOAD_BYTES", "1000")]).await;
    let (status, body) = json(
        app.upload(
            "/api/v1/extract",
            Some(KEY_A),
            "big.jpg",
            vec![0xFFu8; 5000],
        )
        .await,
    )
    .await;
    assert_error(status, &body, 413);
    // A body just under the Content-Length precheck still fails while streaming.
    let (status, body) = json(
        app.upload("/api/v1/remove", Some(KEY_A), "big.jpg", vec![0xFFu8; 1500])
            .await,
    )
    .await;
    assert_error(status, &body, 413);
    let (status, body) = json(
        app.post_url("/api/v1/extract", Some(KEY_A), &files.url("/files/big.bin"))
            .await,
    )
    .await;
    assert_error(status, &body, 413);
    // Within the limit: fine.
    let (status, _) = json(
        app.upload(
            "/api/v1/extract",
            Some(KEY_A),
            "ok.jpg",
            fixtures::TINY_JPEG.to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_PER_MINUTE", "2")]).await;
    for _ in 0..2 {
        let resp = app
            .upload(
                "/api/v1/extract",
                Some(KEY_A),
                "a.jpg",
                fixtures::TINY_JPEG.to_vec(),
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    let resp = app
        .upload(
            "/api/v1/extract",
            Some(KEY_A),
            "a.jpg",
            fixtures::TINY_JPEG.to_vec(),
        )
        .await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let (status, body) = json(resp).await;
    assert_error(status, &body, 429);
    // Per key: the other key is not limited.
    let resp = app
        .upload(
            "/api/v1/extract",
            Some(KEY_B),
            "a.jpg",
            fixtures::TINY_JPEG.to_vec(),
        )
        .await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn slow_jobs_answer_202_then_complete() {
    let files = FileServer::start(vec![("slow.jpg", fixtures::jpeg_with_metadata())]).await;
    let app = TestApp::spawn_with(&[("WAIT_TIMEOUT_MS", "200")]).await;
    let (status, body) = json(
        app.post_url("/api/v1/extract", Some(KEY_A), &files.url("/slow/slow.jpg"))
            .await,
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["status"], "processing");
    let id = body["uuid"].as_str().unwrap().to_string();
    let (status, got) = json(
        app.client
            .get(app.url(&format!("/api/v1/extract/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        got["status"] == "queued" || got["status"] == "processing",
        "{got}"
    );
    let mut last = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_, got) = json(
            app.client
                .get(app.url(&format!("/api/v1/extract/{id}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        last = got;
        if last["status"] == "completed" {
            break;
        }
    }
    assert_eq!(last["status"], "completed", "{last}");
    assert_eq!(last["fileName"], "slow.jpg");
}

#[tokio::test]
async fn fetch_errors_are_reported() {
    let files = FileServer::start(vec![]).await;
    let app = TestApp::spawn().await;
    let (status, body) = json(
        app.post_url(
            "/api/v1/extract",
            Some(KEY_A),
            &files.url("/files/missing.jpg"),
        )
        .await,
    )
    .await;
    assert_error(status, &body, 400);
    assert!(body["error"].as_str().unwrap().contains("404"), "{body}");
    // The failed job can be looked up, with its reason.
    let id = body["uuid"].as_str().unwrap();
    let (status, got) = json(
        app.client
            .get(app.url(&format!("/api/v1/extract/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["status"], "failed");
    assert!(got["error"].as_str().unwrap().contains("404"), "{got}");
}

#[tokio::test]
async fn cors_preflight_and_errors_are_json() {
    let app = TestApp::spawn_with(&[("CORS_ALLOWED_ORIGINS", "https://app.example.test")]).await;
    let resp = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/extract"))
        .header("Origin", "https://app.example.test")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "x-api-key, content-type")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example.test");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("x-api-key") && allowed.contains("content-type"),
        "{allowed}"
    );
    let resp = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/extract"))
        .header("Origin", "https://evil.example.test")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());

    let (status, body) = json(app.client.get(app.url("/nope")).send().await.unwrap()).await;
    assert_error(status, &body, 404);
    let (status, body) = json(
        app.client
            .delete(app.url("/api/v1/extract"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 405);
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let (status, body) = json(app.client.get(app.url("/healthz")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let (status, body) = json(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn first_start_without_keys_creates_one() {
    let app = TestApp::spawn_with(&[("API_KEYS", "")]).await;
    let key = app.initial_key.clone().expect("a key was created");
    let (status, _) = json(
        app.upload(
            "/api/v1/extract",
            Some(&key),
            "a.jpg",
            fixtures::TINY_JPEG.to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    // Stored hashed only (keys.json is the embedded store; the distributed one is Redis,
    // where tests/tests/distributed.rs checks the same).
    if !app.is_distributed() {
        let stored = std::fs::read_to_string(app.data_dir().join("keys.json")).unwrap();
        assert!(!stored.contains(&key));
    }
    // A restart does not create another one.
    let app = app.restart().await;
    assert!(app.initial_key.is_none());
    let (status, _) = json(
        app.upload(
            "/api/v1/extract",
            Some(&key),
            "a.jpg",
            fixtures::TINY_JPEG.to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn hostile_uploads_get_json_answers() {
    let app = TestApp::spawn().await;
    let mut inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xFF, 0xD8],
        vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF],
    ];
    let j = fixtures::jpeg_with_metadata();
    for n in (0..j.len()).step_by(37) {
        inputs.push(j[..n].to_vec());
    }
    for (i, data) in inputs.into_iter().enumerate() {
        for path in ["/api/v1/extract", "/api/v1/remove"] {
            let (status, body) = json(
                app.upload(path, Some(KEY_A), &format!("x{i}.jpg"), data.clone())
                    .await,
            )
            .await;
            assert!(
                matches!(status, 200 | 400 | 415),
                "{path} #{i}: {status} {body}"
            );
        }
    }
}

/// Extracts the metadata of `bytes` through the API.
async fn extract_json(app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let (status, body) = json(
        app.upload("/api/v1/extract", Some(KEY_A), name, bytes)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["metadata"].clone()
}

async fn remove_and_download(
    app: &TestApp,
    query: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (Value, Vec<u8>) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/remove{query}")))
        .header("X-API-Key", KEY_A)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");
    let id = body["uuid"].as_str().unwrap();
    let clean = app
        .client
        .get(app.url(&format!("/download-cleaned/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(clean.status(), 200);
    (body, clean.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn remove_receipt_counts_and_reextraction_is_clean() {
    let app = TestApp::spawn().await;
    let (body, clean) =
        remove_and_download(&app, "", "a.jpg", fixtures::jpeg_with_metadata()).await;
    let removed = body["receipt"]["removed"].as_object().unwrap().clone();
    for group in ["exif", "xmp", "iptc"] {
        assert!(
            removed.get(group).and_then(Value::as_u64).unwrap_or(0) > 0,
            "{group} not in receipt: {body}"
        );
    }
    let meta = extract_json(&app, "clean.jpg", clean).await;
    for group in ["exif", "xmp", "iptc", "photoshop", "makernotes"] {
        assert!(meta.get(group).is_none(), "{group} left: {meta}");
    }
    assert!(meta["file"].get("Comment").is_none(), "{meta}");
}

#[tokio::test]
async fn remove_keeps_what_is_asked() {
    let app = TestApp::spawn().await;
    // keep=orientation: the orientation survives, nothing else of EXIF does.
    let (_, clean) = remove_and_download(
        &app,
        "?keep=orientation",
        "a.jpg",
        fixtures::jpeg_with_metadata(),
    )
    .await;
    let meta = extract_json(&app, "clean.jpg", clean).await;
    assert_eq!(meta["exif"]["Orientation"], "Rotate 90 CW", "{meta}");
    assert!(
        meta["exif"].get("GPSLatitude").is_none() && meta["exif"].get("Make").is_none(),
        "{meta}"
    );

    // keep=copyright as a multipart field: copyright and artist survive, GPS does not.
    let part = reqwest::multipart::Part::bytes(fixtures::jpeg_with_metadata()).file_name("a.jpg");
    let form = reqwest::multipart::Form::new()
        .text("keep", "copyright")
        .part("file", part);
    let resp = app
        .client
        .post(app.url("/api/v1/remove"))
        .header("X-API-Key", KEY_A)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");
    let id = body["uuid"].as_str().unwrap();
    let clean = app
        .client
        .get(app.url(&format!("/download-cleaned/{id}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let meta = extract_json(&app, "clean.jpg", clean.to_vec()).await;
    let text = meta.to_string();
    assert!(text.contains("(c) 2024 Jane"), "{meta}");
    assert!(
        !text.contains("GPS") && !text.contains("Canon EOS R5"),
        "{meta}"
    );
}

/// The value of the sample `series` (name and labels, exactly as exported) in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(app: &TestApp, url: &str) -> String {
    let resp = app.client.get(url).send().await.expect("scrape");
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    jobs::metrics::check_exposition(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    text
}

/// Where the jobs' metrics are: the gateway in embedded mode, the workers' `METRICS_ADDR`
/// in distributed mode.
fn job_metrics_urls(app: &TestApp) -> Vec<String> {
    match app.cluster() {
        Some(c) => (0..api_tests::cluster::WORKERS)
            .map(|slot| c.worker_metrics_url(slot))
            .collect(),
        None => vec![format!("{}/metrics", app.base)],
    }
}

/// Waits until the sum of `series` over `urls` is at least `min` (a worker records a job
/// just after writing its result, so the answer may come first); returns the last texts.
async fn wait_for_sample(app: &TestApp, urls: &[String], series: &str, min: f64) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let mut texts = Vec::new();
        for u in urls {
            texts.push(scrape(app, u).await);
        }
        let total: f64 = texts.iter().filter_map(|t| sample(t, series)).sum();
        if total >= min {
            return texts;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{series} stayed below {min}:\n{}",
            texts.join("\n----\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn metrics_count_requests_jobs_and_the_queue() {
    let app = TestApp::spawn().await;
    let (status, body) = json(
        app.upload(
            "/api/v1/extract",
            Some(KEY_A),
            "photo.jpg",
            fixtures::jpeg_with_metadata(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["uuid"].as_str().unwrap().to_string();
    let (status, body) = json(
        app.upload(
            "/api/v1/remove",
            Some(KEY_A),
            "notes.txt",
            b"hello".to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 415, "{body}");
    // The lookup goes to the gateway that is scraped below (in distributed mode `app.url`
    // would send it to the other one).
    let lookup = app
        .client
        .get(format!("{}/api/v1/extract/{id}", app.base))
        .header("X-API-Key", KEY_A)
        .send()
        .await
        .unwrap();
    assert_eq!(lookup.status(), 200);
    let stray = app
        .client
        .get(format!("{}/no/such/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stray.status(), 404);

    let gateway = format!("{}/metrics", app.base);
    let text = scrape(&app, &gateway).await;
    for series in [
        r#"metadata_http_requests_total{method="POST",route="/api/v1/extract",status="200"}"#,
        r#"metadata_http_requests_total{method="POST",route="/api/v1/remove",status="415"}"#,
        r#"metadata_http_requests_total{method="GET",route="/api/v1/extract/{uuid}",status="200"}"#,
        r#"metadata_http_requests_total{method="GET",route="unmatched",status="404"}"#,
        r#"metadata_http_request_duration_seconds_count{route="/api/v1/extract/{uuid}"}"#,
        r#"metadata_http_request_duration_seconds_bucket{route="/api/v1/extract",le="+Inf"}"#,
    ] {
        assert!(
            sample(&text, series).is_some_and(|v| v >= 1.0),
            "{series}:\n{text}"
        );
    }
    // Routes are templates: no raw path (with its UUID) becomes a label.
    assert!(!text.contains(&id), "{text}");

    // The queue is empty once both jobs are done; in distributed mode the counts come
    // from RabbitMQ (polled every few seconds) and the three workers consume.
    let queue = r#"metadata_queue_depth{queue="jobs"}"#;
    let consumers = r#"metadata_queue_consumers{queue="jobs"}"#;
    let texts = wait_for_sample(&app, std::slice::from_ref(&gateway), consumers, 1.0).await;
    assert_eq!(sample(&texts[0], queue), Some(0.0), "{}", texts[0]);
    if app.is_distributed() {
        let want = api_tests::cluster::WORKERS as f64;
        wait_for_sample(&app, std::slice::from_ref(&gateway), consumers, want).await;
        for q in ["retry", "dead"] {
            let series = format!("metadata_queue_depth{{queue=\"{q}\"}}");
            assert!(
                sample(&texts[0], &series).is_some(),
                "{series}:\n{}",
                texts[0]
            );
        }
    }

    // Job latency by kind and format, and failures by reason, where the jobs ran.
    let urls = job_metrics_urls(&app);
    let extract = r#"metadata_job_duration_seconds_count{kind="extract",format="jpeg"}"#;
    let remove = r#"metadata_job_duration_seconds_count{kind="remove",format="txt"}"#;
    let failed = r#"metadata_job_failures_total{kind="remove",reason="unsupported"}"#;
    wait_for_sample(&app, &urls, extract, 1.0).await;
    wait_for_sample(&app, &urls, remove, 1.0).await;
    let texts = wait_for_sample(&app, &urls, failed, 1.0).await;
    let inf = r#"metadata_job_duration_seconds_bucket{kind="extract",format="jpeg",le="+Inf"}"#;
    let total: f64 = texts.iter().filter_map(|t| sample(t, inf)).sum();
    assert!(total >= 1.0, "{}", texts.join("\n----\n"));
}
