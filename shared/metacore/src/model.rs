//! The extraction result: ordered groups of ordered tags, plus warnings.

use indexmap::IndexMap;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The hasher of the metadata maps: their keys are short tag names looked up many times per
/// file, for which std's SipHash was ~10 % of an extraction. foldhash's per-process random
/// seed keeps some protection against crafted keys (XMP and PNG text keys come from files).
pub type Hasher = foldhash::fast::RandomState;

/// One family-0 group: tag name -> JSON value as `exiftool -json` prints it.
pub type Group = IndexMap<String, Value, Hasher>;

/// The key of [`Metadata::raw`] for `group:tag`, without going through `format!`.
pub fn raw_key(group: &str, tag: &str) -> String {
    let mut k = String::with_capacity(group.len() + 1 + tag.len());
    k.push_str(group);
    k.push(':');
    k.push_str(tag);
    k
}

/// Calls `f` with the key of [`Metadata::raw`] for `group:tag`, built in a buffer kept per
/// thread (no allocation, and no UTF-8 check as a stack buffer would need): for lookups and
/// removals.
pub fn with_raw_key<R>(group: &str, tag: &str, f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    let mut f = Some(f);
    let r = KEY.with(|k| {
        // (a call from inside `f` finds the buffer taken and builds its own key)
        let mut k = k.try_borrow_mut().ok()?;
        k.clear();
        k.push_str(group);
        k.push(':');
        k.push_str(tag);
        let r = (f.take()?)(&k);
        if k.capacity() > 256 {
            *k = String::new();
        }
        Some(r)
    });
    match (r, f) {
        (Some(r), _) => r,
        (None, Some(f)) => f(&raw_key(group, tag)),
        (None, None) => unreachable!("`f` runs once"),
    }
}

/// How long one extraction may take before parsers stop descending and return what they have.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Instant,
}

impl Budget {
    pub fn new(limit: Duration) -> Self {
        Budget {
            deadline: Instant::now() + limit,
        }
    }
    pub fn exceeded(&self) -> bool {
        Instant::now() >= self.deadline
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(Duration::from_secs(10))
    }
}

/// Everything extracted from one file.
#[derive(Debug, Clone)]
pub struct Metadata {
    /// Lower-case family-0 group name (`file`, `exif`, `xmp`, ...) -> tags.
    pub groups: IndexMap<String, Group, Hasher>,
    /// Problems met on the way (damaged segments, truncated data, budget exhausted).
    pub warnings: Vec<String>,
    pub budget: Budget,
    /// Numeric (ValueConv) values of some tags, keyed "group:Tag", kept out of the JSON
    /// output: the Composite tags are computed from these, as ExifTool does.
    pub raw: IndexMap<String, Value, Hasher>,
}

impl Metadata {
    pub fn new(budget: Budget) -> Self {
        Metadata {
            groups: IndexMap::with_capacity_and_hasher(8, Hasher::default()),
            warnings: Vec::new(),
            budget,
            raw: IndexMap::with_capacity_and_hasher(64, Hasher::default()),
        }
    }

    /// Adds `tag` to `group` unless the group already has it: as in ExifTool without `-a`,
    /// the first occurrence wins (callers add lower-priority sources, such as IFD1, last).
    pub fn add(&mut self, group: &str, tag: &str, value: impl Into<Value>) {
        use indexmap::map::{raw_entry_v1::RawEntryMut, RawEntryApiV1};
        // one hash and one probe; the name is copied only when the tag is new
        if let RawEntryMut::Vacant(e) = self.group_mut(group).raw_entry_mut_v1().from_key(tag) {
            e.insert(tag.to_string(), value.into());
        }
    }

    /// [`Metadata::add`] for several tags of one group, which is looked up once (and, as
    /// with `add`, only created when there is a tag to add).
    pub(crate) fn add_all<'t>(
        &mut self,
        group: &str,
        tags: impl IntoIterator<Item = (&'t str, Value)>,
    ) {
        use indexmap::map::{raw_entry_v1::RawEntryMut, RawEntryApiV1};
        let mut tags = tags.into_iter().peekable();
        if tags.peek().is_none() {
            return;
        }
        let g = self.group_mut(group);
        for (tag, value) in tags {
            if let RawEntryMut::Vacant(e) = g.raw_entry_mut_v1().from_key(tag) {
                e.insert(tag.to_string(), value);
            }
        }
    }

    /// Sets `tag` in `group`, replacing an earlier value.
    pub fn set(&mut self, group: &str, tag: &str, value: impl Into<Value>) {
        self.set_owned(group, tag.to_string(), value.into());
    }

    /// Like [`Metadata::set`] with a tag name the caller already owns.
    pub fn set_owned(&mut self, group: &str, tag: String, value: Value) {
        self.group_mut(group).insert(tag, value);
    }

    /// The group named `group`, created empty at the end if missing (the group name is
    /// only allocated then), with room for the tags such a group usually gets, so that
    /// filling it does not grow and rehash its table several times.
    pub(crate) fn group_mut(&mut self, group: &str) -> &mut Group {
        // tags mostly go to the group made last: a name compare instead of a hash then
        let last = self.groups.len().wrapping_sub(1);
        if self.groups.get_index(last).is_some_and(|(k, _)| k == group) {
            return &mut self.groups[last];
        }
        let i = match self.groups.get_index_of(group) {
            Some(i) => i,
            None => {
                let cap = match group {
                    "exif" | "makernotes" | "xmp" | "quicktime" => 64,
                    "icc_profile" => 48,
                    "file" | "composite" => 16,
                    _ => 8,
                };
                self.groups
                    .insert_full(
                        group.to_string(),
                        Group::with_capacity_and_hasher(cap, Hasher::default()),
                    )
                    .0
            }
        };
        &mut self.groups[i]
    }

    /// The numeric (ValueConv) value recorded for `group:tag`, looked up without allocating.
    pub fn raw_get(&self, group: &str, tag: &str) -> Option<&Value> {
        with_raw_key(group, tag, |k| self.raw.get(k))
    }

    pub fn get(&self, group: &str, tag: &str) -> Option<&Value> {
        self.groups.get(group).and_then(|g| g.get(tag))
    }

    /// Records a warning once (the same text twice is kept once).
    pub fn warn(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.warnings.contains(&text) && self.warnings.len() < 64 {
            self.warnings.push(text);
        }
    }

    /// Like [`Metadata::to_json`], consuming the metadata: tag names and values are moved
    /// into the JSON object instead of copied (what the service does with the result).
    pub fn into_json(self) -> Value {
        let mut out = serde_json::Map::with_capacity(self.groups.len());
        for (name, tags) in self.groups {
            if tags.is_empty() {
                continue;
            }
            out.insert(name, Value::Object(tags.into_iter().collect()));
        }
        Value::Object(out)
    }

    /// The groups as a JSON object, empty groups left out. Serializing the metadata itself
    /// (see its `Serialize` impl) gives the same text without building the tree.
    pub fn to_json(&self) -> Value {
        let mut out = serde_json::Map::new();
        for (name, tags) in &self.groups {
            if tags.is_empty() {
                continue;
            }
            let obj: serde_json::Map<String, Value> =
                tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            out.insert(name.clone(), Value::Object(obj));
        }
        Value::Object(out)
    }
}

/// Writes exactly what serializing [`Metadata::to_json`] writes (same keys in the same order,
/// empty groups left out, same values), without building a [`Value`] tree first: the service
/// turns the extraction into JSON text with `serde_json::value::to_raw_value(&meta)`.
impl serde::Serialize for Metadata {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let n = self.groups.values().filter(|g| !g.is_empty()).count();
        let mut map = serializer.serialize_map(Some(n))?;
        for (name, tags) in &self.groups {
            if !tags.is_empty() {
                map.serialize_entry(name, &GroupJson(tags))?;
            }
        }
        map.end()
    }
}

/// One group as a JSON object, in insertion order.
struct GroupJson<'a>(&'a Group);

impl serde::Serialize for GroupJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
