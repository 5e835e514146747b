//! HTTP request metrics: `metadata_http_requests_total{method, route, status}` and
//! `metadata_http_request_duration_seconds{route}`, recorded by the [`track`] middleware.
//!
//! `route` is the matched route template (`/api/v1/extract/{uuid}`), never the raw path, and
//! `unmatched` for requests no route matched, so the label set is bounded by the router.
//! Everything is process-wide, like `jobs::metrics`, and lock-free: routes are kept in a
//! fixed table of slots filled once (the first request to a route claims a slot), and the
//! (method, status) counters of a route in a small table of slots claimed the same way. A
//! request costs a few string compares to find its route and three relaxed atomic adds.

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use jobs::metrics::{Exposition, Histogram};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Room for this many route templates (the router has a dozen); requests to further routes
/// are counted as `unmatched`.
const ROUTE_SLOTS: usize = 64;
/// Room for this many (method, status) pairs per route; further pairs are counted under
/// `method="other", status="other"`.
const STATUS_SLOTS: usize = 32;

const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "other",
];

fn method_index(m: &Method) -> usize {
    match *m {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::DELETE => 4,
        Method::OPTIONS => 5,
        Method::PATCH => 6,
        _ => 7,
    }
}

/// One route's counters.
struct RouteStats {
    template: Box<str>,
    duration: Histogram,
    /// Keys are `(method index + 1) << 16 | status`, 0 while the slot is free.
    keys: [AtomicU32; STATUS_SLOTS],
    counts: [AtomicU64; STATUS_SLOTS],
    overflow: AtomicU64,
}

impl RouteStats {
    fn new(template: &str) -> RouteStats {
        RouteStats {
            template: template.into(),
            duration: Histogram::new(),
            keys: [const { AtomicU32::new(0) }; STATUS_SLOTS],
            counts: [const { AtomicU64::new(0) }; STATUS_SLOTS],
            overflow: AtomicU64::new(0),
        }
    }

    fn record(&self, method: usize, status: u16, took: Duration) {
        self.duration.observe(took);
        let key = ((method as u32 + 1) << 16) | u32::from(status);
        // Slots are claimed in order and never change owner, so the first slot that holds
        // `key` or is free is the only place `key` can be.
        for (k, count) in self.keys.iter().zip(&self.counts) {
            let mut current = k.load(Ordering::Acquire);
            if current == 0 {
                current = match k.compare_exchange(0, key, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => key,
                    Err(other) => other,
                };
            }
            if current == key {
                count.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        self.overflow.fetch_add(1, Ordering::Relaxed);
    }
}

struct HttpMetrics {
    routes: [OnceLock<RouteStats>; ROUTE_SLOTS],
    unmatched: OnceLock<RouteStats>,
}

static HTTP: HttpMetrics = HttpMetrics {
    routes: [const { OnceLock::new() }; ROUTE_SLOTS],
    unmatched: OnceLock::new(),
};

impl HttpMetrics {
    fn unmatched(&'static self) -> &'static RouteStats {
        self.unmatched.get_or_init(|| RouteStats::new("unmatched"))
    }

    /// The stats of `template`, claiming a slot on its first request.
    fn route(&'static self, template: &str) -> &'static RouteStats {
        for slot in &self.routes {
            let stats = match slot.get() {
                Some(s) => s,
                // Free: claim it (a racing request may claim it first, for this route or
                // another; either way the slot is settled now). Only a route's first
                // requests can meet here; later ones only read.
                None => slot.get_or_init(|| RouteStats::new(template)),
            };
            if &*stats.template == template {
                return stats;
            }
        }
        self.unmatched()
    }
}

/// Middleware (`axum::middleware::from_fn`, added with `Router::layer` so that the matched
/// route is known): counts the request and times it up to its response head (a download's
/// body streams after that). A request whose client went away before the answer is
/// counted with status 499 (as nginx does).
pub async fn track(req: Request, next: Next) -> Response {
    let mut pending = Pending {
        stats: match req.extensions().get::<MatchedPath>() {
            Some(m) => HTTP.route(m.as_str()),
            None => HTTP.unmatched(),
        },
        method: method_index(req.method()),
        started: Instant::now(),
        status: CLIENT_CLOSED,
    };
    let resp = next.run(req).await;
    pending.status = resp.status().as_u16();
    resp
}

const CLIENT_CLOSED: u16 = 499;

/// Records its request when dropped: after the answer, or when the request's future is
/// dropped before it (the client disconnected).
struct Pending {
    stats: &'static RouteStats,
    method: usize,
    started: Instant,
    status: u16,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.stats
            .record(self.method, self.status, self.started.elapsed());
    }
}

/// Writes the HTTP families to `x`.
pub fn write_to(x: &mut Exposition) {
    let routes: Vec<&RouteStats> = HTTP
        .routes
        .iter()
        .filter_map(OnceLock::get)
        .chain(HTTP.unmatched.get())
        .collect();
    x.family(
        "metadata_http_requests_total",
        "counter",
        "HTTP requests answered, by method, route template and status.",
    );
    for r in &routes {
        let mut seen: Vec<(u32, u64)> = r
            .keys
            .iter()
            .zip(&r.counts)
            .map(|(k, c)| (k.load(Ordering::Acquire), c.load(Ordering::Relaxed)))
            .filter(|(k, _)| *k != 0)
            .collect();
        seen.sort_unstable();
        for (key, count) in seen {
            let method = METHODS
                .get(((key >> 16) as usize).saturating_sub(1))
                .copied()
                .unwrap_or("other");
            let status = (key & 0xFFFF).to_string();
            x.sample(
                "metadata_http_requests_total",
                &[
                    ("method", method),
                    ("route", &r.template),
                    ("status", &status),
                ],
                count,
            );
        }
        let overflow = r.overflow.load(Ordering::Relaxed);
        if overflow > 0 {
            x.sample(
                "metadata_http_requests_total",
                &[
                    ("method", "other"),
                    ("route", &r.template),
                    ("status", "other"),
                ],
                overflow,
            );
        }
    }
    x.family(
        "metadata_http_request_duration_seconds",
        "histogram",
        "Time from a request's arrival to its response head, by route template.",
    );
    for r in &routes {
        x.histogram(
            "metadata_http_request_duration_seconds",
            &[("route", &r.template)],
            &r.duration,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_method_route_and_status() {
        let r = HTTP.route("/test/{id}");
        assert!(std::ptr::eq(r, HTTP.route("/test/{id}")));
        assert!(!std::ptr::eq(r, HTTP.route("/test/other")));
        for _ in 0..3 {
            r.record(method_index(&Method::GET), 200, Duration::from_millis(2));
        }
        r.record(method_index(&Method::POST), 404, Duration::from_secs(100));
        HTTP.unmatched().record(
            method_index(&Method::from_bytes(b"BREW").unwrap()),
            404,
            Duration::ZERO,
        );
        let mut x = Exposition::new();
        write_to(&mut x);
        let text = x.finish();
        jobs::metrics::check_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        for line in [
            r#"metadata_http_requests_total{method="GET",route="/test/{id}",status="200"} 3"#,
            r#"metadata_http_requests_total{method="POST",route="/test/{id}",status="404"} 1"#,
            r#"metadata_http_requests_total{method="other",route="unmatched",status="404"} 1"#,
            r#"metadata_http_request_duration_seconds_bucket{route="/test/{id}",le="0.0025"} 3"#,
            r#"metadata_http_request_duration_seconds_bucket{route="/test/{id}",le="+Inf"} 4"#,
            r#"metadata_http_request_duration_seconds_count{route="/test/{id}"} 4"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
    }

    #[test]
    fn a_dropped_request_counts_as_499() {
        let stats = HTTP.route("/test/dropped");
        drop(Pending {
            stats,
            method: method_index(&Method::POST),
            started: Instant::now(),
            status: CLIENT_CLOSED,
        });
        let key = ((method_index(&Method::POST) as u32 + 1) << 16) | 499;
        assert_eq!(stats.keys[0].load(Ordering::Relaxed), key);
        assert_eq!(stats.counts[0].load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_full_status_table_overflows_into_other() {
        let r = RouteStats::new("/full");
        for status in 100..(100 + STATUS_SLOTS as u16) {
            r.record(0, status, Duration::ZERO);
        }
        r.record(0, 599, Duration::ZERO);
        r.record(0, 100, Duration::ZERO);
        assert_eq!(r.overflow.load(Ordering::Relaxed), 1);
        assert_eq!(r.counts[0].load(Ordering::Relaxed), 2);
    }

    #[test]
    fn concurrent_first_requests_share_one_slot() {
        let r = std::sync::Arc::new(RouteStats::new("/race"));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let r = r.clone();
                std::thread::spawn(move || {
                    for i in 0..1000u16 {
                        r.record(0, 200 + (i % 3), Duration::ZERO);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let used = r
            .keys
            .iter()
            .filter(|k| k.load(Ordering::Relaxed) != 0)
            .count();
        assert_eq!(used, 3);
        let total: u64 = r.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum();
        assert_eq!(total, 4000);
        assert_eq!(r.overflow.load(Ordering::Relaxed), 0);
    }
}
