//! The extraction result: ordered groups of ordered tags, plus warnings.

use indexmap::IndexMap;
use serde_json::Value;
use std::time::{Duration, Instant};

/// One family-0 group: tag name -> JSON value as `exiftool -json` prints it.
pub type Group = IndexMap<String, Value>;

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
    pub groups: IndexMap<String, Group>,
    /// Problems met on the way (damaged segments, truncated data, budget exhausted).
    pub warnings: Vec<String>,
    pub budget: Budget,
    /// Numeric (ValueConv) values of some tags, keyed "group:Tag", kept out of the JSON
    /// output: the Composite tags are computed from these, as ExifTool does.
    pub raw: IndexMap<String, Value>,
}

impl Metadata {
    pub fn new(budget: Budget) -> Self {
        Metadata {
            groups: IndexMap::new(),
            warnings: Vec::new(),
            budget,
            raw: IndexMap::new(),
        }
    }

    /// Adds `tag` to `group` unless the group already has it: as in ExifTool without `-a`,
    /// the first occurrence wins (callers add lower-priority sources, such as IFD1, last).
    pub fn add(&mut self, group: &str, tag: &str, value: impl Into<Value>) {
        let g = self.groups.entry(group.to_string()).or_default();
        if !g.contains_key(tag) {
            g.insert(tag.to_string(), value.into());
        }
    }

    /// Sets `tag` in `group`, replacing an earlier value.
    pub fn set(&mut self, group: &str, tag: &str, value: impl Into<Value>) {
        self.groups
            .entry(group.to_string())
            .or_default()
            .insert(tag.to_string(), value.into());
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

    /// The groups as a JSON object, empty groups left out.
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
