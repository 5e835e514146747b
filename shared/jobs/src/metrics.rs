//! Process-wide Prometheus metrics, rendered in the text exposition format by hand (a few
//! counters and gauges do not need a metrics library). The gateway and the worker both
//! serve [`render`] on `/metrics`.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

/// One counter or gauge.
pub struct Metric {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    labels: &'static str,
    value: AtomicI64,
}

impl Metric {
    const fn new(
        name: &'static str,
        kind: &'static str,
        labels: &'static str,
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
    pub fn set(&self, v: i64) {
        self.value.store(v, Relaxed);
    }
    pub fn get(&self) -> i64 {
        self.value.load(Relaxed)
    }
}

macro_rules! metrics {
    ($($id:ident = $name:literal, $kind:literal, $labels:literal, $help:literal;)*) => {
        $(pub static $id: Metric = Metric::new($name, $kind, $labels, $help);)*
        static ALL: &[&Metric] = &[$(&$id),*];
    };
}

metrics! {
    JOBS_SUBMITTED_EXTRACT = "metadata_jobs_submitted_total", "counter", "kind=\"extract\"", "Jobs accepted by this gateway.";
    JOBS_SUBMITTED_REMOVE = "metadata_jobs_submitted_total", "counter", "kind=\"remove\"", "Jobs accepted by this gateway.";
    ANSWERS_COMPLETED = "metadata_gateway_answers_total", "counter", "outcome=\"completed\"", "Submissions answered, by outcome.";
    ANSWERS_FAILED = "metadata_gateway_answers_total", "counter", "outcome=\"failed\"", "Submissions answered, by outcome.";
    ANSWERS_ACCEPTED = "metadata_gateway_answers_total", "counter", "outcome=\"accepted\"", "Submissions answered, by outcome.";
    JOBS_DONE_COMPLETED = "metadata_worker_jobs_total", "counter", "outcome=\"completed\"", "Jobs finished by this worker, by outcome.";
    JOBS_DONE_FAILED = "metadata_worker_jobs_total", "counter", "outcome=\"failed\"", "Jobs finished by this worker, by outcome.";
    JOBS_RETRIED = "metadata_worker_jobs_total", "counter", "outcome=\"retried\"", "Jobs finished by this worker, by outcome.";
    JOBS_DEAD_LETTERED = "metadata_worker_jobs_total", "counter", "outcome=\"dead_lettered\"", "Jobs finished by this worker, by outcome.";
    JOBS_IN_FLIGHT = "metadata_worker_jobs_in_flight", "gauge", "", "Jobs this worker is running now.";
    JOB_MILLIS = "metadata_worker_job_duration_milliseconds_sum", "counter", "", "Total time spent running jobs.";
    AMQP_RECONNECTS = "metadata_backend_reconnects_total", "counter", "backend=\"amqp\"", "Connections (re)established to a backend.";
    REDIS_RESUBSCRIBES = "metadata_backend_reconnects_total", "counter", "backend=\"redis_pubsub\"", "Connections (re)established to a backend.";
    AMQP_UP = "metadata_backend_up", "gauge", "backend=\"amqp\"", "1 when the backend connection is up.";
    REDIS_PUBSUB_UP = "metadata_backend_up", "gauge", "backend=\"redis_pubsub\"", "1 when the backend connection is up.";
}

static STARTED: AtomicU64 = AtomicU64::new(0);

/// Marks the process start (for `process_start_time_seconds`).
pub fn mark_start() {
    STARTED.store(crate::now_secs(), Relaxed);
}

/// All metrics in the Prometheus text format.
pub fn render() -> String {
    let mut out = String::new();
    let mut seen: Vec<&str> = Vec::new();
    for m in ALL {
        if !seen.contains(&m.name) {
            seen.push(m.name);
            out.push_str(&format!(
                "# HELP {} {}\n# TYPE {} {}\n",
                m.name, m.help, m.name, m.kind
            ));
        }
        if m.labels.is_empty() {
            out.push_str(&format!("{} {}\n", m.name, m.get()));
        } else {
            out.push_str(&format!("{}{{{}}} {}\n", m.name, m.labels, m.get()));
        }
    }
    out.push_str(&format!(
        "# HELP process_start_time_seconds Start time of the process.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {}\n",
        STARTED.load(Relaxed)
    ));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_each_family_once() {
        super::JOBS_SUBMITTED_EXTRACT.inc();
        let text = super::render();
        assert_eq!(
            text.matches("# TYPE metadata_jobs_submitted_total counter")
                .count(),
            1
        );
        assert!(text.contains("metadata_jobs_submitted_total{kind=\"extract\"}"));
    }
}
