//! Process-wide Prometheus metrics, rendered in the text exposition format by hand. The
//! gateway and the worker both serve [`render`] on `/metrics` (the gateway adds its HTTP
//! families, written with the same [`Exposition`]).
//!
//! Every metric is a static atomic (or a fixed array of them, one per label combination,
//! created up front), so recording is a few relaxed atomic adds: no lock, no allocation, no
//! hashing on the hot path. Label sets are bounded by construction: kinds, formats
//! ([`metacore::FileKind::ALL`] plus `unknown`), failure reasons and queues are fixed enums.

use std::fmt::{Display, Write};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::record::{FailureCode, JobKind};

/// One counter or gauge.
pub struct Metric {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    labels: &'static [(&'static str, &'static str)],
    value: AtomicI64,
}

impl Metric {
    const fn new(
        name: &'static str,
        kind: &'static str,
        labels: &'static [(&'static str, &'static str)],
        help: &'static str,
    ) -> Metric {
        Metric {
            name,
            help,
            kind,
            labels,
            value: AtomicI64::new(0),
        }
    }
    pub fn inc(&self) {
        self.value.fetch_add(1, Relaxed);
    }
    pub fn dec(&self) {
        self.value.fetch_sub(1, Relaxed);
    }
    pub fn add(&self, n: i64) {
        self.value.fetch_add(n, Relaxed);
    }
    pub fn set(&self, v: i64) {
        self.value.store(v, Relaxed);
    }
    pub fn get(&self) -> i64 {
        self.value.load(Relaxed)
    }
}

macro_rules! metrics {
    ($($id:ident = $name:literal, $kind:literal, [$(($k:literal, $v:literal)),*], $help:literal;)*) => {
        $(pub static $id: Metric = Metric::new($name, $kind, &[$(($k, $v)),*], $help);)*
        static ALL: &[&Metric] = &[$(&$id),*];
    };
}

// Metrics of one family must be adjacent (the renderer writes HELP/TYPE on a name change).
metrics! {
    JOBS_SUBMITTED_EXTRACT = "metadata_jobs_submitted_total", "counter", [("kind", "extract")], "Jobs accepted by this gateway.";
    JOBS_SUBMITTED_REMOVE = "metadata_jobs_submitted_total", "counter", [("kind", "remove")], "Jobs accepted by this gateway.";
    ANSWERS_COMPLETED = "metadata_gateway_answers_total", "counter", [("outcome", "completed")], "Submissions answered, by outcome.";
    ANSWERS_FAILED = "metadata_gateway_answers_total", "counter", [("outcome", "failed")], "Submissions answered, by outcome.";
    ANSWERS_ACCEPTED = "metadata_gateway_answers_total", "counter", [("outcome", "accepted")], "Submissions answered, by outcome.";
    JOBS_DONE_COMPLETED = "metadata_worker_jobs_total", "counter", [("outcome", "completed")], "Jobs finished by this process's workers, by outcome.";
    JOBS_DONE_FAILED = "metadata_worker_jobs_total", "counter", [("outcome", "failed")], "Jobs finished by this process's workers, by outcome.";
    JOBS_RETRIED = "metadata_worker_jobs_total", "counter", [("outcome", "retried")], "Jobs finished by this process's workers, by outcome.";
    JOBS_DEAD_LETTERED = "metadata_worker_jobs_total", "counter", [("outcome", "dead_lettered")], "Jobs finished by this process's workers, by outcome.";
    JOBS_IN_FLIGHT = "metadata_worker_jobs_in_flight", "gauge", [], "Jobs this process's workers are running now.";
    AMQP_PUBLISHED_JOBS = "metadata_queue_published_total", "counter", [("unit", "jobs")], "Jobs this gateway put on the queue, and the messages that carried them (several jobs travel in one message under load).";
    AMQP_PUBLISHED_MESSAGES = "metadata_queue_published_total", "counter", [("unit", "messages")], "Jobs this gateway put on the queue, and the messages that carried them (several jobs travel in one message under load).";
    AMQP_RECONNECTS = "metadata_backend_reconnects_total", "counter", [("backend", "amqp")], "Connections (re)established to a backend.";
    REDIS_RESUBSCRIBES = "metadata_backend_reconnects_total", "counter", [("backend", "redis_pubsub")], "Connections (re)established to a backend.";
    AMQP_UP = "metadata_backend_up", "gauge", [("backend", "amqp")], "1 when the backend connection is up.";
    REDIS_PUBSUB_UP = "metadata_backend_up", "gauge", [("backend", "redis_pubsub")], "1 when the backend connection is up.";
}

// ---------------------------------------------------------------------------------------
// Histograms

/// Upper bounds of the latency buckets, in nanoseconds: 0.5 ms ... 30 s (then `+Inf`).
pub const BUCKET_NANOS: [u64; 15] = [
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
    30_000_000_000,
];

/// A latency histogram with the [`BUCKET_NANOS`] buckets. Buckets are counted one by one
/// (not cumulatively) and summed up when rendered, so an observation costs two relaxed
/// atomic adds; `_count` is rendered as the sum of the buckets, so it always equals the
/// `+Inf` bucket even while observations race with a scrape.
pub struct Histogram {
    buckets: [AtomicU64; BUCKET_NANOS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl Histogram {
    pub const fn new() -> Histogram {
        Histogram {
            buckets: [const { AtomicU64::new(0) }; BUCKET_NANOS.len() + 1],
            sum_nanos: AtomicU64::new(0),
        }
    }

    #[inline]
    pub fn observe(&self, d: Duration) {
        let n = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let i = BUCKET_NANOS
            .iter()
            .position(|&b| n <= b)
            .unwrap_or(BUCKET_NANOS.len());
        self.buckets[i].fetch_add(1, Relaxed);
        self.sum_nanos.fetch_add(n, Relaxed);
    }

    /// How many observations there were.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Relaxed)).sum()
    }
}

// ---------------------------------------------------------------------------------------
// The text format

/// Writes the Prometheus text exposition format (version 0.0.4).
#[derive(Default)]
pub struct Exposition {
    out: String,
}

/// Writes `v` as a label value (backslash, double quote and newline escaped).
fn escape_into(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

impl Exposition {
    pub fn new() -> Exposition {
        Exposition::default()
    }

    /// Starts a family: its HELP and TYPE lines. Call once per family, before its samples.
    pub fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = write!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}\n");
    }

    fn series(&mut self, name: &str, labels: &[(&str, &str)], extra: Option<(&str, &str)>) {
        self.out.push_str(name);
        let mut all = labels.iter().copied().chain(extra);
        if let Some((k, v)) = all.next() {
            self.out.push('{');
            let pair = |out: &mut String, k: &str, v: &str| {
                out.push_str(k);
                out.push_str("=\"");
                escape_into(out, v);
                out.push('"');
            };
            pair(&mut self.out, k, v);
            for (k, v) in all {
                self.out.push(',');
                pair(&mut self.out, k, v);
            }
            self.out.push('}');
        }
    }

    /// One sample of a counter or gauge.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.series(name, labels, None);
        let _ = writeln!(self.out, " {value}");
    }

    /// The `_bucket` (cumulative, `le` ascending, ending with `+Inf`), `_sum` (seconds) and
    /// `_count` samples of one histogram.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], h: &Histogram) {
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0u64;
        for (i, b) in h.buckets.iter().enumerate() {
            cumulative += b.load(Relaxed);
            let le = match BUCKET_NANOS.get(i) {
                Some(&n) => (n as f64 / 1e9).to_string(),
                None => "+Inf".to_string(),
            };
            self.series(&bucket, labels, Some(("le", le.as_str())));
            let _ = writeln!(self.out, " {cumulative}");
        }
        let sum = h.sum_nanos.load(Relaxed) as f64 / 1e9;
        self.sample(&format!("{name}_sum"), labels, sum);
        self.sample(&format!("{name}_count"), labels, cumulative);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

// ---------------------------------------------------------------------------------------
// Jobs: latency by kind and format, failures by kind and reason

/// Label values of [`JobKind`].
pub const KINDS: [&str; 2] = ["extract", "remove"];

fn kind_index(kind: JobKind) -> usize {
    match kind {
        JobKind::Extract => 0,
        JobKind::Remove => 1,
    }
}

/// One per [`metacore::FileKind`], then `unknown` (not detected, or the job failed first).
const FORMATS: usize = metacore::FileKind::ALL.len() + 1;

/// The `format` label of a slot of [`JOB_DURATION`]: ExifTool's FileType in lower case
/// (`jpeg`, `png`, `mp4`, `3gp`, ...), or `unknown`.
fn format_label(i: usize) -> String {
    metacore::FileKind::ALL
        .get(i)
        .map(|k| k.file_type().to_ascii_lowercase())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Distributed gateways: from a job's enqueue until the broker confirmed the message that
/// carries it (the wait for its publish, after a batch or for a free slot, included: see
/// `amqp::AmqpQueue`).
pub static ENQUEUE_DURATION: Histogram = Histogram::new();

static JOB_DURATION: [[Histogram; FORMATS]; KINDS.len()] =
    [const { [const { Histogram::new() }; FORMATS] }; KINDS.len()];

/// Why a job run did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// The run ended with a failed record, for this reason.
    Code(FailureCode),
    /// A store was unreachable: the run will be retried (distributed) or recorded as failed
    /// (embedded).
    Transient,
    /// The worker's job timeout passed.
    Timeout,
}

/// Label values of [`FailReason`] (the codes as the API spells them).
pub const REASONS: [&str; 8] = [
    "bad_url",
    "fetch_failed",
    "too_large",
    "unsupported",
    "bad_request",
    "internal",
    "transient",
    "timeout",
];

impl FailReason {
    fn index(self) -> usize {
        match self {
            FailReason::Code(FailureCode::BadUrl) => 0,
            FailReason::Code(FailureCode::FetchFailed) => 1,
            FailReason::Code(FailureCode::TooLarge) => 2,
            FailReason::Code(FailureCode::Unsupported) => 3,
            FailReason::Code(FailureCode::BadRequest) => 4,
            FailReason::Code(FailureCode::Internal) => 5,
            FailReason::Transient => 6,
            FailReason::Timeout => 7,
        }
    }
}

static JOB_FAILURES: [[AtomicU64; REASONS.len()]; KINDS.len()] =
    [const { [const { AtomicU64::new(0) }; REASONS.len()] }; KINDS.len()];

/// Records how long a job run took, by kind and detected format (`None`: unknown).
pub fn observe_job(kind: JobKind, format: Option<metacore::FileKind>, took: Duration) {
    let f = format.map_or(FORMATS - 1, |k| k.index().min(FORMATS - 1));
    JOB_DURATION[kind_index(kind)][f].observe(took);
}

/// Counts a job run that did not complete.
pub fn count_job_failure(kind: JobKind, reason: FailReason) {
    JOB_FAILURES[kind_index(kind)][reason.index()].fetch_add(1, Relaxed);
}

// ---------------------------------------------------------------------------------------
// Queues

/// Label values of the queues: in distributed mode the job queue `Q` and its `Q.retry` and
/// `Q.dead` queues; in embedded mode only `jobs` (the in-process channel).
pub const QUEUES: [&str; 3] = ["jobs", "retry", "dead"];
pub const QUEUE_JOBS: usize = 0;
pub const QUEUE_RETRY: usize = 1;
pub const QUEUE_DEAD: usize = 2;

/// Messages waiting, and consumers, per queue; -1 while unknown (not exported then).
static QUEUE_DEPTH: [AtomicI64; QUEUES.len()] = [const { AtomicI64::new(-1) }; QUEUES.len()];
static QUEUE_CONSUMERS: [AtomicI64; QUEUES.len()] = [const { AtomicI64::new(-1) }; QUEUES.len()];

/// Sets what is known of queue `i` ([`QUEUE_JOBS`], ...): `(messages, consumers)`, or `None`
/// when it cannot be read now (its samples disappear until it can).
pub fn set_queue(i: usize, state: Option<(u64, u64)>) {
    let (depth, consumers) = state.map_or((-1, -1), |(d, c)| {
        (
            i64::try_from(d).unwrap_or(i64::MAX),
            i64::try_from(c).unwrap_or(i64::MAX),
        )
    });
    if let (Some(d), Some(c)) = (QUEUE_DEPTH.get(i), QUEUE_CONSUMERS.get(i)) {
        d.store(depth, Relaxed);
        c.store(consumers, Relaxed);
    }
}

// ---------------------------------------------------------------------------------------

static STARTED: AtomicU64 = AtomicU64::new(0);

/// Marks the process start (for `process_start_time_seconds`).
pub fn mark_start() {
    STARTED.store(crate::now_secs(), Relaxed);
}

/// Writes every metric of this module to `x`.
pub fn write_to(x: &mut Exposition) {
    let mut last = "";
    for m in ALL {
        if m.name != last {
            last = m.name;
            x.family(m.name, m.kind, m.help);
        }
        x.sample(m.name, m.labels, m.get());
    }

    x.family(
        "metadata_job_duration_seconds",
        "histogram",
        "Time to run a job (input, core, stores), by kind and detected format; jobs that ran \
         to a final record only.",
    );
    for (k, kind) in KINDS.iter().enumerate() {
        for (f, h) in JOB_DURATION[k].iter().enumerate() {
            // Only the combinations seen: 2 x 42 histograms of zeros would drown the page.
            if h.count() > 0 {
                let format = format_label(f);
                x.histogram(
                    "metadata_job_duration_seconds",
                    &[("kind", *kind), ("format", format.as_str())],
                    h,
                );
            }
        }
    }

    if ENQUEUE_DURATION.count() > 0 {
        x.family(
            "metadata_queue_enqueue_seconds",
            "histogram",
            "Distributed gateways: time from a job's submission to the queue until the broker \
             confirmed the message that carries it (the wait for its publish included).",
        );
        x.histogram("metadata_queue_enqueue_seconds", &[], &ENQUEUE_DURATION);
    }

    x.family(
        "metadata_job_failures_total",
        "counter",
        "Job runs that did not complete, by kind and reason (a failure code of the API, \
         transient or timeout).",
    );
    for (k, kind) in KINDS.iter().enumerate() {
        for (r, reason) in REASONS.iter().enumerate() {
            x.sample(
                "metadata_job_failures_total",
                &[("kind", *kind), ("reason", *reason)],
                JOB_FAILURES[k][r].load(Relaxed),
            );
        }
    }

    for (name, values, help) in [
        (
            "metadata_queue_depth",
            &QUEUE_DEPTH,
            "Jobs waiting in the queue (distributed: RabbitMQ's message count, refreshed every \
             few seconds; embedded: the in-process queue's length).",
        ),
        (
            "metadata_queue_consumers",
            &QUEUE_CONSUMERS,
            "Consumers of the queue (distributed: as RabbitMQ counts them; embedded: worker \
             tasks).",
        ),
    ] {
        x.family(name, "gauge", help);
        for (i, q) in QUEUES.iter().enumerate() {
            let v = values[i].load(Relaxed);
            if v >= 0 {
                x.sample(name, &[("queue", *q)], v);
            }
        }
    }

    x.family(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since the Unix epoch, in seconds.",
    );
    x.sample("process_start_time_seconds", &[], STARTED.load(Relaxed));
}

/// All metrics of this module in the Prometheus text format.
pub fn render() -> String {
    let mut x = Exposition::new();
    write_to(&mut x);
    x.finish()
}

/// Checks that `text` is well-formed exposition text (for tests, here and in the gateway):
/// every sample belongs to a family declared once by HELP and TYPE before it, sample lines
/// parse, and each histogram series has cumulative buckets ending in `+Inf` equal to its
/// `_count`, and a `_sum`.
pub fn check_exposition(text: &str) -> Result<(), String> {
    use std::collections::{HashMap, HashSet};
    let mut help: HashSet<&str> = HashSet::new();
    let mut types: HashMap<&str, &str> = HashMap::new();
    // Histogram series (name + labels without `le`) -> (buckets as (le, value), sum, count).
    type Series = (Vec<(f64, u64)>, Option<f64>, Option<u64>);
    let mut hist: HashMap<(String, String), Series> = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or("");
            if !help.insert(name) {
                return Err(format!("HELP twice for {name}"));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut it = rest.split(' ');
            let (name, kind) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
            if !["counter", "gauge", "histogram"].contains(&kind) {
                return Err(format!("bad TYPE line: {line}"));
            }
            if types.insert(name, kind).is_some() {
                return Err(format!("TYPE twice for {name}"));
            }
            if !help.contains(name) {
                return Err(format!("TYPE before HELP for {name}"));
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .ok_or_else(|| format!("no value: {line}"))?;
        let value: f64 = value.parse().map_err(|_| format!("bad value in: {line}"))?;
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => (
                n,
                l.strip_suffix('}')
                    .ok_or_else(|| format!("unclosed labels: {line}"))?,
            ),
            None => (series, ""),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        {
            return Err(format!("bad metric name: {line}"));
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(f) == Some(&"histogram"))
            })
            .unwrap_or(name);
        match types.get(family) {
            None => return Err(format!("sample before its TYPE: {line}")),
            Some(&"histogram") if family == name => {
                return Err(format!("histogram sample without a suffix: {line}"))
            }
            Some(&"histogram") => {
                let mut le = None;
                let rest: Vec<&str> = split_labels(labels)?
                    .into_iter()
                    .filter(|l| match l.strip_prefix("le=\"") {
                        Some(v) => {
                            le = Some(v.trim_end_matches('"').to_string());
                            false
                        }
                        None => true,
                    })
                    .collect();
                let e = hist
                    .entry((family.to_string(), rest.join(",")))
                    .or_default();
                if name.ends_with("_bucket") {
                    let le = le.ok_or_else(|| format!("bucket without le: {line}"))?;
                    let le: f64 = if le == "+Inf" {
                        f64::INFINITY
                    } else {
                        le.parse().map_err(|_| format!("bad le: {line}"))?
                    };
                    e.0.push((le, value as u64));
                } else if name.ends_with("_sum") {
                    e.1 = Some(value);
                } else {
                    e.2 = Some(value as u64);
                }
            }
            Some(_) => {
                split_labels(labels)?;
            }
        }
    }
    for ((name, labels), (buckets, sum, count)) in &hist {
        let at = format!("{name}{{{labels}}}");
        if buckets.last().map(|b| b.0) != Some(f64::INFINITY) {
            return Err(format!("{at}: the last bucket is not +Inf"));
        }
        for w in buckets.windows(2) {
            if w[1].0 <= w[0].0 || w[1].1 < w[0].1 {
                return Err(format!("{at}: buckets not ascending and cumulative"));
            }
        }
        if sum.is_none() {
            return Err(format!("{at}: no _sum"));
        }
        if *count != buckets.last().map(|b| b.1) {
            return Err(format!("{at}: _count differs from the +Inf bucket"));
        }
    }
    Ok(())
}

/// `a="x",b="y"` -> [`a="x"`, `b="y"`], checking names and quoting.
fn split_labels(labels: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = labels;
    while !rest.is_empty() {
        let eq = rest
            .find("=\"")
            .ok_or_else(|| format!("bad labels: {labels}"))?;
        let name = &rest[..eq];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("bad label name in: {labels}"));
        }
        // The closing quote: the first one not escaped.
        let body = &rest[eq + 2..];
        let mut end = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.ok_or_else(|| format!("unterminated label value in: {labels}"))?;
        let total = eq + 2 + end + 1;
        out.push(&rest[..total]);
        rest = &rest[total..];
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        } else if !rest.is_empty() {
            return Err(format!("bad labels: {labels}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_family_once_and_valid() {
        JOBS_SUBMITTED_EXTRACT.inc();
        observe_job(
            JobKind::Extract,
            Some(metacore::FileKind::Jpeg),
            Duration::from_millis(3),
        );
        observe_job(JobKind::Remove, None, Duration::from_secs(60));
        count_job_failure(JobKind::Remove, FailReason::Code(FailureCode::Unsupported));
        set_queue(QUEUE_JOBS, Some((7, 2)));
        let text = render();
        check_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        for family in [
            "metadata_jobs_submitted_total counter",
            "metadata_job_duration_seconds histogram",
            "metadata_job_failures_total counter",
            "metadata_queue_depth gauge",
        ] {
            assert_eq!(
                text.matches(&format!("# TYPE {family}\n")).count(),
                1,
                "{text}"
            );
        }
        assert!(text.contains("metadata_jobs_submitted_total{kind=\"extract\"}"));
        assert!(text.contains(
            "metadata_job_duration_seconds_bucket{kind=\"extract\",format=\"jpeg\",le=\"0.005\"} 1\n"
        ));
        assert!(text.contains(
            "metadata_job_duration_seconds_bucket{kind=\"extract\",format=\"jpeg\",le=\"0.0025\"} 0\n"
        ));
        assert!(text.contains(
            "metadata_job_duration_seconds_bucket{kind=\"remove\",format=\"unknown\",le=\"30\"} 0\n"
        ));
        assert!(text.contains(
            "metadata_job_duration_seconds_bucket{kind=\"remove\",format=\"unknown\",le=\"+Inf\"} 1\n"
        ));
        assert!(text.contains(
            "metadata_job_duration_seconds_sum{kind=\"remove\",format=\"unknown\"} 60\n"
        ));
        assert!(text
            .contains("metadata_job_failures_total{kind=\"remove\",reason=\"unsupported\"} 1\n"));
        assert!(text.contains("metadata_queue_depth{queue=\"jobs\"} 7\n"));
        assert!(text.contains("metadata_queue_consumers{queue=\"jobs\"} 2\n"));
        // Unknown queues are left out, not exported as zero.
        assert!(!text.contains("queue=\"retry\""), "{text}");
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_inf_sum_and_count() {
        let h = Histogram::new();
        for us in [100, 500, 700, 3_000, 3_000, 40_000_000] {
            h.observe(Duration::from_micros(us));
        }
        let mut x = Exposition::new();
        x.family("t_seconds", "histogram", "Test.");
        x.histogram("t_seconds", &[("a", "x\"y\\z\n")], &h);
        let text = x.finish();
        check_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# HELP t_seconds Test.");
        assert_eq!(lines[1], "# TYPE t_seconds histogram");
        // 0.5 ms falls in le="0.0005" (bounds are inclusive).
        assert_eq!(lines[2], r#"t_seconds_bucket{a="x\"y\\z\n",le="0.0005"} 2"#);
        assert_eq!(lines[3], r#"t_seconds_bucket{a="x\"y\\z\n",le="0.001"} 3"#);
        assert_eq!(lines[5], r#"t_seconds_bucket{a="x\"y\\z\n",le="0.005"} 5"#);
        assert_eq!(lines[16], r#"t_seconds_bucket{a="x\"y\\z\n",le="30"} 5"#);
        assert_eq!(lines[17], r#"t_seconds_bucket{a="x\"y\\z\n",le="+Inf"} 6"#);
        assert!(lines[18].starts_with(r#"t_seconds_sum{a="x\"y\\z\n"} 40.0073"#));
        assert_eq!(lines[19], r#"t_seconds_count{a="x\"y\\z\n"} 6"#);
        assert_eq!(lines.len(), 20);
    }

    #[test]
    fn the_checker_catches_broken_text() {
        let ok = "# HELP a A.\n# TYPE a counter\na 1\n";
        check_exposition(ok).unwrap();
        for bad in [
            "a 1\n",
            "# HELP a A.\n# TYPE a counter\n# HELP a A.\n# TYPE a counter\na 1\n",
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n",
            "# HELP a A.\n# TYPE a counter\na{b=\"x} 1\n",
        ] {
            assert!(check_exposition(bad).is_err(), "{bad}");
        }
    }
}
