//! The embedded store's result records on disk: append-only segment files and an index in
//! memory.
//!
//! `DATA_DIR/records/<seq>.log` holds entries one after the other:
//!
//! ```text
//! magic "MDR1" | body length u32 LE | crc32 u32 LE | flags u8 | 3 zero bytes
//! | written at (unix seconds) u64 LE | job id (16 bytes) | body (the record as JSON)
//! ```
//!
//! The crc covers everything after itself. `flags` bit 0 says the record is final. A record
//! written twice (a 202 wrote it unfinished, then its job ended) has two entries; the later
//! one wins. The index maps each job to its latest entry (28 bytes of memory per job kept:
//! a million records take ~40 MB); opening the log rebuilds it from the entry headers (one
//! small read per entry), cutting off a torn tail left by a crash.
//!
//! Why not a file per record (as before): creating a ~15 KB file cost ~140 µs of kernel
//! time per record on ext4 (more than parsing the JPEG it describes), and the kernel's
//! writeback of those files stalled requests for tens of milliseconds (BENCHMARKS.md,
//! section 3). Appending costs one copy into the page cache.
//!
//! Segments roll over at [`SEGMENT_MAX`] bytes or after [`SEGMENT_AGE`] seconds, and are
//! deleted whole once their newest entry is older than the retention ([`RecordLog::sweep`]).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing::warn;
use uuid::Uuid;

const MAGIC: &[u8; 4] = b"MDR1";
const HEADER: usize = 40;
const FINAL: u8 = 1;
/// A segment is closed once it holds this many bytes.
pub const SEGMENT_MAX: u64 = 256 << 20;
/// ... or once it is this old (seconds), so that old records go in hour-sized pieces.
pub const SEGMENT_AGE: u64 = 3600;

/// Where a job's latest entry is.
#[derive(Debug, Clone, Copy)]
struct Loc {
    seg: u32,
    off: u64,
    len: u32,
}

struct Segment {
    /// When its newest entry was written (unix seconds).
    newest: u64,
}

#[derive(Default)]
struct State {
    index: HashMap<Uuid, Loc>,
    segments: BTreeMap<u32, Segment>,
}

/// One entry to append.
pub struct Entry {
    pub id: Uuid,
    pub is_final: bool,
    pub body: Vec<u8>,
}

/// The segment being appended to; owned by the one thread that writes.
pub struct Appender {
    file: File,
    seg: u32,
    size: u64,
    opened: u64,
}

pub struct RecordLog {
    dir: PathBuf,
    state: Mutex<State>,
    segment_max: u64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn segment_name(seg: u32) -> String {
    format!("{seg:010}.log")
}

struct Header {
    len: u32,
    crc: u32,
    flags: u8,
    time: u64,
    id: Uuid,
}

fn parse_header(b: &[u8; HEADER]) -> Option<Header> {
    if &b[..4] != MAGIC {
        return None;
    }
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut time = [0u8; 8];
    time.copy_from_slice(&b[16..24]);
    let mut id = [0u8; 16];
    id.copy_from_slice(&b[24..40]);
    Some(Header {
        len: u32_at(4),
        crc: u32_at(8),
        flags: b[12],
        time: u64::from_le_bytes(time),
        id: Uuid::from_bytes(id),
    })
}

fn encode(out: &mut Vec<u8>, e: &Entry, time: u64) -> io::Result<()> {
    let len = u32::try_from(e.body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record too large"))?;
    let start = out.len();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // crc, below
    out.extend_from_slice(&[if e.is_final { FINAL } else { 0 }, 0, 0, 0]);
    out.extend_from_slice(&time.to_le_bytes());
    out.extend_from_slice(e.id.as_bytes());
    out.extend_from_slice(&e.body);
    let crc = crc32fast::hash(&out[start + 12..]);
    out[start + 8..start + 12].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

impl RecordLog {
    /// Opens (or creates) the log in `dir` and rebuilds the index. Also returns the jobs
    /// whose latest entry is unfinished (the service stopped before they ended).
    pub fn open(dir: &Path) -> io::Result<(RecordLog, Vec<Uuid>)> {
        Self::open_with(dir, SEGMENT_MAX)
    }

    pub(crate) fn open_with(dir: &Path, segment_max: u64) -> io::Result<(RecordLog, Vec<Uuid>)> {
        std::fs::create_dir_all(dir)?;
        let mut segs: Vec<u32> = std::fs::read_dir(dir)?
            .flatten()
            .filter_map(|e| {
                let name = e.file_name();
                let name = name.to_str()?;
                let seq = name.strip_suffix(".log")?;
                (seq.len() == 10).then(|| seq.parse().ok()).flatten()
            })
            .collect();
        segs.sort_unstable();
        let mut st = State::default();
        let mut unfinished: HashMap<Uuid, bool> = HashMap::new();
        for seg in segs {
            let path = dir.join(segment_name(seg));
            let newest = scan_segment(&path, |h, off| {
                st.index.insert(
                    h.id,
                    Loc {
                        seg,
                        off,
                        len: h.len,
                    },
                );
                unfinished.insert(h.id, h.flags & FINAL == 0);
            })?;
            st.segments.insert(seg, Segment { newest });
        }
        let unfinished = unfinished
            .into_iter()
            .filter_map(|(id, open)| open.then_some(id))
            .collect();
        Ok((
            RecordLog {
                dir: dir.to_path_buf(),
                state: Mutex::new(st),
                segment_max,
            },
            unfinished,
        ))
    }

    /// How many jobs have a record.
    pub fn len(&self) -> usize {
        lock(&self.state).index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn start_segment(&self, now: u64) -> io::Result<Appender> {
        let mut st = lock(&self.state);
        let seg = st.segments.keys().next_back().map_or(1, |s| s + 1);
        let file = File::options()
            .create_new(true)
            .append(true)
            .read(true)
            .open(self.dir.join(segment_name(seg)))?;
        st.segments.insert(seg, Segment { newest: now });
        Ok(Appender {
            file,
            seg,
            size: 0,
            opened: now,
        })
    }

    /// Appends `entries` (one write), then points the index at them. A new segment is
    /// started on the first append after opening and when the current one is full or old.
    /// On a failed write the segment is cut back to its last whole entry.
    pub fn append(
        &self,
        app: &mut Option<Appender>,
        entries: &[Entry],
        now: u64,
    ) -> io::Result<()> {
        let mut buf = Vec::with_capacity(entries.iter().map(|e| HEADER + e.body.len()).sum());
        for e in entries {
            encode(&mut buf, e, now)?;
        }
        let roll = app.as_ref().is_none_or(|a| {
            (a.size > 0 && a.size + buf.len() as u64 > self.segment_max)
                || now.saturating_sub(a.opened) >= SEGMENT_AGE
        });
        if roll {
            *app = Some(self.start_segment(now)?);
        }
        let Some(a) = app.as_mut() else {
            unreachable!("a segment was just started")
        };
        if let Err(e) = std::io::Write::write_all(&mut a.file, &buf) {
            if a.file.set_len(a.size).is_err() {
                // Cannot cut it back: leave this segment, start another next time.
                *app = None;
            }
            return Err(e);
        }
        let mut off = a.size;
        a.size += buf.len() as u64;
        let seg = a.seg;
        let mut st = lock(&self.state);
        for e in entries {
            let len = e.body.len() as u32;
            st.index.insert(e.id, Loc { seg, off, len });
            off += (HEADER + e.body.len()) as u64;
        }
        if let Some(s) = st.segments.get_mut(&seg) {
            s.newest = now;
        }
        Ok(())
    }

    /// The latest body written for `id`. An entry that does not check out (damaged on
    /// disk) reads as missing, with a warning.
    pub fn read(&self, id: Uuid) -> io::Result<Option<Vec<u8>>> {
        let Some(loc) = lock(&self.state).index.get(&id).copied() else {
            return Ok(None);
        };
        let file = match File::open(self.dir.join(segment_name(loc.seg))) {
            Ok(f) => f,
            // Swept meanwhile.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut buf = vec![0u8; HEADER + loc.len as usize];
        file.read_exact_at(&mut buf, loc.off)?;
        let mut head = [0u8; HEADER];
        head.copy_from_slice(&buf[..HEADER]);
        let ok = parse_header(&head).is_some_and(|h| {
            h.id == id && h.len == loc.len && h.crc == crc32fast::hash(&buf[12..])
        });
        if !ok {
            warn!(uuid = %id, segment = loc.seg, offset = loc.off, "a result record is damaged on disk");
            return Ok(None);
        }
        buf.drain(..HEADER);
        Ok(Some(buf))
    }

    /// Deletes the segments whose newest entry is at least `keep` seconds old (never the
    /// newest segment, which may be appended to), and the index entries that point into
    /// them. Returns how many segments it deleted.
    pub fn sweep(&self, keep: u64, now: u64) -> io::Result<usize> {
        let old: Vec<u32> = {
            let st = lock(&self.state);
            let last = st.segments.keys().next_back().copied();
            st.segments
                .iter()
                .filter(|(s, info)| Some(**s) != last && now.saturating_sub(info.newest) >= keep)
                .map(|(s, _)| *s)
                .collect()
        };
        for &seg in &old {
            let path = self.dir.join(segment_name(seg));
            // The segment's ids, read outside the lock; then dropped in small batches so
            // lookups and writes never wait for the whole segment.
            let mut ids = Vec::new();
            scan_segment(&path, |h, _| ids.push(h.id))?;
            for chunk in ids.chunks(1024) {
                let mut st = lock(&self.state);
                for id in chunk {
                    if st.index.get(id).is_some_and(|l| l.seg == seg) {
                        st.index.remove(id);
                    }
                }
            }
            lock(&self.state).segments.remove(&seg);
            std::fs::remove_file(&path)?;
        }
        Ok(old.len())
    }
}

/// Reads a segment's entry headers in order, calling `f` with each and its offset, and
/// returns the newest entry's time. A torn or damaged tail (a crash in mid-write) is cut
/// off, with a warning.
fn scan_segment(path: &Path, mut f: impl FnMut(&Header, u64)) -> io::Result<u64> {
    let file = File::options().read(true).write(true).open(path)?;
    let size = file.metadata()?.len();
    let mut off = 0u64;
    let mut newest = 0;
    let mut head = [0u8; HEADER];
    while off + HEADER as u64 <= size {
        file.read_exact_at(&mut head, off)?;
        let Some(h) = parse_header(&head).filter(|h| off + (HEADER as u64) + h.len as u64 <= size)
        else {
            break;
        };
        f(&h, off);
        newest = newest.max(h.time);
        off += HEADER as u64 + h.len as u64;
    }
    if off < size {
        warn!(segment = %path.display(), offset = off, dropped_bytes = size - off,
            "cutting off a torn end of the result log (the service stopped in mid-write)");
        file.set_len(off)?;
    }
    Ok(newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: Uuid, is_final: bool, body: &str) -> Entry {
        Entry {
            id,
            is_final,
            body: body.as_bytes().to_vec(),
        }
    }

    fn segments(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn entries_round_trip_and_the_latest_wins_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        {
            let (log, open) = RecordLog::open(dir.path()).unwrap();
            assert!(open.is_empty());
            let mut app = None;
            log.append(
                &mut app,
                &[entry(a, false, "a1"), entry(b, true, "b1")],
                100,
            )
            .unwrap();
            log.append(&mut app, &[entry(a, true, "a2")], 101).unwrap();
            assert_eq!(log.read(a).unwrap().unwrap(), b"a2");
            assert_eq!(log.read(b).unwrap().unwrap(), b"b1");
            assert_eq!(log.read(Uuid::new_v4()).unwrap(), None);
        }
        let (log, open) = RecordLog::open(dir.path()).unwrap();
        assert!(open.is_empty(), "a's latest entry is final");
        assert_eq!(log.len(), 2);
        assert_eq!(log.read(a).unwrap().unwrap(), b"a2");
        // A new run appends to a segment of its own.
        let c = Uuid::new_v4();
        log.append(&mut None, &[entry(c, false, "c1")], 102)
            .unwrap();
        assert_eq!(segments(dir.path()).len(), 2);
        let (log, open) = RecordLog::open(dir.path()).unwrap();
        assert_eq!(open, vec![c], "c was left unfinished");
        assert_eq!(log.read(c).unwrap().unwrap(), b"c1");
    }

    #[test]
    fn a_torn_tail_is_cut_off_and_damage_reads_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        {
            let (log, _) = RecordLog::open(dir.path()).unwrap();
            let mut app = None;
            log.append(&mut app, &[entry(a, true, "first")], 1).unwrap();
            log.append(&mut app, &[entry(b, true, "second")], 1)
                .unwrap();
            log.append(&mut app, &[entry(c, true, "third")], 1).unwrap();
        }
        let seg = segments(dir.path()).remove(0);
        let len = std::fs::metadata(&seg).unwrap().len();
        // A crash in the middle of the last write.
        File::options()
            .write(true)
            .open(&seg)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        // A flipped byte in the middle entry's body.
        let mut bytes = std::fs::read(&seg).unwrap();
        let at = HEADER + 5 + HEADER + 2;
        bytes[at] ^= 0xff;
        std::fs::write(&seg, &bytes).unwrap();

        let (log, _) = RecordLog::open(dir.path()).unwrap();
        assert_eq!(log.read(a).unwrap().unwrap(), b"first");
        assert_eq!(log.read(b).unwrap(), None, "damaged: missing, not garbage");
        assert_eq!(log.read(c).unwrap(), None, "torn: cut off");
        assert_eq!(
            std::fs::metadata(&seg).unwrap().len(),
            (2 * HEADER + 5 + 6) as u64
        );
        // Garbage in place of a header stops the scan there too.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&seg)
            .unwrap()
            .write_at(&[0xAB; 100], 0)
            .ok();
        let (log, _) = RecordLog::open(dir.path()).unwrap();
        assert_eq!(log.len(), 0);
        log.append(&mut None, &[entry(c, true, "again")], 2)
            .unwrap();
        let (log, _) = RecordLog::open(dir.path()).unwrap();
        assert_eq!(log.read(c).unwrap().unwrap(), b"again");
    }

    #[test]
    fn segments_roll_over_and_old_ones_are_swept_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _) = RecordLog::open_with(dir.path(), 100).unwrap();
        let mut app = None;
        let old: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
        for id in &old {
            // 40 + 50 bytes each: one entry per 100-byte segment.
            log.append(&mut app, &[entry(*id, true, &"x".repeat(50))], 1000)
                .unwrap();
        }
        assert_eq!(segments(dir.path()).len(), 3);
        // A record rewritten later lives on in a newer segment.
        log.append(&mut app, &[entry(old[0], true, "rewritten")], 5000)
            .unwrap();
        let young = Uuid::new_v4();
        // The age limit rolls over too.
        log.append(&mut app, &[entry(young, true, "y")], 5000 + SEGMENT_AGE)
            .unwrap();
        assert_eq!(segments(dir.path()).len(), 5);

        assert_eq!(log.sweep(3000, 5000).unwrap(), 3);
        assert_eq!(segments(dir.path()).len(), 2);
        assert_eq!(log.read(old[0]).unwrap().unwrap(), b"rewritten");
        assert_eq!(log.read(old[1]).unwrap(), None);
        assert_eq!(log.read(young).unwrap().unwrap(), b"y");
        assert_eq!(log.len(), 2);
        // The newest segment is never swept: it may still be appended to.
        assert_eq!(log.sweep(0, u64::MAX).unwrap(), 1);
        assert_eq!(log.read(young).unwrap().unwrap(), b"y");
        log.append(
            &mut app,
            &[entry(Uuid::new_v4(), true, "z")],
            5000 + SEGMENT_AGE,
        )
        .unwrap();
    }
}
