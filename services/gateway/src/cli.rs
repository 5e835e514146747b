//! `gateway keys ...`: create, list and revoke API keys in the configured key store.

use std::process::ExitCode;

use crate::config::Config;

pub const USAGE: &str = "usage:
  gateway [serve]                      run the API (configuration from the environment)
  gateway keys create --name NAME      create an API key; prints it once
  gateway keys list                    list keys (ids and names, never the keys)
  gateway keys revoke ID               revoke a key";

pub async fn keys(config: &Config, args: &[String]) -> ExitCode {
    let store = match crate::key_store(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open the key store: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let result = match args.first().map(String::as_str) {
        Some("create") => {
            let name = match args.get(1).map(String::as_str) {
                Some("--name") => args.get(2).cloned(),
                Some(n) if n.starts_with("--name=") => Some(n["--name=".len()..].to_string()),
                _ => None,
            };
            let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            };
            let (key, rec) = jobs::keys::generate(&name);
            store.insert(&rec).await.map(|_| {
                println!("{key}");
                eprintln!(
                    "created key {} ({}); the key above is shown only once",
                    rec.id, rec.name
                );
            })
        }
        Some("list") => store.list().await.map(|keys| {
            println!("{:<18} {:<8} {:<12} name", "id", "status", "created");
            for k in keys {
                println!(
                    "{:<18} {:<8} {:<12} {}",
                    k.id,
                    if k.revoked { "revoked" } else { "active" },
                    k.created_at,
                    k.name
                );
            }
        }),
        Some("revoke") => {
            let Some(id) = args.get(1) else {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            };
            match store.revoke(id).await {
                Ok(true) => {
                    println!("revoked {id}");
                    Ok(())
                }
                Ok(false) => {
                    eprintln!("no key with id {id}");
                    return ExitCode::FAILURE;
                }
                Err(e) => Err(e),
            }
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("key store error: {e}");
            ExitCode::FAILURE
        }
    }
}
