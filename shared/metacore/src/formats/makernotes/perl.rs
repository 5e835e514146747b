//! A tiny evaluator for the one-line Perl expressions ExifTool's tag tables use as
//! conditions and conversions (`$val / 10`, `sprintf("%.1f mm",$val)`,
//! `$$self{Model} =~ /EOS/`, `$val ? ... : ...`). Anything it does not understand makes it
//! return `None`, and the caller then leaves the tag out. Bounded: expressions are short
//! static strings from the tables, and the regex matcher caps its steps.

use super::value::{fmt_g, fmt_num};
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Debug, Clone, PartialEq)]
pub enum P {
    Num(f64),
    Str(String),
    Undef,
}

impl P {
    pub fn num(&self) -> f64 {
        match self {
            P::Num(x) => *x,
            P::Str(s) => leading_num(s),
            P::Undef => 0.0,
        }
    }
    pub fn text(&self) -> String {
        match self {
            P::Num(x) => fmt_num(*x),
            P::Str(s) => s.clone(),
            P::Undef => String::new(),
        }
    }
    pub fn truthy(&self) -> bool {
        match self {
            P::Num(x) => *x != 0.0,
            P::Str(s) => !(s.is_empty() || s == "0"),
            P::Undef => false,
        }
    }
}

/// Perl's numification of a string: the leading number, else 0.
pub fn leading_num(s: &str) -> f64 {
    let s = s.trim_start();
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    if s[i..].starts_with("0x") {
        return 0.0;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let save = i;
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let d = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == d {
            i = save;
        }
    }
    s[..i].parse().unwrap_or(0.0)
}

/// What an expression can read: `$val`, `$$self{Name}`, `$$valPt`, `$format`, `$count`.
pub trait Env {
    fn val(&self) -> P;
    fn member(&self, name: &str) -> P;
    fn value_bytes(&self) -> P {
        P::Undef
    }
    fn format(&self) -> P {
        P::Undef
    }
    fn count(&self) -> P {
        P::Undef
    }
}

/// Removes Perl comments (a `#` outside quotes and regexes runs to the end of the line).
fn strip_comments(code: &str) -> String {
    let mut out = String::new();
    for line in code.lines() {
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        let mut cut = line.len();
        for (i, c) in line.char_indices() {
            match quote {
                Some(q) if c == q && prev != '\\' => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' || c == '/' => quote = Some(c),
                None if c == '#' => {
                    cut = i;
                    break;
                }
                None => {}
            }
            prev = c;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

pub fn eval(code: &str, env: &dyn Env) -> Option<P> {
    let stripped;
    let code = if code.contains('#') {
        stripped = strip_comments(code);
        stripped.as_str()
    } else {
        code
    };
    let toks = lex(trimmed(code)?)?;
    run(&toks, env)
}

/// The code without surrounding blanks and trailing `;`, if there is any and not too much.
fn trimmed(code: &str) -> Option<&str> {
    let code = code.trim().trim_end_matches(';').trim();
    (!code.is_empty() && code.len() <= 400).then_some(code)
}

/// Evaluates the tokens of one expression.
fn run(toks: &[T<'_>], env: &dyn Env) -> Option<P> {
    let mut p = Parser { t: toks, i: 0, env };
    let v = p.expr(0)?;
    if p.i != toks.len() {
        return None;
    }
    Some(v)
}

/// What [`TOKENS`] holds for a piece of static code.
#[derive(Clone)]
enum Lexed {
    Tokens(Rc<[T<'static>]>),
    /// Code the evaluator cannot run (empty, too long, not lexable).
    Invalid,
    /// Code with comments: stripping them makes a new string, so `eval` runs it.
    Comments,
}

/// The tokens of static code (the tables' conditions and conversions), keyed by the
/// code's address and length: static text never moves or changes, so the key names one
/// text. Lexing again for every tag of every file cost more than evaluating.
type TokenCache = std::collections::HashMap<(usize, usize), Lexed, crate::model::Hasher>;

thread_local! {
    static TOKENS: RefCell<TokenCache> = RefCell::default();
}

/// [`eval`] for code from the static tables, lexed once per thread.
pub fn eval_static(code: &'static str, env: &dyn Env) -> Option<P> {
    let key = (code.as_ptr() as usize, code.len());
    let lexed = TOKENS.with(|c| {
        if let Some(l) = c.borrow().get(&key) {
            return l.clone();
        }
        let l = if code.contains('#') {
            Lexed::Comments
        } else {
            match trimmed(code).and_then(lex) {
                Some(t) => Lexed::Tokens(t.into()),
                None => Lexed::Invalid,
            }
        };
        let mut c = c.borrow_mut();
        if c.len() >= 4096 {
            c.clear();
        }
        c.insert(key, l.clone());
        l
    });
    match lexed {
        Lexed::Tokens(t) => run(&t, env),
        Lexed::Invalid => None,
        Lexed::Comments => eval(code, env),
    }
}

/// A token, borrowing its text from the code (a string literal is copied only when it has
/// escapes).
#[derive(Debug, Clone, PartialEq)]
enum T<'s> {
    Num(f64),
    Str(Cow<'s, str>, bool), // text, interpolate
    Var(&'s str),            // val, valPt, format, count
    Member(&'s str),         // $$self{Name}
    Ident(&'s str),
    Op(&'static str),
    Regex(&'s str, bool), // pattern, case-insensitive
}

const OPS: &[&str] = &[
    "**", "==", "!=", "<=", ">=", "=~", "!~", "&&", "||", "<<", ">>", "+", "-", "*", "/", "%", "<",
    ">", "?", ":", "(", ")", ",", ".", "!", "&", "|", "^", "=",
];

fn lex(s: &str) -> Option<Vec<T<'_>>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out: Vec<T> = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            if c == b'0' && matches!(b.get(i + 1), Some(b'x') | Some(b'X')) {
                let st = i + 2;
                i = st;
                while i < b.len() && b[i].is_ascii_hexdigit() {
                    i += 1;
                }
                out.push(T::Num(i64::from_str_radix(&s[st..i], 16).ok()? as f64));
                continue;
            }
            let st = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                i += 1;
                if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
                    i += 1;
                }
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            out.push(T::Num(s[st..i].parse().ok()?));
            continue;
        }
        if c == b'"' || c == b'\'' {
            let st = i + 1;
            i += 1;
            // the text so far, once an escape makes it differ from the code
            let mut txt: Option<String> = None;
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' && i + 1 < b.len() {
                    let t = txt.get_or_insert_with(|| s[st..i].to_string());
                    i += 1;
                    t.push(match b[i] {
                        b'n' if c == b'"' => '\n',
                        b't' if c == b'"' => '\t',
                        x => x as char,
                    });
                    i += 1;
                    continue;
                }
                let ch = s[i..].chars().next()?;
                if let Some(t) = txt.as_mut() {
                    t.push(ch);
                }
                i += ch.len_utf8();
            }
            if i >= b.len() {
                return None;
            }
            let txt = match txt {
                Some(t) => Cow::Owned(t),
                None => Cow::Borrowed(&s[st..i]),
            };
            i += 1;
            out.push(T::Str(txt, c == b'"'));
            continue;
        }
        if c == b'$' {
            if s[i..].starts_with("$$self{") {
                let st = i + 7;
                let end = s[st..].find('}')? + st;
                out.push(T::Member(&s[st..end]));
                i = end + 1;
                continue;
            }
            if s[i..].starts_with("$self->{") {
                let st = i + 8;
                let end = s[st..].find('}')? + st;
                out.push(T::Member(&s[st..end]));
                i = end + 1;
                continue;
            }
            if s[i..].starts_with("$$valPt") {
                out.push(T::Var("valPt"));
                i += 7;
                continue;
            }
            let st = i + 1;
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(T::Var(&s[st..i]));
            continue;
        }
        if c == b'/' && matches!(out.last(), Some(T::Op("=~")) | Some(T::Op("!~"))) {
            let st = i + 1;
            i += 1;
            while i < b.len() && b[i] != b'/' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            if i >= b.len() {
                return None;
            }
            let pat = &s[st..i];
            i += 1;
            let mut ci = false;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                if b[i] == b'i' {
                    ci = true;
                }
                i += 1;
            }
            out.push(T::Regex(pat, ci));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'_'
                    || (b[i] == b':' && b.get(i + 1) == Some(&b':')))
            {
                if b[i] == b':' {
                    i += 1;
                }
                i += 1;
            }
            out.push(T::Ident(&s[st..i]));
            continue;
        }
        let op = op_at(&b[i..])?;
        out.push(T::Op(op));
        i += op.len();
    }
    Some(out)
}

/// The first of `OPS` that `b` starts with (the two-character operators come first there).
fn op_at(b: &[u8]) -> Option<&'static str> {
    let two = match b {
        [b'*', b'*', ..] => Some("**"),
        [b'=', b'=', ..] => Some("=="),
        [b'!', b'=', ..] => Some("!="),
        [b'<', b'=', ..] => Some("<="),
        [b'>', b'=', ..] => Some(">="),
        [b'=', b'~', ..] => Some("=~"),
        [b'!', b'~', ..] => Some("!~"),
        [b'&', b'&', ..] => Some("&&"),
        [b'|', b'|', ..] => Some("||"),
        [b'<', b'<', ..] => Some("<<"),
        [b'>', b'>', ..] => Some(">>"),
        _ => None,
    };
    if two.is_some() {
        return two;
    }
    let c = *b.first()?;
    OPS.iter()
        .find(|o| o.len() == 1 && o.as_bytes()[0] == c)
        .copied()
}

struct Parser<'a> {
    t: &'a [T<'a>],
    i: usize,
    env: &'a dyn Env,
}

fn prec(op: &str) -> Option<(u8, bool)> {
    // (precedence, right-assoc)
    Some(match op {
        "?" => (2, true),
        "=" => (2, true),
        "or" => (1, false),
        "and" => (1, false),
        "||" => (3, false),
        "&&" => (4, false),
        "|" | "^" => (5, false),
        "&" => (6, false),
        "==" | "!=" | "eq" | "ne" => (7, false),
        "<" | ">" | "<=" | ">=" | "lt" | "gt" => (8, false),
        "<<" | ">>" => (9, false),
        "+" | "-" | "." => (10, false),
        "*" | "/" | "%" | "x" => (11, false),
        "=~" | "!~" => (13, false),
        "**" => (14, true),
        _ => return None,
    })
}

impl<'a> Parser<'a> {
    fn peek_op(&self) -> Option<&'a str> {
        match self.t.get(self.i)? {
            T::Op(o) => Some(o),
            T::Ident(w) if matches!(*w, "eq" | "ne" | "lt" | "gt" | "and" | "or" | "x") => Some(w),
            _ => None,
        }
    }

    fn expr(&mut self, min: u8) -> Option<P> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek_op() {
            let Some((p, right)) = prec(op) else { break };
            if p < min {
                break;
            }
            self.i += 1;
            if op == "?" {
                let a = self.expr(0)?;
                if self.t.get(self.i) != Some(&T::Op(":")) {
                    return None;
                }
                self.i += 1;
                let b = self.expr(p)?;
                lhs = if lhs.truthy() { a } else { b };
                continue;
            }
            if op == "=~" || op == "!~" {
                let Some(T::Regex(pat, ci)) = self.t.get(self.i) else {
                    return None;
                };
                self.i += 1;
                let m = match &lhs {
                    P::Str(s) => regex_match(pat, s, *ci)?,
                    other => regex_match(pat, &other.text(), *ci)?,
                };
                lhs = P::Num(if m == (op == "=~") { 1.0 } else { 0.0 });
                continue;
            }
            let rhs = self.expr(if right { p } else { p + 1 })?;
            // assignment (to a data member): the value is the assigned value
            lhs = if op == "=" { rhs } else { binop(op, lhs, rhs)? };
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<P> {
        match self.t.get(self.i)? {
            T::Op("-") => {
                self.i += 1;
                let v = self.expr(12)?;
                Some(P::Num(-v.num()))
            }
            T::Op("+") => {
                self.i += 1;
                self.expr(12)
            }
            T::Op("!") => {
                self.i += 1;
                let v = self.expr(12)?;
                Some(P::Num(if v.truthy() { 0.0 } else { 1.0 }))
            }
            T::Ident("not") => {
                self.i += 1;
                let v = self.expr(2)?;
                Some(P::Num(if v.truthy() { 0.0 } else { 1.0 }))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Option<P> {
        let tok = self.t.get(self.i)?;
        self.i += 1;
        match tok {
            T::Num(x) => Some(P::Num(*x)),
            T::Str(s, interp) => Some(P::Str(if *interp {
                self.interpolate(s)?
            } else {
                s.to_string()
            })),
            T::Var(v) => Some(self.var(v)),
            T::Member(n) => Some(self.env.member(n)),
            T::Op("(") => {
                let v = self.expr(0)?;
                if self.t.get(self.i) != Some(&T::Op(")")) {
                    return None;
                }
                self.i += 1;
                Some(v)
            }
            T::Ident(f) => {
                let mut args = Vec::new();
                if self.t.get(self.i) == Some(&T::Op("(")) {
                    self.i += 1;
                    if self.t.get(self.i) != Some(&T::Op(")")) {
                        loop {
                            args.push(self.expr(0)?);
                            match self.t.get(self.i) {
                                Some(T::Op(",")) => self.i += 1,
                                Some(T::Op(")")) => break,
                                _ => return None,
                            }
                        }
                    }
                    self.i += 1;
                } else if matches!(
                    *f,
                    "int" | "abs" | "exp" | "log" | "sqrt" | "defined" | "length"
                ) {
                    args.push(self.expr(12)?);
                } else if *f == "undef" {
                    return Some(P::Undef);
                } else {
                    return None;
                }
                call(f, &args)
            }
            _ => None,
        }
    }

    fn var(&self, v: &str) -> P {
        match v {
            "val" => self.env.val(),
            "valPt" => self.env.value_bytes(),
            "format" => self.env.format(),
            "count" => self.env.count(),
            _ => P::Undef,
        }
    }

    fn interpolate(&self, s: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(p) = rest.find('$') {
            out.push_str(&rest[..p]);
            let r = &rest[p..];
            if let Some(after) = r.strip_prefix("$$self{") {
                let end = after.find('}')?;
                out.push_str(&self.env.member(&after[..end]).text());
                rest = &after[end + 1..];
            } else if let Some(after) = r.strip_prefix("$val") {
                if after.starts_with(|c: char| {
                    c.is_ascii_alphanumeric() || c == '_' || c == '[' || c == '{'
                }) {
                    return None;
                }
                out.push_str(&self.env.val().text());
                rest = after;
            } else {
                return None;
            }
        }
        out.push_str(rest);
        Some(out)
    }
}

fn binop(op: &str, a: P, b: P) -> Option<P> {
    let n = |x: f64| Some(P::Num(x));
    let bool_ = |x: bool| Some(P::Num(if x { 1.0 } else { 0.0 }));
    match op {
        "+" => n(a.num() + b.num()),
        "-" => n(a.num() - b.num()),
        "*" => n(a.num() * b.num()),
        "/" => {
            let d = b.num();
            if d == 0.0 {
                None
            } else {
                n(a.num() / d)
            }
        }
        "%" => {
            let d = b.num() as i64;
            if d == 0 {
                None
            } else {
                n((a.num() as i64).checked_rem_euclid(d)? as f64)
            }
        }
        "**" => n(a.num().powf(b.num())),
        "." => Some(P::Str(a.text() + &b.text())),
        "x" => Some(P::Str(a.text().repeat((b.num().max(0.0) as usize).min(64)))),
        "==" => bool_(a.num() == b.num()),
        "!=" => bool_(a.num() != b.num()),
        "<" => bool_(a.num() < b.num()),
        ">" => bool_(a.num() > b.num()),
        "<=" => bool_(a.num() <= b.num()),
        ">=" => bool_(a.num() >= b.num()),
        "eq" => bool_(a.text() == b.text()),
        "ne" => bool_(a.text() != b.text()),
        "lt" => bool_(a.text() < b.text()),
        "gt" => bool_(a.text() > b.text()),
        "&&" | "and" => Some(if a.truthy() { b } else { a }),
        "||" | "or" => Some(if a.truthy() { a } else { b }),
        // Perl's bit operators work on unsigned 64-bit integers
        "&" => n((uv(&a) & uv(&b)) as f64),
        "|" => n((uv(&a) | uv(&b)) as f64),
        "^" => n((uv(&a) ^ uv(&b)) as f64),
        "<<" => n(uv(&a).checked_shl(b.num() as u32).unwrap_or(0) as f64),
        ">>" => n(uv(&a).checked_shr(b.num() as u32).unwrap_or(0) as f64),
        _ => None,
    }
}

/// Perl's unsigned view of a number for bit operations.
fn uv(p: &P) -> u64 {
    let x = p.num();
    if x < 0.0 {
        x as i64 as u64
    } else {
        x as u64
    }
}

fn call(f: &str, a: &[P]) -> Option<P> {
    let x = a.first().map(|v| v.num()).unwrap_or(0.0);
    let n = |v: f64| Some(P::Num(v));
    match f {
        "int" => n(x.trunc()),
        "abs" => n(x.abs()),
        "exp" => n(x.exp()),
        "log" => {
            if x <= 0.0 {
                None
            } else {
                n(x.ln())
            }
        }
        "sqrt" => n(x.max(0.0).sqrt()),
        "defined" => n(if matches!(a.first(), Some(P::Undef) | None) {
            0.0
        } else {
            1.0
        }),
        "length" => n(a.first().map(|v| v.text().chars().count()).unwrap_or(0) as f64),
        "sprintf" => Some(P::Str(sprintf(&a.first()?.text(), &a[1..])?)),
        "uc" => Some(P::Str(a.first()?.text().to_uppercase())),
        "lc" => Some(P::Str(a.first()?.text().to_lowercase())),
        "Image::ExifTool::Exif::PrintExposureTime" | "PrintExposureTime" => {
            Some(P::Str(print_exposure_time(a.first()?)))
        }
        "Image::ExifTool::Exif::PrintFNumber" | "PrintFNumber" => Some(print_fnumber(a.first()?)),
        "Image::ExifTool::Exif::PrintFraction" | "PrintFraction" => Some(P::Str(print_fraction(x))),
        "Image::ExifTool::Canon::CanonEv" | "CanonEv" => n(canon_ev(x)),
        "Image::ExifTool::Exif::ExifDate" => Some(a.first()?.clone()),
        "Image::ExifTool::Exif::ExifTime" => Some(P::Str(
            a.first()?.text().trim_end_matches('\0').replace(' ', ":"),
        )),
        "PrintHex" => Some(P::Str(format!("0x{:x}", x as i64))),
        _ => None,
    }
}

pub fn is_float(p: &P) -> bool {
    match p {
        P::Num(_) => true,
        P::Str(s) => {
            let s = s.trim();
            !s.is_empty() && s.parse::<f64>().is_ok() && !s.contains(char::is_alphabetic)
                || s.contains('e') && s.parse::<f64>().is_ok()
        }
        P::Undef => false,
    }
}

pub fn print_exposure_time(v: &P) -> String {
    if !is_float(v) {
        return v.text();
    }
    let secs = v.num();
    if secs < 0.25001 && secs > 0.0 {
        return format!("1/{}", (0.5 + 1.0 / secs).trunc() as i64);
    }
    let s = format!("{:.1}", secs);
    s.strip_suffix(".0").map(|x| x.to_string()).unwrap_or(s)
}

pub fn print_fnumber(v: &P) -> P {
    if is_float(v) && v.num() > 0.0 {
        let x = v.num();
        P::Str(if x < 1.0 {
            format!("{:.2}", x)
        } else {
            format!("{:.1}", x)
        })
    } else {
        v.clone()
    }
}

pub fn print_fraction(v: f64) -> String {
    let val = v * 1.00001;
    if val == 0.0 {
        "0".into()
    } else if (val.trunc() / val) > 0.999 {
        format!("{:+}", val.trunc() as i64)
    } else if ((val * 2.0).trunc() / (val * 2.0)) > 0.999 {
        format!("{:+}/2", (val * 2.0).trunc() as i64)
    } else if ((val * 3.0).trunc() / (val * 3.0)) > 0.999 {
        format!("{:+}/3", (val * 3.0).trunc() as i64)
    } else {
        let s = fmt_g(val, 3);
        if val >= 0.0 {
            format!("+{s}")
        } else {
            s
        }
    }
}

/// Canon's EV encoding: 1/3 and 2/3 stops are stored as 0x0c and 0x14 fractions of 0x20.
pub fn canon_ev(val: f64) -> f64 {
    let (sign, v) = if val < 0.0 { (-1.0, -val) } else { (1.0, val) };
    let mut frac = ((v as i64) & 0x1f) as f64;
    let v = v - frac;
    if frac == 12.0 {
        frac = 32.0 / 3.0;
    } else if frac == 20.0 {
        frac = 64.0 / 3.0;
    }
    sign * (v + frac) / 32.0
}

/// Perl's sprintf for the conversions ExifTool uses (%d %i %u %s %f %e %g %x %X %o %c %%,
/// with flags, width and precision).
pub fn sprintf(fmt: &str, args: &[P]) -> Option<String> {
    let mut out = String::new();
    let mut it = fmt.chars().peekable();
    let mut ai = 0;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if it.peek() == Some(&'%') {
            it.next();
            out.push('%');
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = it.peek() {
            if "-+ 0#".contains(f) {
                flags.push(f);
                it.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = it.peek() {
            if d.is_ascii_digit() {
                width.push(d);
                it.next();
            } else {
                break;
            }
        }
        let mut precision: Option<usize> = None;
        if it.peek() == Some(&'.') {
            it.next();
            let mut p = String::new();
            while let Some(&d) = it.peek() {
                if d.is_ascii_digit() {
                    p.push(d);
                    it.next();
                } else {
                    break;
                }
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let conv = it.next()?;
        let arg = args.get(ai).cloned().unwrap_or(P::Undef);
        ai += 1;
        let plus = flags.contains('+');
        let mut body = match conv {
            'u' => {
                let mut s = uv(&arg).to_string();
                if let Some(p) = precision {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                }
                sign(false, plus, s)
            }
            'd' | 'i' => {
                let x = arg.num().trunc() as i64;
                let mut s = x.abs().to_string();
                if let Some(p) = precision {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                }
                sign(x < 0, plus, s)
            }
            's' => {
                let mut s = arg.text();
                if let Some(p) = precision {
                    s = s.chars().take(p).collect();
                }
                s
            }
            'f' | 'F' => {
                let x = arg.num();
                let d = precision.unwrap_or(6);
                let s = crate::formats::exif::fixed_fast(x.abs(), d)
                    .unwrap_or_else(|| format!("{:.*}", d, x.abs()));
                sign(x < 0.0, plus, s)
            }
            'e' | 'E' => {
                let x = arg.num();
                let s = c_exp(x.abs(), precision.unwrap_or(6));
                sign(
                    x < 0.0,
                    plus,
                    if conv == 'E' { s.to_uppercase() } else { s },
                )
            }
            'g' | 'G' => {
                let x = arg.num();
                let s = fmt_g(x.abs(), precision.unwrap_or(6).max(1));
                sign(x < 0.0, plus, s)
            }
            'x' | 'X' | 'o' | 'b' => {
                let x = arg.num().trunc() as i64 as u64;
                let mut s = match conv {
                    'x' => format!("{:x}", x),
                    'X' => format!("{:X}", x),
                    'o' => format!("{:o}", x),
                    _ => format!("{:b}", x),
                };
                if let Some(p) = precision {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                }
                if flags.contains('#') && x != 0 {
                    s = match conv {
                        'x' => format!("0x{s}"),
                        'X' => format!("0X{s}"),
                        _ => s,
                    };
                }
                s
            }
            'c' => char::from_u32(arg.num() as u32)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            _ => return None,
        };
        let w: usize = width.parse().unwrap_or(0);
        let len = body.chars().count();
        if len < w {
            let pad = w - len;
            if flags.contains('-') {
                body.push_str(&" ".repeat(pad));
            } else if flags.contains('0') && conv != 's' {
                let (sgn, digits) = if body.starts_with(['-', '+']) {
                    body.split_at(1)
                } else {
                    ("", body.as_str())
                };
                body = format!("{}{}{}", sgn, "0".repeat(pad), digits);
            } else {
                body = format!("{}{}", " ".repeat(pad), body);
            }
        }
        out.push_str(&body);
    }
    Some(out)
}

fn sign(neg: bool, plus: bool, s: String) -> String {
    if neg {
        format!("-{s}")
    } else if plus {
        format!("+{s}")
    } else {
        s
    }
}

fn c_exp(x: f64, prec: usize) -> String {
    let s = format!("{:.*e}", prec, x);
    match s.split_once('e') {
        Some((m, e)) => {
            let e: i32 = e.parse().unwrap_or(0);
            format!("{}e{}{:02}", m, if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s,
    }
}

// ---------------------------------------------------------------------------------------
// A small backtracking regex matcher (Perl syntax subset) for table conditions.

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    WordB,
    Group(Vec<Vec<(Node, u32, u32)>>),
}

type Seq = Vec<(Node, u32, u32)>;

fn parse_re(p: &[char], i: &mut usize, depth: u32) -> Option<Vec<Seq>> {
    if depth > 8 {
        return None;
    }
    let mut alts = vec![Vec::new()];
    while *i < p.len() {
        let c = p[*i];
        *i += 1;
        let node = match c {
            '|' => {
                alts.push(Vec::new());
                continue;
            }
            ')' => {
                *i -= 1;
                break;
            }
            '(' => {
                if p.get(*i) == Some(&'?') && p.get(*i + 1) == Some(&':') {
                    *i += 2;
                }
                let g = parse_re(p, i, depth + 1)?;
                if p.get(*i) != Some(&')') {
                    return None;
                }
                *i += 1;
                Node::Group(g)
            }
            '^' => Node::Start,
            '$' => Node::End,
            '.' => Node::Any,
            '[' => {
                let mut neg = false;
                if p.get(*i) == Some(&'^') {
                    neg = true;
                    *i += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                while *i < p.len() && (p[*i] != ']' || first) {
                    first = false;
                    let mut a = p[*i];
                    *i += 1;
                    if a == '\\' {
                        let e = *p.get(*i)?;
                        *i += 1;
                        match class_escape(e) {
                            Some(r) => {
                                ranges.extend(r);
                                continue;
                            }
                            None => a = escape_char(e),
                        }
                    }
                    if p.get(*i) == Some(&'-') && p.get(*i + 1).is_some_and(|&x| x != ']') {
                        let mut b = p[*i + 1];
                        *i += 2;
                        if b == '\\' {
                            b = escape_char(*p.get(*i)?);
                            *i += 1;
                        }
                        ranges.push((a, b));
                    } else {
                        ranges.push((a, a));
                    }
                }
                *i += 1;
                Node::Class(ranges, neg)
            }
            '\\' => {
                let e = *p.get(*i)?;
                *i += 1;
                match e {
                    'b' => Node::WordB,
                    'd' | 'w' | 's' => Node::Class(class_escape(e)?, false),
                    'D' => Node::Class(class_escape('d')?, true),
                    'W' => Node::Class(class_escape('w')?, true),
                    'S' => Node::Class(class_escape('s')?, true),
                    'x' => {
                        let h: String = p.get(*i..*i + 2)?.iter().collect();
                        *i += 2;
                        Node::Char(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?)
                    }
                    '0' => Node::Char('\0'),
                    _ => Node::Char(escape_char(e)),
                }
            }
            _ => Node::Char(c),
        };
        let (mut lo, mut hi) = (1u32, 1u32);
        match p.get(*i) {
            Some('?') => {
                lo = 0;
                *i += 1;
            }
            Some('*') => {
                lo = 0;
                hi = u32::MAX;
                *i += 1;
            }
            Some('+') => {
                hi = u32::MAX;
                *i += 1;
            }
            Some('{') => {
                let end = p[*i..].iter().position(|&c| c == '}')? + *i;
                let inner: String = p[*i + 1..end].iter().collect();
                let (a, b) = match inner.split_once(',') {
                    Some((a, "")) => (a.parse().ok()?, u32::MAX),
                    Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                    None => {
                        let a = inner.parse().ok()?;
                        (a, a)
                    }
                };
                lo = a;
                hi = b;
                *i = end + 1;
            }
            _ => {}
        }
        if p.get(*i) == Some(&'?') && (lo, hi) != (1, 1) {
            *i += 1; // non-greedy: treated as greedy (only matters for captures)
        }
        alts.last_mut()?.push((node, lo, hi));
    }
    Some(alts)
}

fn escape_char(e: char) -> char {
    match e {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        x => x,
    }
}

fn class_escape(e: char) -> Option<Vec<(char, char)>> {
    Some(match e {
        'd' => vec![('0', '9')],
        'w' => vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')],
        's' => vec![
            (' ', ' '),
            ('\t', '\t'),
            ('\n', '\n'),
            ('\r', '\r'),
            ('\x0c', '\x0c'),
        ],
        _ => return None,
    })
}

struct Matcher<'a> {
    s: &'a [char],
    ci: bool,
    steps: u32,
    /// Whether `quick_fail` may stand in for `seq` (off only in tests, to compare).
    quick: bool,
}

impl Matcher<'_> {
    fn eq(&self, a: char, b: char) -> bool {
        a == b || (self.ci && a.eq_ignore_ascii_case(&b))
    }

    fn single(&self, n: &Node, pos: usize) -> Option<usize> {
        let c = *self.s.get(pos)?;
        let ok = match n {
            Node::Char(x) => self.eq(*x, c),
            Node::Any => c != '\n',
            Node::Class(r, neg) => {
                let inr = r.iter().any(|&(a, b)| {
                    (a..=b).contains(&c)
                        || (self.ci
                            && ((a..=b).contains(&c.to_ascii_lowercase())
                                || (a..=b).contains(&c.to_ascii_uppercase())))
                });
                inr != *neg
            }
            _ => false,
        };
        ok.then_some(pos + 1)
    }

    fn is_word(&self, pos: usize) -> bool {
        self.s
            .get(pos)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
    }

    /// When `alt` starts with single characters (a character, `.` or a class) and assertions
    /// (`\b`, `^`, `$`) of which one fails at `pos`, the steps `seq` would count before
    /// failing there: 3 per character matched, 1 per assertion passed, 2 for a failing
    /// character, 1 for a failing assertion (nothing is counted while the failure unwinds).
    /// A group (once, no quantifier) all of whose alternatives fail that way fails after 2
    /// steps plus theirs (`seq` and `repeat` count one each, then `repeat` tries each
    /// alternative). `None` when the prefix matches or another node comes first: then
    /// `seq` has to run. Past the step limit the outcome is a failure either way, so adding
    /// the steps in one go changes nothing.
    fn quick_fail(&self, alt: &[(Node, u32, u32)], pos: usize) -> Option<u32> {
        self.quick_fail_far(alt, pos, &mut 0)
    }

    /// [`Matcher::quick_fail`], raising `far` to the last position it looked at (a
    /// character, or an assertion's; `\b` also looks at the one before, `$` at whether
    /// the next is the last).
    fn quick_fail_far(&self, alt: &[(Node, u32, u32)], pos: usize, far: &mut usize) -> Option<u32> {
        let mut steps = 0u32;
        let mut p = pos;
        for (node, lo, hi) in alt {
            if (*lo, *hi) != (1, 1) {
                return None;
            }
            *far = (*far).max(p);
            let ok = match node {
                Node::Char(_) | Node::Any | Node::Class(..) => match self.single(node, p) {
                    Some(q) => {
                        p = q;
                        steps = steps.saturating_add(3);
                        continue;
                    }
                    None => return Some(steps.saturating_add(2)),
                },
                Node::Group(alts) => {
                    let mut k = steps.saturating_add(2);
                    for a in alts {
                        k = k.saturating_add(self.quick_fail_far(a, p, far)?);
                    }
                    return Some(k);
                }
                Node::Start => p == 0,
                Node::End => p == self.s.len() || (p + 1 == self.s.len() && self.s[p] == '\n'),
                Node::WordB => {
                    let b = p > 0 && self.is_word(p - 1);
                    b != self.is_word(p)
                }
            };
            if !ok {
                return Some(steps.saturating_add(1));
            }
            steps = steps.saturating_add(1);
        }
        None
    }

    /// Matches `seq[k..]` at `pos`, then the continuation `k2`.
    fn seq(
        &mut self,
        seq: &[(Node, u32, u32)],
        pos: usize,
        cont: &mut dyn FnMut(&mut Self, usize) -> bool,
    ) -> bool {
        self.steps += 1;
        if self.steps > 20000 {
            return false;
        }
        let Some(((node, lo, hi), rest)) = seq.split_first() else {
            return cont(self, pos);
        };
        match node {
            Node::Start => pos == 0 && self.seq(rest, pos, cont),
            Node::End => {
                (pos == self.s.len() || (pos + 1 == self.s.len() && self.s[pos] == '\n'))
                    && self.seq(rest, pos, cont)
            }
            Node::WordB => {
                let b = pos > 0 && self.is_word(pos - 1);
                (b != self.is_word(pos)) && self.seq(rest, pos, cont)
            }
            _ => self.repeat(node, *lo, *hi, 0, pos, rest, cont),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &mut self,
        node: &Node,
        lo: u32,
        hi: u32,
        n: u32,
        pos: usize,
        rest: &[(Node, u32, u32)],
        cont: &mut dyn FnMut(&mut Self, usize) -> bool,
    ) -> bool {
        self.steps += 1;
        if self.steps > 20000 {
            return false;
        }
        // greedy: try one more first
        if n < hi {
            match node {
                Node::Group(alts) => {
                    for alt in alts {
                        if let Some(k) = self.quick.then(|| self.quick_fail(alt, pos)).flatten() {
                            self.steps = self.steps.saturating_add(k);
                            continue;
                        }
                        let mut next = |m: &mut Self, p: usize| {
                            p != pos && m.repeat(node, lo, hi, n + 1, p, rest, cont)
                                || (p == pos && n + 1 >= lo && m.seq(rest, p, cont))
                        };
                        if self.seq(alt, pos, &mut next) {
                            return true;
                        }
                    }
                }
                _ => {
                    if let Some(p) = self.single(node, pos) {
                        if self.repeat(node, lo, hi, n + 1, p, rest, cont) {
                            return true;
                        }
                    }
                }
            }
        }
        n >= lo && self.seq(rest, pos, cont)
    }
}

/// A parsed pattern: its alternatives as one group, whether every alternative starts with
/// `^`, and how many alternatives there are.
struct Compiled {
    seq: Seq,
    anchored: bool,
    n_alts: u32,
    /// The steps of a failing start that looks at nothing but its own character (see
    /// `regex_match_steps`): a property of the pattern, by case-insensitivity, whether the
    /// character before is a word character, and the (ASCII) character; `u16::MAX` while
    /// unknown. Made on first use.
    fails: RefCell<Option<Box<[[u16; 128]; 4]>>>,
    /// The most steps one start can take (see [`seq_steps`]); `None` when a quantifier
    /// is unbounded or the figure too large to matter. Worked out when first needed.
    start_steps: std::cell::OnceCell<Option<u64>>,
}

impl Compiled {
    fn start_steps(&self) -> Option<u64> {
        *self
            .start_steps
            .get_or_init(|| seq_steps(&self.seq, 0, &mut 10_000))
    }
}

/// Whether `s` has what every match of `seq` needs: its runs of plain characters (each
/// matched exactly once, one after the other) and, for each group taken at least once,
/// what one of its alternatives needs. Only ASCII characters make runs (another ends
/// one), so they are looked for in the UTF-8 bytes, compared as [`Matcher::eq`] does
/// (exactly, or ignoring ASCII case when `ci`).
fn seq_holds(seq: &[(Node, u32, u32)], s: &[u8], ci: bool) -> bool {
    let mut run = [0u8; 32];
    let mut n = 0;
    for (node, lo, hi) in seq {
        match node {
            Node::Char(c) if (*lo, *hi) == (1, 1) && c.is_ascii() && n < run.len() => {
                run[n] = *c as u8;
                n += 1;
                continue;
            }
            Node::Group(alts) if *lo >= 1 && !alts.iter().any(|a| seq_holds(a, s, ci)) => {
                return false;
            }
            _ => {}
        }
        if n > 0 {
            if !has_lit(s, &run[..n], ci) {
                return false;
            }
            n = 0;
        }
    }
    n == 0 || has_lit(s, &run[..n], ci)
}

/// Whether `l` (not empty) occurs in `s`.
fn has_lit(s: &[u8], l: &[u8], ci: bool) -> bool {
    let Some(last) = s.len().checked_sub(l.len()) else {
        return false;
    };
    let (lo, up) = if ci {
        (l[0].to_ascii_lowercase(), l[0].to_ascii_uppercase())
    } else {
        (l[0], l[0])
    };
    // candidates found with memchr (both cases of the first byte when `ci`)
    let mut from = 0;
    while let Some(p) = memchr::memchr2(lo, up, &s[from..=last]) {
        let i = from + p;
        let w = &s[i..i + l.len()];
        if if ci {
            w.eq_ignore_ascii_case(l)
        } else {
            w == l
        } {
            return true;
        }
        from = i + 1;
    }
    false
}

/// At most how many steps [`Matcher::seq`] counts for `seq` at one position when each
/// call of its continuation counts at most `cont` (an upper bound, following the
/// matcher's calls: every character may match); `None` for an unbounded quantifier.
/// Saturates, so a huge figure only means "too many". `work` bounds the work of working
/// it out (nested counted groups multiply it): `None` once it runs out.
fn seq_steps(seq: &[(Node, u32, u32)], cont: u64, work: &mut u32) -> Option<u64> {
    *work = work.checked_sub(1)?;
    let Some(((node, lo, hi), rest)) = seq.split_first() else {
        return Some(cont.saturating_add(1));
    };
    let q = seq_steps(rest, cont, work)?;
    match node {
        Node::Start | Node::End | Node::WordB => Some(q.saturating_add(1)),
        // `seq`, then `repeat` at counts 0 and 1 (what `repeat_steps` works out)
        Node::Char(_) | Node::Any | Node::Class(..) if (*lo, *hi) == (1, 1) => {
            Some(q.saturating_add(3))
        }
        _ => Some(repeat_steps(node, (*lo, *hi), 0, q, work)?.saturating_add(1)),
    }
}

/// [`seq_steps`] for [`Matcher::repeat`] at count `n`, `q` being the bound of the rest.
fn repeat_steps(node: &Node, (lo, hi): (u32, u32), n: u32, q: u64, work: &mut u32) -> Option<u64> {
    *work = work.checked_sub(1)?;
    if hi > 16 {
        return None;
    }
    let mut s = 1u64;
    if n < hi {
        let more = repeat_steps(node, (lo, hi), n + 1, q, work)?;
        match node {
            Node::Group(alts) => {
                let next = if n + 1 >= lo { more.max(q) } else { more };
                for alt in alts {
                    s = s.saturating_add(seq_steps(alt, next, work)?);
                }
            }
            _ => s = s.saturating_add(more),
        }
    }
    if n >= lo {
        s = s.saturating_add(q);
    }
    Some(s)
}

fn compile(pat: &str) -> Option<Compiled> {
    let p: Vec<char> = pat.chars().collect();
    let mut i = 0;
    let alts = parse_re(&p, &mut i, 0)?;
    if i != p.len() {
        return None;
    }
    // every alternative starts with `^`: no start but 0 can match
    let anchored = alts
        .iter()
        .all(|a| matches!(a.first(), Some((Node::Start, 1, 1))));
    let n_alts = alts.len() as u32;
    Some(Compiled {
        seq: vec![(Node::Group(alts), 1, 1)],
        anchored,
        n_alts,
        fails: RefCell::new(None),
        start_steps: std::cell::OnceCell::new(),
    })
}

/// The compiled patterns (or `None` for patterns beyond the subset), keyed by where the
/// pattern text lies (the tables' static strings, so a hash of two words instead of the
/// text) and checked against a copy of the text, since a pattern from a temporary string
/// may later share an address with another one. The map stays small: the patterns come
/// from the static tables.
type ReCache = std::collections::HashMap<
    (usize, usize),
    (Box<str>, Option<Rc<Compiled>>),
    crate::model::Hasher,
>;

thread_local! {
    static RE_CACHE: RefCell<ReCache> = RefCell::default();
}

fn compiled(pat: &str) -> Option<Rc<Compiled>> {
    let key = (pat.as_ptr() as usize, pat.len());
    RE_CACHE.with(|c| {
        if let Some((text, r)) = c.borrow().get(&key) {
            if **text == *pat {
                return r.clone();
            }
        }
        let r = compile(pat).map(Rc::new);
        let mut c = c.borrow_mut();
        if c.len() >= 4096 {
            c.clear();
        }
        c.insert(key, (pat.into(), r.clone()));
        r
    })
}

/// Whether `pat` (Perl syntax subset) matches somewhere in `s`; `None` if the pattern is
/// beyond the subset.
pub fn regex_match(pat: &str, s: &str, ci: bool) -> Option<bool> {
    let re = compiled(pat)?;
    if !could_match(&re, s, ci) {
        return Some(false);
    }
    run_compiled(&re, s, ci, true).0
}

/// `false` when the matcher would certainly answer `Some(false)`: the subject lacks what
/// every match needs, and the steps of all starts together stay within the limit (so the
/// search fails without running out of steps). The subject's byte length bounds its
/// number of characters.
fn could_match(re: &Compiled, s: &str, ci: bool) -> bool {
    if seq_holds(&re.seq, s.as_bytes(), ci) {
        return true;
    }
    let Some(per_start) = re.start_steps() else {
        return true;
    };
    let len = s.len().min(1024) as u64;
    let total = if re.anchored {
        per_start.saturating_add(len * (2 + re.n_alts as u64))
    } else {
        per_start.saturating_mul(len + 1)
    };
    total > 20000
}

/// `regex_match`, with the steps counted (`quick`: whether `quick_fail` is used).
#[cfg(test)]
fn regex_match_steps(pat: &str, s: &str, ci: bool, quick: bool) -> (Option<bool>, u32) {
    match compiled(pat) {
        Some(re) => run_compiled(&re, s, ci, quick),
        None => (None, 0),
    }
}

/// [`regex_match_steps`] with the pattern compiled.
fn run_compiled(re: &Compiled, s: &str, ci: bool, quick: bool) -> (Option<bool>, u32) {
    let (seq, anchored, n_alts) = (&re.seq, re.anchored, re.n_alts);
    let chars: Vec<char> = s.chars().take(1024).collect();
    let mut m = Matcher {
        s: &chars,
        ci,
        steps: 0,
        quick,
    };
    if anchored {
        if m.seq(seq, 0, &mut |_, _| true) {
            return (Some(true), m.steps);
        }
        // Each later start fails at `^` after 2 + (alternatives) steps: the loop below
        // would end in `None` exactly when their sum passes the step limit.
        let rest = (chars.len() as u64) * (2 + n_alts as u64);
        return ((m.steps as u64 + rest <= 20000).then_some(false), m.steps);
    }
    // The steps of starts where every alternative fails at once and only the start's own
    // character was looked at depend on nothing but that character, whether the one
    // before is a word character and the case flag (for starts not at either end, where
    // nothing else differs): kept with the compiled pattern, they spare walking it again.
    let mut guard = re.fails.try_borrow_mut().ok();
    let mut fails = guard
        .as_mut()
        .map(|g| &mut **g.get_or_insert_with(|| Box::new([[u16::MAX; 128]; 4])));
    for start in 0..=chars.len() {
        let slot = match chars.get(start) {
            Some(&c) if m.quick && c.is_ascii() && start > 0 && start + 1 < chars.len() => Some((
                usize::from(ci) * 2 + usize::from(m.is_word(start - 1)),
                c as usize,
            )),
            _ => None,
        };
        let known = slot
            .and_then(|(w, c)| fails.as_ref().map(|f| f[w][c]))
            .filter(|&k| k != u16::MAX)
            .map(u32::from);
        let quick = known.or_else(|| {
            let mut far = start;
            let k = m
                .quick
                .then(|| m.quick_fail_far(seq, start, &mut far))
                .flatten()?;
            if let (Some((w, c)), Some(f)) = (slot.filter(|_| far <= start), fails.as_mut()) {
                if let Ok(k16) = u16::try_from(k) {
                    if k16 != u16::MAX {
                        f[w][c] = k16;
                    }
                }
            }
            Some(k)
        });
        // a start where every alternative fails at once: its steps without the calls
        if let Some(k) = quick {
            m.steps = m.steps.saturating_add(k);
            if m.steps > 20000 {
                return (None, m.steps);
            }
            continue;
        }
        if m.seq(seq, start, &mut |_, _| true) {
            return (Some(true), m.steps);
        }
        if m.steps > 20000 {
            return (None, m.steps);
        }
    }
    (Some(false), m.steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct E(P);
    impl Env for E {
        fn val(&self) -> P {
            self.0.clone()
        }
        fn member(&self, n: &str) -> P {
            if n == "Model" {
                P::Str("Canon EOS 40D".into())
            } else {
                P::Undef
            }
        }
    }

    fn ev(code: &str, v: f64) -> String {
        eval(code, &E(P::Num(v)))
            .map(|p| p.text())
            .unwrap_or_else(|| "<none>".into())
    }

    #[test]
    fn expressions() {
        assert_eq!(ev("$val / 10", 55.0), "5.5");
        assert_eq!(ev("sprintf(\"%.1f mm\",$val)", 5.04), "5.0 mm");
        assert_eq!(ev("\"$val mm\"", 7.0), "7 mm");
        assert_eq!(ev("$val ? sprintf(\"%+.1f\",$val) : 0", 0.0), "0");
        assert_eq!(ev("$val ? sprintf(\"%+.1f\",$val) : 0", -0.33), "-0.3");
        assert_eq!(ev("2 ** (-$val/6)", 6.0), "0.5");
        assert_eq!(ev("$val > 655.345 ? \"inf\" : \"$val m\"", 1.5), "1.5 m");
        assert_eq!(
            ev("Image::ExifTool::Exif::PrintExposureTime($val)", 0.004),
            "1/250"
        );
        assert_eq!(ev("$$self{Model} =~ /EOS \\d+D/", 0.0), "1");
        assert_eq!(ev("$$self{Model} !~ /\\b(1D|5D)$/i", 0.0), "1");
        assert_eq!(ev("sprintf(\"%.4x\", $val)", 255.0), "00ff");
        assert_eq!(ev("$val foo", 1.0), "<none>");
    }

    #[test]
    fn quick_fail_counts_the_same_steps() {
        let pats = [
            r"\b(1DS?|5D|D30|D60|10D|20D|30D|K236)$",
            r"\b((300D|350D|400D) DIGITAL|REBEL( XTi?)?|Kiss Digital( [NX])?)$",
            r"\b(760D|Rebel T6s|8000D)\b",
            r"^EOS|^PowerShot|IXUS$",
            r"EOS-1DS?$",
            r"^(a|ab|abc)+x",
            r"(a|aa)*b",
            r"^\xff\xd8",
            r"(?:x|y)\d+$",
            r"\b[A-Z]\d{2}\b",
            r"(EOS|Power)[ -]\w",
            r"\b(1D|5D|(10|20)D) Mark",
            r"^(DiMAGE|Dynax) [A-Z]",
            r"(.EOS|[^ ]S4)0",
            r"((a|b)|(c|d))e",
            r"\b(|x)y",
        ];
        let long = "a".repeat(1000) + "c";
        let subjects = [
            "Canon EOS 20D",
            "Canon EOS 350D DIGITAL",
            "Canon EOS REBEL XTi",
            "Canon EOS Kiss Digital N",
            "Canon PowerShot S40",
            "Canon DIGITAL IXUS 400",
            "EOS-1Ds",
            "",
            "abcabcx",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            "y123",
            long.as_str(),
        ];
        for p in pats {
            for s in subjects {
                for ci in [false, true] {
                    let (a, sa) = regex_match_steps(p, s, ci, true);
                    let (b, sb) = regex_match_steps(p, s, ci, false);
                    assert_eq!(a, b, "{p} on {s}");
                    assert_eq!(regex_match(p, s, ci), b, "{p} on {s} (prefilter)");
                    // past the limit the count no longer matters (the outcome is `None`)
                    assert!(sa == sb || (sa > 20000 && sb > 20000), "{p} on {s}");
                }
            }
        }
    }

    /// The step bound the prefilter relies on is never below the steps the matcher counts.
    #[test]
    fn step_bound_holds() {
        let pats = [
            r"\b(1DS?|5D|D30|D60|10D|20D|30D|K236)$",
            r"\b((300D|350D|400D) DIGITAL|REBEL( XTi?)?|Kiss Digital( [NX])?)$",
            r"^EOS|^PowerShot|IXUS$",
            r"(a|aa){1,3}b",
            r"((a|b)|(c|d)){2}e",
            r"\b(|x)y",
            r"a?a?a?aaa",
            r"(a?){3}a",
            r"^0[2-9]",
        ];
        let subjects = [
            "Canon EOS 20D",
            "Canon EOS REBEL XTi",
            "aaaaaaab",
            "abcdabcde",
            "xy y",
            "",
            "0210",
            "aaa",
        ];
        for p in pats {
            let re = compiled(p).unwrap();
            let per = re.start_steps().unwrap();
            for s in subjects {
                for ci in [false, true] {
                    let (r, steps) = regex_match_steps(p, s, ci, false);
                    assert!(r.is_some());
                    if r == Some(false) {
                        let n = s.chars().count() as u64;
                        let bound = if re.anchored {
                            per + n * (2 + re.n_alts as u64)
                        } else {
                            per * (n + 1)
                        };
                        assert!(steps as u64 <= bound, "{p} on {s}: {steps} > {bound}");
                    }
                    assert_eq!(regex_match(p, s, ci), r, "{p} on {s}");
                }
            }
        }
    }

    #[test]
    fn operators() {
        let chars = b"*=!<>~&|+-/%?:(),.^ a";
        for &x in chars {
            for &y in chars {
                let b = [x, y];
                let slow = OPS.iter().find(|o| b.starts_with(o.as_bytes())).copied();
                assert_eq!(op_at(&b), slow, "{:?}", b);
                let slow1 = OPS.iter().find(|o| [x].starts_with(o.as_bytes())).copied();
                assert_eq!(op_at(&[x]), slow1);
            }
        }
        assert_eq!(op_at(b""), None);
    }

    #[test]
    fn regexes() {
        assert_eq!(
            regex_match("^NIKON D(3|7)0+s?$", "NIKON D70s", false),
            Some(true)
        );
        assert_eq!(
            regex_match("^NIKON D(3|7)0+s?$", "NIKON D80", false),
            Some(false)
        );
        assert_eq!(
            regex_match("(PowerShot|IXUS)", "Canon DIGITAL IXUS 40", true),
            Some(true)
        );
        assert_eq!(regex_match("^0[2-9]", "0210", false), Some(true));
        assert_eq!(regex_match("a{2,3}b", "xaaab", false), Some(true));
        // long subjects with backtracking patterns stay within the step and depth caps
        let long = "a".repeat(5000);
        assert_ne!(regex_match(".*x$", &long, false), Some(true));
        assert_ne!(regex_match("(a|b)*c", &long, false), Some(true));
        // `^` on every alternative: only start 0 is tried, with the same step limit
        assert_eq!(regex_match("^ab|^cd", "cdx", false), Some(true));
        assert_eq!(regex_match("^ab", "xab", false), Some(false));
        let filler = "z".repeat(5000);
        assert_eq!(regex_match("^x", &filler, false), Some(false));
        let many: Vec<String> = ('a'..='r').map(|c| format!("^{c}")).collect();
        // 1024 later starts x (2 + 18 alternatives) steps > 20000: beyond the limit
        assert_eq!(regex_match(&many.join("|"), &filler, false), None);
    }
}
