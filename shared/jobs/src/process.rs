//! What one job does: get the input, run the metadata core, store the result and the
//! cleaned file. Written once against the store interfaces; the gateway's embedded workers
//! and the `worker` binary both call [`process_job`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tracing::{error, info, warn};

use crate::backend::{BackendError, FileStore, ResultStore};
use crate::fetch::{fetch_to_file, FetchConfig};
use crate::metrics::{self, FailReason};
use crate::record::{
    Cleaned, Failure, FailureCode, Job, JobInput, JobKind, RawJson, Record, Status,
};

/// What a job runner needs.
#[derive(Clone)]
pub struct ProcessContext {
    pub files: Arc<dyn FileStore>,
    pub results: Arc<dyn ResultStore>,
    pub fetch: FetchConfig,
    /// Directory for temporary files (each job gets its own subdirectory, removed after).
    pub scratch: PathBuf,
    /// How long cleaned files stay downloadable, in seconds.
    pub file_ttl: u64,
    /// Bounds the CPU-bound steps that run on tokio's blocking pool at once (the worker:
    /// one per core, however many jobs it has in flight waiting on Redis, S3 or a URL).
    /// `None`: no bound (job threads bound themselves).
    pub cpu: Option<Arc<tokio::sync::Semaphore>>,
}

/// Inputs in memory up to this size are parsed or cleaned in place, on the thread that
/// runs the job, even off a job thread: that takes a few hundred microseconds at most
/// (the metadata core reads headers, not pixels), less than handing the work to the
/// blocking pool and back.
pub const IN_PLACE_MAX: usize = 64 * 1024;

/// A job could not be finished now but may succeed later (a store was unreachable).
#[derive(Debug, thiserror::Error)]
#[error("transient failure: {0}")]
pub struct Transient(pub String);

impl From<BackendError> for Transient {
    fn from(e: BackendError) -> Self {
        Transient(e.to_string())
    }
}

/// Runs `job` to its end. `Ok` carries the final record, already stored: completed, or
/// failed for a reason retrying cannot fix (bad input, parser crash). `Err` means "retry".
///
/// Records the run in the metrics: its duration by kind and detected format when it ends
/// in a final record, and its failure reason when it does not complete.
pub async fn process_job(ctx: &ProcessContext, job: &Job) -> Result<Record, Transient> {
    process_job_marked(ctx, job, false).await
}

/// [`process_job`] for a job whose `processing` record the caller has written already
/// (the distributed worker does it in the same Redis call that counts the attempt).
pub async fn process_started_job(ctx: &ProcessContext, job: &Job) -> Result<Record, Transient> {
    process_job_marked(ctx, job, true).await
}

async fn process_job_marked(
    ctx: &ProcessContext,
    job: &Job,
    marked: bool,
) -> Result<Record, Transient> {
    let started = std::time::Instant::now();
    let mut format = None;
    let result = process(ctx, job, &mut format, marked).await;
    match &result {
        Ok(rec) => {
            metrics::observe_job(job.kind, format, started.elapsed());
            if let Some(f) = &rec.failure {
                metrics::count_job_failure(job.kind, FailReason::Code(f.code));
            }
        }
        Err(_) => metrics::count_job_failure(job.kind, FailReason::Transient),
    }
    result
}

async fn process(
    ctx: &ProcessContext,
    job: &Job,
    format: &mut Option<metacore::FileKind>,
    marked: bool,
) -> Result<Record, Transient> {
    let started = std::time::Instant::now();
    let mut rec = Record::processing(job);
    if !marked {
        ctx.results.put(&rec).await?;
    }

    let outcome = run(ctx, job, &mut rec, format).await;
    match outcome {
        Ok(()) => rec.status = Status::Completed,
        Err(Step::Fail(f)) => {
            if f.code == FailureCode::Internal {
                error!(job = %job.id, error = %f.message, "job failed");
            } else {
                info!(job = %job.id, error = %f.message, "job rejected its input");
            }
            rec.status = Status::Failed;
            rec.failure = Some(f);
        }
        Err(Step::Retry(t)) => {
            warn!(job = %job.id, error = %t, "job hit a transient failure");
            return Err(t);
        }
    }
    rec.updated_at = crate::now_secs();
    ctx.results.put(&rec).await?;
    if let JobInput::Staged { key, .. } = &job.input {
        if let Err(e) = ctx.files.delete_staged(key).await {
            warn!(job = %job.id, error = %e, "could not delete the staged upload");
        }
    }
    info!(
        job = %job.id,
        kind = ?job.kind,
        status = rec.status.as_str(),
        ms = started.elapsed().as_millis() as u64,
        "job finished"
    );
    Ok(rec)
}

/// Records `job` as failed with `failure` (used when retries are exhausted).
pub async fn fail_job(
    ctx: &ProcessContext,
    job: &Job,
    failure: Failure,
) -> Result<Record, Transient> {
    let mut rec = Record::queued(job);
    rec.status = Status::Failed;
    rec.failure = Some(failure);
    rec.updated_at = crate::now_secs();
    ctx.results.put(&rec).await?;
    if let JobInput::Staged { key, .. } = &job.input {
        let _ = ctx.files.delete_staged(key).await;
    }
    Ok(rec)
}

enum Step {
    Fail(Failure),
    Retry(Transient),
}

impl From<Failure> for Step {
    fn from(f: Failure) -> Self {
        Step::Fail(f)
    }
}
impl From<BackendError> for Step {
    fn from(e: BackendError) -> Self {
        Step::Retry(e.into())
    }
}

fn internal(e: impl std::fmt::Display) -> Step {
    Step::Fail(Failure::internal(e.to_string()))
}

/// A per-job scratch directory under `ctx.scratch`, removed when dropped.
async fn scratch_dir(ctx: &ProcessContext) -> Result<tempfile::TempDir, Step> {
    tokio::fs::create_dir_all(&ctx.scratch)
        .await
        .map_err(internal)?;
    tempfile::Builder::new()
        .prefix("job-")
        .tempdir_in(&ctx.scratch)
        .map_err(internal)
}

/// Runs the job; `format` is set as soon as the input's format is known (also when the
/// job then fails).
async fn run(
    ctx: &ProcessContext,
    job: &Job,
    rec: &mut Record,
    format: &mut Option<metacore::FileKind>,
) -> Result<(), Step> {
    // Made only when a job needs files: an inline extract touches no disk at all.
    let mut scratch: Option<tempfile::TempDir> = None;
    let input = match &job.input {
        JobInput::Staged { key, .. } => {
            let dir = scratch.insert(scratch_dir(ctx).await?);
            Source::Path(ctx.files.staged_path(key, dir.path()).await?)
        }
        JobInput::Inline { data } => Source::Memory(data.clone()),
        JobInput::Url { url } => {
            let dir = scratch.insert(scratch_dir(ctx).await?);
            let p = dir.path().join("input");
            let fetched = fetch_to_file(url, &ctx.fetch, &p).await?;
            if rec.file_name.is_none() {
                rec.file_name = Some(fetched.file_name);
            }
            Source::Path(p)
        }
    };
    let name = rec.file_name.clone();
    let in_place = matches!(&input, Source::Memory(d) if d.len() <= IN_PLACE_MAX);
    match job.kind {
        JobKind::Extract => {
            let (kind, extracted) = cpu_step(ctx.cpu.as_deref(), in_place, move || {
                extract_file(&input, name.as_deref())
            })
            .await?;
            *format = kind;
            let (metadata, warnings) = extracted?;
            rec.metadata = Some(metadata);
            rec.warnings = warnings;
        }
        JobKind::Remove => {
            let keep = metacore::Keep::parse(&job.keep)
                .map_err(|e| Failure::new(FailureCode::BadRequest, e))?;
            let dir = match scratch {
                Some(d) => d,
                None => scratch_dir(ctx).await?,
            };
            let out = dir.path().join("cleaned");
            let out2 = out.clone();
            let (kind, cleaned) = cpu_step(ctx.cpu.as_deref(), in_place, move || {
                clean_file(&input, &out2, name.as_deref(), keep)
            })
            .await?;
            *format = kind;
            let report = cleaned?;
            let key = ctx.files.put_cleaned(job.id, &out, report.mime).await?;
            let download_name = download_name(rec.file_name.as_deref(), report.extension);
            rec.cleaned = Some(Cleaned {
                file_key: key,
                mime: report.mime.to_string(),
                download_name,
                size_before: report.size_before,
                size_after: report.size_after,
                removed: report.removed,
                expires_at: crate::now_secs() + ctx.file_ttl,
            });
        }
    }
    Ok(())
}

/// Where a job's input bytes are.
enum Source {
    Path(PathBuf),
    Memory(bytes::Bytes),
}

thread_local! {
    static JOB_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as a job thread: a thread of its own whose only work is the
/// job it runs (the embedded workers, see `embedded::start`). There, CPU-bound and
/// blocking file work runs in place instead of crossing to tokio's blocking pool: on the
/// request path of a small file those hand-overs (a wake-up and a park each) cost more
/// than the parsing.
pub fn mark_job_thread() {
    JOB_THREAD.with(|j| j.set(true));
}

/// Whether the calling thread is a job thread ([`mark_job_thread`]).
pub fn on_job_thread() -> bool {
    JOB_THREAD.with(|j| j.get())
}

/// Runs CPU-bound or blocking work: in place on a job thread or when `in_place` (small
/// work, see [`IN_PLACE_MAX`]), on the blocking pool otherwise. Work sent to the pool
/// first takes one of `slots` (the worker's `WORKER_CPU_SLOTS`) and holds it only while it
/// runs: a job's network steps (fetching, staging, uploading the cleaned file) never count
/// against the CPU bound. A panic in the work fails the job (it is not retried: a file
/// that crashes a parser would crash it again).
pub(crate) async fn cpu_step<T: Send + 'static>(
    slots: Option<&tokio::sync::Semaphore>,
    in_place: bool,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    let crashed = |e: &dyn std::fmt::Debug| {
        error!(error = ?e, "a parser crashed on this file");
        Failure::internal("the file could not be processed (the parser failed on it)")
    };
    if in_place || on_job_thread() {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            crashed(&msg)
        });
    }
    let _slot = match slots {
        Some(s) => Some(
            s.acquire()
                .await
                .map_err(|e| Failure::internal(e.to_string()))?,
        ),
        None => None,
    };
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| crashed(&e))
}

/// Files up to this size are read into memory; larger ones are memory-mapped, so that only
/// the parts a parser looks at (headers, boxes, segments) are ever paged in.
const READ_LIMIT: u64 = 4 * 1024 * 1024;

/// A job's input bytes: in memory, or mapped from its file.
enum Input {
    Mem(Vec<u8>),
    Map(memmap2::Mmap),
}

impl std::ops::Deref for Input {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Input::Mem(v) => v,
            Input::Map(m) => m,
        }
    }
}

fn open_input(path: &Path) -> Result<(std::fs::File, Input), Failure> {
    let err = |e: std::io::Error| Failure::internal(format!("cannot read the input: {e}"));
    let file = std::fs::File::open(path).map_err(err)?;
    let len = file.metadata().map_err(err)?.len();
    if len <= READ_LIMIT {
        let mut v = Vec::with_capacity(len as usize);
        std::io::Read::read_to_end(&mut &file, &mut v).map_err(err)?;
        return Ok((file, Input::Mem(v)));
    }
    // SAFETY: the file is this job's own (a staged upload, a fetched URL or the cleaned
    // output in the job's scratch directory); nothing else writes or truncates it while
    // the map is alive.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(err)?;
    Ok((file, Input::Map(map)))
}

/// The input file as the core's [`metacore::Source`]: positioned reads (`pread`), which go
/// through the page cache without mapping anything into the process.
struct FileSource<'a> {
    file: &'a std::fs::File,
    /// The length seen when the input was opened (the file is the job's own: it does not
    /// change while the job runs).
    len: u64,
}

impl metacore::Source for FileSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self.file, buf, offset)
    }
}

/// The input's format (`None`: not recognised, or the input could not be read) and what
/// was extracted.
type Detected<T> = (Option<metacore::FileKind>, Result<T, Failure>);

fn extract_file(input: &Source, name: Option<&str>) -> Detected<(RawJson, Vec<String>)> {
    let opened;
    let data: &[u8] = match input {
        Source::Memory(d) => d,
        Source::Path(path) => match open_input(path) {
            Ok(o) => {
                opened = o;
                &opened.1
            }
            Err(f) => return (None, Err(f)),
        },
    };
    // For the metrics (the extractor detects again: magic bytes, cheap next to extracting).
    let kind = metacore::detect(data, name);
    let meta = metacore::extract(data, name);
    // Straight to JSON text (the core's `Serialize` writes what `to_json` would hold).
    let json = RawJson::of(&meta)
        .map_err(|e| Failure::internal(format!("cannot serialize the metadata: {e}")));
    (kind, json.map(|j| (j, meta.warnings)))
}

struct CleanReport {
    mime: &'static str,
    extension: &'static str,
    size_before: u64,
    size_after: u64,
    removed: serde_json::Map<String, serde_json::Value>,
}

fn clean_file(
    input: &Source,
    out: &Path,
    name: Option<&str>,
    keep: metacore::Keep,
) -> Detected<CleanReport> {
    let opened;
    let (file, data): (Option<&std::fs::File>, &[u8]) = match input {
        Source::Memory(d) => (None, d),
        Source::Path(path) => match open_input(path) {
            Ok(o) => {
                opened = o;
                (Some(&opened.0), &opened.1)
            }
            Err(f) => return (None, Err(f)),
        },
    };
    let kind = metacore::detect(data, name);
    (kind, strip_to(file, data, out, name, keep))
}

fn strip_to(
    file: Option<&std::fs::File>,
    data: &[u8],
    out: &Path,
    name: Option<&str>,
    keep: metacore::Keep,
) -> Result<CleanReport, Failure> {
    // Headers are parsed through the map; the passes over the data (a JPEG's scan, ...)
    // read the file with pread through the core's bounded window, so they do not page
    // the whole map into the process.
    let planned = match file {
        Some(file) => {
            let src = FileSource {
                file,
                len: data.len() as u64,
            };
            metacore::strip_with_source(data, &src, name, keep)
        }
        None => metacore::strip(data, name, keep),
    };
    let plan = planned.map_err(|e| match e {
        metacore::StripError::Unsupported(_) => {
            Failure::new(FailureCode::Unsupported, e.to_string())
        }
        metacore::StripError::Read(_) => Failure::internal(e.to_string()),
        other => Failure::new(FailureCode::BadRequest, other.to_string()),
    })?;
    let size_before = data.len() as u64;
    let written = std::fs::File::create(out).and_then(|f| {
        let mut w = std::io::BufWriter::with_capacity(256 * 1024, f);
        match file {
            // Copied ranges are read from the file, never through the map, so a 2 GiB
            // video's data is streamed rather than paged into the process.
            Some(file) => plan.write_from_reader(&mut &*file, &mut w)?,
            None => plan.write_from_slice(data, &mut w)?,
        }
        std::io::Write::flush(&mut w)
    });
    written.map_err(|e| Failure::internal(format!("cannot write the cleaned file: {e}")))?;
    let (_f, cleaned) = open_input(out)?;
    let meta = metacore::extract(&cleaned, name);
    let left = crate::verify::leftovers(&meta, keep);
    if !left.is_empty() {
        error!(leftovers = ?left, "the cleaned file still holds metadata; refusing to hand it out");
        return Err(Failure::internal(
            "metadata removal could not be verified for this file; the cleaned file was not kept",
        ));
    }
    let removed = plan
        .removed
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
        .collect();
    Ok(CleanReport {
        mime: plan.mime,
        extension: plan.extension,
        size_before,
        size_after: cleaned.len() as u64,
        removed,
    })
}

/// The name the cleaned file is downloaded under: the original name, with the format's
/// extension when it had none.
fn download_name(original: Option<&str>, ext: &str) -> String {
    match original {
        Some(n) if n.contains('.') => n.to_string(),
        Some(n) if !n.is_empty() => format!("{n}.{ext}"),
        _ => format!("cleaned.{ext}"),
    }
}
