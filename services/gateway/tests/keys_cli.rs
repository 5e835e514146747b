//! `gateway keys create|list|revoke` against a data directory, and the created key's use.

use std::process::Command;

fn gateway(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", data_dir)
        .output()
        .expect("gateway runs")
}

#[tokio::test]
async fn create_list_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let out = gateway(dir.path(), &["keys", "create", "--name", "ci robot"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(key.starts_with("mk_"), "{key}");
    let stored = std::fs::read_to_string(dir.path().join("keys.json")).unwrap();
    assert!(!stored.contains(&key), "the key itself must not be stored");

    let out = gateway(dir.path(), &["keys", "list"]);
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(
        listing.contains("ci robot") && listing.contains("active"),
        "{listing}"
    );
    assert!(!listing.contains(&key));
    let id = listing
        .lines()
        .find(|l| l.contains("ci robot"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    // The key works against a gateway on that data directory...
    let status = extract_status(dir.path(), &key).await;
    assert_eq!(status, 200);

    // ...until it is revoked.
    let out = gateway(dir.path(), &["keys", "revoke", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8(gateway(dir.path(), &["keys", "list"]).stdout)
            .unwrap()
            .contains("revoked")
    );
    assert_eq!(extract_status(dir.path(), &key).await, 401);

    assert!(!gateway(dir.path(), &["keys", "revoke", "key_nope"])
        .status
        .success());
    assert_eq!(
        gateway(dir.path(), &["keys", "create"]).status.code(),
        Some(2)
    );
}

async fn extract_status(data_dir: &std::path::Path, key: &str) -> u16 {
    let vars = [
        ("DATA_DIR", data_dir.display().to_string()),
        ("LISTEN_ADDR", "127.0.0.1:0".to_string()),
    ];
    let config =
        gateway::Config::from_map(vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            .unwrap();
    let app = gateway::Application::build(config).await.unwrap();
    assert!(
        app.initial_key().is_none(),
        "a stored key exists, so none is created"
    );
    let url = format!("http://{}/api/v1/extract", app.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_with_shutdown(async move {
        let _ = rx.await;
    }));
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"GIF89a".to_vec()).file_name("a.gif"),
    );
    let status = reqwest::Client::new()
        .post(url)
        .header("X-API-Key", key)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    let _ = tx.send(());
    let _ = server.await;
    status
}
