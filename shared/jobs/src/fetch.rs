//! URL intake that cannot be turned against the service's own network (SSRF).
//!
//! Rules: http and https only; every address the host resolves to (and every redirect's)
//! must be public: not loopback, private, link-local (cloud metadata), CGNAT, multicast,
//! unspecified, reserved, documentation, nor an IPv6 form of these (IPv4-mapped, NAT64,
//! 6to4, unique-local, site-local). The connection goes to the address that was checked
//! (the client is pinned to it, there is no second lookup). Redirects are followed by hand,
//! each hop checked again, at most [`FetchConfig::max_redirects`]. Time and size are bounded.

use futures::StreamExt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use url::Url;

use crate::record::{Failure, FailureCode};

#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Lets URLs reach loopback and private addresses: for tests only.
    pub allow_private: bool,
    pub max_bytes: u64,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_redirects: usize,
    /// Addresses exempt from the rules. Only tests set this (to serve a first hop from a
    /// loopback address other than 127.0.0.1); it is not configurable from outside.
    pub exempt: Vec<IpAddr>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            allow_private: false,
            max_bytes: 100 * 1024 * 1024,
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(60),
            max_redirects: 5,
            exempt: Vec::new(),
        }
    }
}

/// What was fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub size: u64,
    /// From Content-Disposition, else the last segment of the final URL's path.
    pub file_name: String,
}

fn bad(msg: impl Into<String>) -> Failure {
    Failure::new(FailureCode::BadUrl, msg)
}

/// Why `ip` may not be fetched, or `None` when it is a public address.
pub fn blocked_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() || o[0] == 0 {
        Some("an unspecified address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address (cloud metadata range)")
    } else if o[0] == 100 && (o[1] & 0xC0) == 64 {
        Some("a carrier-grade NAT address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if ip.is_broadcast()
        || o[0] >= 240
        || (o[0] == 192 && o[1] == 0 && (o[2] == 0 || o[2] == 2))
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)
        || (o[0] == 203 && o[1] == 0 && o[2] == 113)
        || (o[0] == 198 && (o[1] & 0xFE) == 18)
    {
        Some("a reserved address")
    } else {
        None
    }
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_reason(v4);
    }
    if s[..6].iter().all(|&x| x == 0) {
        return v4_reason(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    // NAT64 (64:ff9b::/96) embeds an IPv4 address in the last 32 bits.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0) {
        return v4_reason(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    // 6to4 (2002::/16) embeds one in bits 16..48.
    if s[0] == 0x2002 {
        return v4_reason(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    if (s[0] & 0xfe00) == 0xfc00 {
        return Some("a private address (unique local)");
    }
    if (s[0] & 0xffc0) == 0xfe80 {
        return Some("a link-local address");
    }
    if (s[0] & 0xffc0) == 0xfec0 {
        return Some("a site-local address");
    }
    if (s[0] & 0xff00) == 0xff00 {
        return Some("a multicast address");
    }
    if s[0] == 0x2001 && (s[1] == 0x0db8 || s[1] == 0) {
        return Some("a reserved address");
    }
    None
}

/// Parses and checks `raw` without touching the network beyond DNS: scheme, host, and every
/// address the host resolves to. Returns the URL and the addresses to connect to.
pub async fn check_url(raw: &str, allow_private: bool) -> Result<(Url, Vec<SocketAddr>), Failure> {
    check_url_except(raw, allow_private, &[]).await
}

async fn check_url_except(
    raw: &str,
    allow_private: bool,
    exempt: &[IpAddr],
) -> Result<(Url, Vec<SocketAddr>), Failure> {
    let url = Url::parse(raw.trim()).map_err(|e| bad(format!("invalid URL: {e}")))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad(format!(
            "URL scheme '{}' is not allowed: only http and https URLs can be fetched",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("URLs with credentials are not allowed"));
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| bad("URL has no port"))?;
    let addrs: Vec<SocketAddr> = match url.host() {
        None => return Err(bad("URL has no host")),
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(url::Host::Domain(d)) => {
            let lookup = tokio::time::timeout(
                Duration::from_secs(10),
                tokio::net::lookup_host((d.to_string(), port)),
            )
            .await
            .map_err(|_| {
                Failure::new(
                    FailureCode::FetchFailed,
                    format!("DNS lookup of '{d}' timed out"),
                )
            })?
            .map_err(|e| {
                Failure::new(
                    FailureCode::FetchFailed,
                    format!("cannot resolve '{d}': {e}"),
                )
            })?;
            let v: Vec<SocketAddr> = lookup.collect();
            if v.is_empty() {
                return Err(Failure::new(
                    FailureCode::FetchFailed,
                    format!("'{d}' has no address"),
                ));
            }
            v
        }
    };
    if !allow_private {
        for a in addrs.iter().filter(|a| !exempt.contains(&a.ip())) {
            if let Some(why) = blocked_reason(a.ip()) {
                return Err(bad(format!(
                    "URL not allowed: its host resolves to {why} ({}); only public addresses can be fetched",
                    a.ip()
                )));
            }
        }
    }
    Ok((url, addrs))
}

/// Fetches `raw` into the file `dest` (created or truncated), following the rules above.
pub async fn fetch_to_file(raw: &str, cfg: &FetchConfig, dest: &Path) -> Result<Fetched, Failure> {
    let deadline = tokio::time::Instant::now() + cfg.total_timeout;
    let mut current = raw.to_string();
    for _hop in 0..=cfg.max_redirects {
        let (url, addrs) = check_url_except(&current, cfg.allow_private, &cfg.exempt).await?;
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(cfg.connect_timeout)
            .user_agent(concat!("metadata-api/", env!("CARGO_PKG_VERSION")));
        if let Some(url::Host::Domain(d)) = url.host() {
            builder = builder.resolve_to_addrs(d, &addrs);
        }
        let client = builder
            .build()
            .map_err(|e| Failure::internal(format!("HTTP client: {e}")))?;
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let resp = tokio::time::timeout(remaining, client.get(url.clone()).send())
            .await
            .map_err(|_| Failure::new(FailureCode::FetchFailed, "fetching the URL timed out"))?
            .map_err(|e| {
                Failure::new(
                    FailureCode::FetchFailed,
                    format!("cannot fetch the URL: {}", error_chain(&e)),
                )
            })?;
        let status = resp.status();
        if status.is_redirection() {
            let loc = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    Failure::new(FailureCode::FetchFailed, "redirect without a Location")
                })?;
            let next = url.join(loc).map_err(|e| {
                Failure::new(FailureCode::FetchFailed, format!("bad redirect: {e}"))
            })?;
            current = next.to_string();
            continue;
        }
        if !status.is_success() {
            return Err(Failure::new(
                FailureCode::FetchFailed,
                format!("the URL answered HTTP {}", status.as_u16()),
            ));
        }
        if let Some(len) = resp.content_length() {
            if len > cfg.max_bytes {
                return Err(too_large(cfg.max_bytes));
            }
        }
        let file_name = disposition_name(resp.headers()).unwrap_or_else(|| name_from_url(&url));
        let mut file = tokio::fs::File::create(dest)
            .await
            .map_err(|e| Failure::internal(format!("temp file: {e}")))?;
        let mut size: u64 = 0;
        let mut stream = resp.bytes_stream();
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let chunk = match tokio::time::timeout(remaining, stream.next()).await {
                Err(_) => {
                    return Err(Failure::new(
                        FailureCode::FetchFailed,
                        "fetching the URL timed out",
                    ))
                }
                Ok(None) => break,
                Ok(Some(c)) => c.map_err(|e| {
                    Failure::new(
                        FailureCode::FetchFailed,
                        format!("reading the URL failed: {}", error_chain(&e)),
                    )
                })?,
            };
            size += chunk.len() as u64;
            if size > cfg.max_bytes {
                return Err(too_large(cfg.max_bytes));
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| Failure::internal(format!("temp file: {e}")))?;
        }
        file.flush()
            .await
            .map_err(|e| Failure::internal(format!("temp file: {e}")))?;
        return Ok(Fetched { size, file_name });
    }
    Err(Failure::new(
        FailureCode::FetchFailed,
        format!("too many redirects (more than {})", cfg.max_redirects),
    ))
}

fn too_large(max: u64) -> Failure {
    Failure::new(
        FailureCode::TooLarge,
        format!("the file is larger than the limit of {max} bytes"),
    )
}

/// An error and its sources on one line (clients' `Display` often says only "error
/// sending request" or "dispatch failure").
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

fn disposition_name(h: &reqwest::header::HeaderMap) -> Option<String> {
    let v = h.get(reqwest::header::CONTENT_DISPOSITION)?.to_str().ok()?;
    let idx = v.find("filename=")?;
    let name = v[idx + 9..].split(';').next()?.trim().trim_matches('"');
    sanitize_name(name)
}

fn name_from_url(url: &Url) -> String {
    url.path_segments()
        .and_then(|mut s| s.next_back().map(str::to_string))
        .and_then(|n| sanitize_name(&percent_decode(&n)))
        .unwrap_or_else(|| "download".to_string())
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// A file name safe to echo back and to put in Content-Disposition: no path, no control
/// characters, at most 255 bytes.
pub fn sanitize_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return None;
    }
    let mut out = String::new();
    for c in cleaned.chars() {
        if out.len() + c.len_utf8() > 255 {
            break;
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(s: &str) -> bool {
        blocked_reason(s.parse().unwrap()).is_some()
    }

    #[test]
    fn classifies_addresses() {
        for ip in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "192.0.2.1",
        ] {
            assert!(blocked(ip), "{ip} should be blocked");
        }
        for ip in [
            "8.8.8.8",
            "93.184.216.34",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "172.32.0.1",
        ] {
            assert!(!blocked(ip), "{ip} should be allowed");
        }
    }

    #[tokio::test]
    async fn rejects_schemes_and_private_hosts() {
        for u in ["file:///etc/passwd", "ftp://example.com/x", "gopher://x"] {
            let e = check_url(u, false).await.unwrap_err();
            assert_eq!(e.code, FailureCode::BadUrl, "{u}");
            assert!(e.message.contains("scheme"), "{}", e.message);
        }
        for u in [
            "http://127.0.0.1/",
            "http://[::1]/",
            "http://localhost:8080/a.jpg",
            "http://169.254.169.254/latest",
        ] {
            let e = check_url(u, false).await.unwrap_err();
            assert_eq!(e.code, FailureCode::BadUrl, "{u}");
        }
        assert!(check_url("http://127.0.0.1/", true).await.is_ok());
    }

    /// A server on 127.0.0.2 (exempted, standing in for a public host) that redirects to
    /// 127.0.0.1: the second hop must be refused.
    #[tokio::test]
    async fn redirect_to_loopback_is_refused() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.2:0").await else {
            eprintln!("skipped: 127.0.0.2 is not bindable here");
            return;
        };
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/secret\r\nContent-Length: 0\r\n\r\n")
                    .await;
            }
        });
        let cfg = FetchConfig {
            exempt: vec!["127.0.0.2".parse().unwrap()],
            ..Default::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let err = fetch_to_file(
            &format!("http://127.0.0.2:{port}/a.jpg"),
            &cfg,
            &dir.path().join("x"),
        )
        .await
        .unwrap_err();
        assert_eq!(err.code, FailureCode::BadUrl, "{err:?}");
        assert!(err.message.contains("loopback"), "{}", err.message);
        // Without the exemption the first hop is refused already.
        let err = fetch_to_file(
            &format!("http://127.0.0.2:{port}/a.jpg"),
            &FetchConfig::default(),
            &dir.path().join("x"),
        )
        .await
        .unwrap_err();
        assert!(err.message.contains("127.0.0.2"), "{}", err.message);
    }

    #[test]
    fn names() {
        assert_eq!(sanitize_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(sanitize_name("a\nb.jpg").as_deref(), Some("ab.jpg"));
        assert_eq!(sanitize_name(".."), None);
        let u = Url::parse("http://x/dir/my%20photo.jpg?x=1").unwrap();
        assert_eq!(name_from_url(&u), "my photo.jpg");
    }
}
