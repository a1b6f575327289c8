// todo-lsp: a language server for TODO lists (`*.todo` files), as a WASI program. It speaks the language server
// protocol over stdin/stdout (Content-Length framing, JSON-RPC 2.0) with a hand-written JSON parser and serialiser:
// Rust std only, no crates. Positions are UTF-16 code units, the protocol's default encoding.
//
// The language, one item per line:
//
//   # Heading                          a section
//   - [ ] buy milk @due(2026-12-01) #home @prio(high)
//   - [x] file taxes #admin
//     an indented line is a note on the task above
//
// Diagnostics: malformed lines and checkboxes, bad or impossible dates, unknown attributes and priorities, empty
// tags and tasks, duplicate tasks, overdue open tasks. Completion: `- [ ] ` at the start of a line, `@due(…)` and
// `@prio(…)` after `@`, the file's own tags after `#`. Hover: a task's status, due date, priority and tags; a tag's
// use count; a heading's open/done tally.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::time::{SystemTime, UNIX_EPOCH};

// ---- JSON ------------------------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn at(&self, keys: &[&str]) -> Option<&Json> {
        let mut v = self;
        for k in keys {
            v = v.get(k)?;
        }
        Some(v)
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_index(&self) -> Option<usize> {
        match self {
            Json::Num(n) if *n >= 0.0 && n.fract() == 0.0 && *n < 1e15 => Some(*n as usize),
            _ => None,
        }
    }
    fn as_array(&self) -> Option<&Vec<Json>> {
        match self {
            Json::Arr(items) => Some(items),
            _ => None,
        }
    }
}

fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::Obj(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}
fn string(s: &str) -> Json {
    Json::Str(s.to_string())
}
fn num(n: usize) -> Json {
    Json::Num(n as f64)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn parse(text: &'a str) -> Result<Json, String> {
        let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0 };
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("unexpected data at offset {}", p.i));
        }
        Ok(v)
    }
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at offset {}", c as char, self.i))
        }
    }
    fn literal(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(format!("invalid literal at offset {}", self.i))
        }
    }
    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.peek() {
            None => Err("unexpected end of JSON".to_string()),
            Some(b'{') => self.nested(|p| p.object()),
            Some(b'[') => self.nested(|p| p.array()),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
            Some(c) => Err(format!("unexpected '{}' at offset {}", c as char, self.i)),
        }
    }
    fn nested(&mut self, f: fn(&mut Parser<'a>) -> Result<Json, String>) -> Result<Json, String> {
        self.depth += 1;
        if self.depth > 128 {
            return Err("JSON nested too deeply".to_string());
        }
        let v = f(self);
        self.depth -= 1;
        v
    }
    fn object(&mut self) -> Result<Json, String> {
        self.expect(b'{')?;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Obj(members));
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            self.expect(b':')?;
            let v = self.value()?;
            members.push((key, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Obj(members));
                }
                _ => return Err(format!("expected ',' or '}}' at offset {}", self.i)),
            }
        }
    }
    fn array(&mut self) -> Result<Json, String> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Json::Arr(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Arr(items));
                }
                _ => return Err(format!("expected ',' or ']' at offset {}", self.i)),
            }
        }
    }
    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.s.get(self.i..self.i + 4).ok_or("truncated \\u escape")?;
        let text = std::str::from_utf8(digits).map_err(|_| "bad \\u escape")?;
        let v = u32::from_str_radix(text, 16).map_err(|_| format!("bad \\u escape at offset {}", self.i))?;
        self.i += 4;
        Ok(v)
    }
    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.peek().ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.peek().ok_or("unterminated escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).unwrap_or('\u{FFFD}')
                                } else {
                                    // A lone high surrogate followed by another escape: keep the second one.
                                    out.extend_from_slice("\u{FFFD}".as_bytes());
                                    char::from_u32(lo).unwrap_or('\u{FFFD}')
                                }
                            } else {
                                char::from_u32(hi).unwrap_or('\u{FFFD}')
                            }
                        }
                        _ => return Err(format!("bad escape at offset {}", self.i - 1)),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(format!("control character in string at offset {}", self.i - 1)),
                c => out.push(c),
            }
        }
        // The input was a &str and escapes produce valid UTF-8, so this cannot fail.
        String::from_utf8(out).map_err(|_| "invalid UTF-8 in string".to_string())
    }
    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        while self.i < self.s.len() && matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        text.parse::<f64>().map(Json::Num).map_err(|_| format!("bad number at offset {}", start))
    }
}

fn write_json(out: &mut String, v: &Json) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => {
            if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
                out.push_str(&format!("{}", *n as i64));
            } else if n.is_finite() {
                out.push_str(&format!("{}", n));
            } else {
                out.push_str("null");
            }
        }
        Json::Str(s) => quote(out, s),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Json::Obj(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote(out, k);
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---- base protocol ---------------------------------------------------------------------------------------------------

const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Reads one message body. `Ok(None)` at a clean end of input (the client closed our stdin).
fn read_message(input: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut length: Option<usize> = None;
    let mut line = String::new();
    let mut first = true;
    loop {
        line.clear();
        let n = input.read_line(&mut line).map_err(|e| format!("reading stdin: {}", e))?;
        if n == 0 {
            return if first { Ok(None) } else { Err("stdin ended inside a message header".to_string()) };
        }
        first = false;
        let header = line.trim_end_matches(|c| c == '\r' || c == '\n');
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = Some(value.trim().parse().map_err(|_| format!("bad Content-Length {:?}", value.trim()))?);
            }
        }
    }
    let length = length.ok_or("a message header has no Content-Length")?;
    if length > MAX_MESSAGE_BYTES {
        return Err(format!("message of {} bytes is larger than {}", length, MAX_MESSAGE_BYTES));
    }
    let mut body = vec![0u8; length];
    input.read_exact(&mut body).map_err(|e| format!("reading a message body: {}", e))?;
    Ok(Some(body))
}

fn send(out: &mut impl Write, message: &Json) {
    let mut body = String::new();
    write_json(&mut body, message);
    let framed = format!("Content-Length: {}\r\n\r\n{}", body.len(), body);
    // If the client is gone there is nobody to tell: exit quietly.
    if out.write_all(framed.as_bytes()).and_then(|_| out.flush()).is_err() {
        std::process::exit(1);
    }
}

// ---- dates -----------------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Date {
    y: i64,
    m: u32,
    d: u32,
}

impl Date {
    fn format(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

const MONTHS: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
];

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses YYYY-MM-DD; the error says what is wrong in words.
fn parse_date(s: &str) -> Result<Date, String> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(format!("\"{}\" is not a date: write it as YYYY-MM-DD, like 2026-12-01", s));
    }
    let y: i64 = s[0..4].parse().unwrap_or(0);
    let m: u32 = s[5..7].parse().unwrap_or(0);
    let d: u32 = s[8..10].parse().unwrap_or(0);
    if !(1..=12).contains(&m) {
        return Err(format!("\"{}\" has month {:02}; months run from 01 to 12", s, m));
    }
    let last = days_in_month(y, m);
    if d == 0 || d > last {
        return Err(format!("\"{}\" does not exist: {} {} has {} days", s, MONTHS[(m - 1) as usize], y, last));
    }
    Ok(Date { y, m, d })
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn date_from_days(z: i64) -> Date {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    Date { y: yoe + era * 400 + if m <= 2 { 1 } else { 0 }, m, d }
}

fn today() -> Date {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    date_from_days((secs / 86400) as i64)
}

// ---- the TODO language -----------------------------------------------------------------------------------------------

const SEVERITY_ERROR: usize = 1;
const SEVERITY_WARNING: usize = 2;
const SEVERITY_INFO: usize = 3;
const PRIORITIES: [&str; 3] = ["high", "medium", "low"];

struct Diagnostic {
    line: usize,
    start: usize, // byte offsets within the line
    end: usize,
    severity: usize,
    code: &'static str,
    message: String,
}

struct Tag {
    name: String,
    start: usize, // byte range of `#name` in its line
    end: usize,
}

struct Task {
    line: usize,
    done: bool,
    /// The task's words without attributes and tags, single-spaced.
    text: String,
    due: Option<Date>,
    priority: Option<String>,
    tags: Vec<Tag>,
    heading: Option<usize>,
    notes: usize,
}

struct Heading {
    line: usize,
    title: String,
}

#[derive(Default)]
struct Analysis {
    tasks: Vec<Task>,
    headings: Vec<Heading>,
    diagnostics: Vec<Diagnostic>,
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '/'
}

/// Byte offset just past the run of characters from `from` that satisfy `pred`.
fn run_end(s: &str, from: usize, pred: fn(char) -> bool) -> usize {
    s[from..].char_indices().find(|&(_, c)| !pred(c)).map(|(i, _)| from + i).unwrap_or(s.len())
}

fn analyse(text: &str, today: Date) -> Analysis {
    let mut a = Analysis::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut heading: Option<usize> = None;
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() {
            continue;
        }
        if indent > 0 && !trimmed.starts_with("- [") {
            // A note belongs to the task above; before any task it is an error.
            match a.tasks.last_mut() {
                Some(t) => t.notes += 1,
                None => a.diagnostics.push(Diagnostic {
                    line: n, start: indent, end: line.len(), severity: SEVERITY_ERROR, code: "orphan-note",
                    message: "an indented note must follow a task".to_string(),
                }),
            }
            continue;
        }
        if trimmed.starts_with('#') && (trimmed.len() == 1 || trimmed[1..].starts_with(' ')) {
            a.headings.push(Heading { line: n, title: trimmed[1..].trim().to_string() });
            heading = Some(a.headings.len() - 1);
            continue;
        }
        if !trimmed.starts_with("- [") {
            a.diagnostics.push(Diagnostic {
                line: n, start: indent, end: line.len(), severity: SEVERITY_ERROR, code: "malformed-line",
                message: "not a task: a task starts with \"- [ ] \" (open) or \"- [x] \" (done), a heading with \"# \"".to_string(),
            });
            continue;
        }
        // "- [" then one status character, then "]".
        let box_start = indent + 2;
        let after = &line[box_start + 1..];
        let status = after.chars().next();
        let closes = status.map(|c| after[c.len_utf8()..].starts_with(']')).unwrap_or(false);
        if !closes || !matches!(status, Some(' ') | Some('x') | Some('X')) {
            let end = if closes { box_start + 2 + status.map(|c| c.len_utf8()).unwrap_or(0) } else { line.len().min(box_start + 3) };
            a.diagnostics.push(Diagnostic {
                line: n, start: box_start, end, severity: SEVERITY_ERROR, code: "bad-checkbox",
                message: "the checkbox must be \"[ ]\" (open) or \"[x]\" (done)".to_string(),
            });
            continue;
        }
        let done = status != Some(' ');
        let body_start = box_start + 3;
        let mut task = Task { line: n, done, text: String::new(), due: None, priority: None, tags: Vec::new(), heading, notes: 0 };
        let mut words: Vec<&str> = Vec::new();
        let mut i = body_start;
        while i < line.len() {
            let c = line[i..].chars().next().unwrap();
            if c.is_whitespace() {
                i += c.len_utf8();
                continue;
            }
            let token_start = i;
            if c == '@' {
                let name_end = run_end(line, i + 1, |c| c.is_ascii_alphanumeric());
                let name = &line[i + 1..name_end];
                let mut value: Option<(usize, usize)> = None;
                let mut end = name_end;
                if line[name_end..].starts_with('(') {
                    match line[name_end..].find(')') {
                        Some(close) => {
                            value = Some((name_end + 1, name_end + close));
                            end = name_end + close + 1;
                        }
                        None => {
                            a.diagnostics.push(Diagnostic {
                                line: n, start: token_start, end: line.len(), severity: SEVERITY_ERROR, code: "unclosed-attribute",
                                message: format!("@{}( is never closed: add \")\"", name),
                            });
                            i = line.len();
                            continue;
                        }
                    }
                }
                i = end;
                match (name, value) {
                    ("due", Some((vs, ve))) => match parse_date(&line[vs..ve]) {
                        Ok(date) => {
                            if task.due.is_some() {
                                a.diagnostics.push(Diagnostic {
                                    line: n, start: token_start, end, severity: SEVERITY_WARNING, code: "duplicate-attribute",
                                    message: "the task already has a due date; the first one counts".to_string(),
                                });
                            } else {
                                task.due = Some(date);
                                if !done && date < today {
                                    a.diagnostics.push(Diagnostic {
                                        line: n, start: token_start, end, severity: SEVERITY_INFO, code: "overdue",
                                        message: format!("overdue: it was due {}", date.format()),
                                    });
                                }
                            }
                        }
                        Err(message) => a.diagnostics.push(Diagnostic {
                            line: n, start: vs, end: ve.max(vs + 1).min(line.len()), severity: SEVERITY_ERROR, code: "bad-date", message,
                        }),
                    },
                    ("prio", Some((vs, ve))) => {
                        let p = &line[vs..ve];
                        if PRIORITIES.contains(&p) {
                            task.priority = Some(p.to_string());
                        } else {
                            a.diagnostics.push(Diagnostic {
                                line: n, start: vs, end: ve.max(vs + 1).min(line.len()), severity: SEVERITY_ERROR, code: "bad-priority",
                                message: format!("unknown priority \"{}\": use high, medium or low", p),
                            });
                        }
                    }
                    ("due", None) | ("prio", None) => a.diagnostics.push(Diagnostic {
                        line: n, start: token_start, end, severity: SEVERITY_ERROR, code: "missing-value",
                        message: if name == "due" {
                            "@due needs a date: @due(YYYY-MM-DD)".to_string()
                        } else {
                            "@prio needs a priority: @prio(high), @prio(medium) or @prio(low)".to_string()
                        },
                    }),
                    _ => a.diagnostics.push(Diagnostic {
                        line: n, start: token_start, end: end.max(token_start + 1), severity: SEVERITY_WARNING, code: "unknown-attribute",
                        message: format!("unknown attribute @{}: the attributes are @due(YYYY-MM-DD) and @prio(high|medium|low)", name),
                    }),
                }
                continue;
            }
            if c == '#' {
                let end = run_end(line, i + 1, is_tag_char);
                if end == i + 1 {
                    a.diagnostics.push(Diagnostic {
                        line: n, start: i, end: i + 1, severity: SEVERITY_WARNING, code: "empty-tag",
                        message: "empty tag: write a name after \"#\", like #home".to_string(),
                    });
                } else {
                    task.tags.push(Tag { name: line[i + 1..end].to_string(), start: i, end });
                }
                i = end;
                continue;
            }
            let end = line[i..].find(char::is_whitespace).map(|k| i + k).unwrap_or(line.len());
            words.push(&line[i..end]);
            i = end;
        }
        task.text = words.join(" ");
        if task.text.is_empty() {
            a.diagnostics.push(Diagnostic {
                line: n, start: indent, end: line.len(), severity: SEVERITY_ERROR, code: "empty-task",
                message: "the task has no text".to_string(),
            });
        } else {
            let key = task.text.to_lowercase();
            match seen.get(&key) {
                Some(first) => a.diagnostics.push(Diagnostic {
                    line: n, start: indent, end: line.len(), severity: SEVERITY_WARNING, code: "duplicate-task",
                    message: format!("duplicate task \"{}\" (first on line {})", task.text, first + 1),
                }),
                None => {
                    seen.insert(key, n);
                }
            }
        }
        a.tasks.push(task);
    }
    a
}

// ---- positions -------------------------------------------------------------------------------------------------------

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// UTF-16 column → byte offset in `line` (clamped to the line, never inside a character).
fn byte_of_column(line: &str, column: usize) -> usize {
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= column {
            return i;
        }
        units += c.len_utf16();
    }
    line.len()
}

fn line_at(text: &str, n: usize) -> &str {
    let raw = text.split('\n').nth(n).unwrap_or("");
    raw.strip_suffix('\r').unwrap_or(raw)
}

fn range(line_text: &str, line: usize, start: usize, end: usize) -> Json {
    let pos = |b: usize| {
        let mut b = b.min(line_text.len());
        while !line_text.is_char_boundary(b) {
            b -= 1;
        }
        obj(vec![("line", num(line)), ("character", num(utf16_len(&line_text[..b])))])
    };
    obj(vec![("start", pos(start)), ("end", pos(end))])
}

// ---- server ----------------------------------------------------------------------------------------------------------

struct Document {
    text: String,
    version: Option<f64>,
}

struct Server<W: Write> {
    out: W,
    docs: HashMap<String, Document>,
    initialized: bool,
    shutdown: bool,
}

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const SERVER_NOT_INITIALIZED: i64 = -32002;

const COMPLETION_KIND_TEXT: usize = 1;
const COMPLETION_KIND_KEYWORD: usize = 14;
const COMPLETION_KIND_SNIPPET: usize = 15;
const COMPLETION_KIND_VALUE: usize = 12;

impl<W: Write> Server<W> {
    fn reply(&mut self, id: &Json, result: Json) {
        let msg = obj(vec![("jsonrpc", string("2.0")), ("id", id.clone()), ("result", result)]);
        send(&mut self.out, &msg);
    }
    fn error(&mut self, id: &Json, code: i64, message: &str) {
        let err = obj(vec![("code", Json::Num(code as f64)), ("message", string(message))]);
        let msg = obj(vec![("jsonrpc", string("2.0")), ("id", id.clone()), ("error", err)]);
        send(&mut self.out, &msg);
    }
    fn notify(&mut self, method: &str, params: Json) {
        let msg = obj(vec![("jsonrpc", string("2.0")), ("method", string(method)), ("params", params)]);
        send(&mut self.out, &msg);
    }

    /// Handles one message. Returns Some(exit code) when the process should end.
    fn handle(&mut self, body: &[u8]) -> Option<i32> {
        let text = match std::str::from_utf8(body) {
            Ok(t) => t,
            Err(_) => {
                self.error(&Json::Null, PARSE_ERROR, "the message is not valid UTF-8");
                return None;
            }
        };
        let msg = match Parser::parse(text) {
            Ok(m) => m,
            Err(e) => {
                self.error(&Json::Null, PARSE_ERROR, &format!("invalid JSON: {}", e));
                return None;
            }
        };
        let method = match msg.get("method").and_then(Json::as_str) {
            Some(m) => m.to_string(),
            None => {
                // A response to a request of ours (we send none) or garbage.
                if msg.get("id").is_none() {
                    self.error(&Json::Null, INVALID_REQUEST, "a message needs a \"method\"");
                }
                return None;
            }
        };
        let params = msg.get("params").cloned().unwrap_or(Json::Null);
        let id = msg.get("id").cloned();
        if method == "exit" {
            return Some(if self.shutdown { 0 } else { 1 });
        }
        let id = match id {
            None => {
                self.notification(&method, &params);
                return None;
            }
            Some(id) => id,
        };
        if method == "initialize" {
            self.initialized = true;
            let result = obj(vec![
                ("capabilities", obj(vec![
                    ("textDocumentSync", obj(vec![("openClose", Json::Bool(true)), ("change", num(1))])),
                    ("completionProvider", obj(vec![
                        ("triggerCharacters", Json::Arr(vec![string("@"), string("#"), string("-"), string("(")])),
                        ("resolveProvider", Json::Bool(false)),
                    ])),
                    ("hoverProvider", Json::Bool(true)),
                ])),
                ("serverInfo", obj(vec![("name", string("todo-lsp")), ("version", string("0.1.0"))])),
            ]);
            self.reply(&id, result);
            return None;
        }
        if !self.initialized {
            self.error(&id, SERVER_NOT_INITIALIZED, "the server has not been initialized");
            return None;
        }
        if self.shutdown {
            self.error(&id, INVALID_REQUEST, "the server is shutting down");
            return None;
        }
        match method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                self.reply(&id, Json::Null);
            }
            "textDocument/completion" => match self.position_params(&params) {
                Some((uri, line, character)) => {
                    let items = self.completion(&uri, line, character);
                    self.reply(&id, Json::Arr(items));
                }
                None => self.error(&id, INVALID_PARAMS, "completion needs textDocument.uri and position"),
            },
            "textDocument/hover" => match self.position_params(&params) {
                Some((uri, line, character)) => {
                    let hover = self.hover(&uri, line, character);
                    self.reply(&id, hover);
                }
                None => self.error(&id, INVALID_PARAMS, "hover needs textDocument.uri and position"),
            },
            _ => self.error(&id, METHOD_NOT_FOUND, &format!("todo-lsp does not handle {}", method)),
        }
        None
    }

    fn notification(&mut self, method: &str, params: &Json) {
        match method {
            "textDocument/didOpen" => {
                let doc = params.get("textDocument");
                let uri = doc.and_then(|d| d.get("uri")).and_then(Json::as_str);
                let text = doc.and_then(|d| d.get("text")).and_then(Json::as_str);
                if let (Some(uri), Some(text)) = (uri, text) {
                    let version = match doc.and_then(|d| d.get("version")) {
                        Some(Json::Num(v)) => Some(*v),
                        _ => None,
                    };
                    self.docs.insert(uri.to_string(), Document { text: text.to_string(), version });
                    self.publish(uri.to_string());
                }
            }
            "textDocument/didChange" => {
                let uri = params.at(&["textDocument", "uri"]).and_then(Json::as_str).map(str::to_string);
                let version = match params.at(&["textDocument", "version"]) {
                    Some(Json::Num(v)) => Some(*v),
                    _ => None,
                };
                // Full sync: the last change carries the whole text.
                let text = params
                    .get("contentChanges")
                    .and_then(Json::as_array)
                    .and_then(|c| c.last())
                    .and_then(|c| c.get("text"))
                    .and_then(Json::as_str)
                    .map(str::to_string);
                if let (Some(uri), Some(text)) = (uri, text) {
                    self.docs.insert(uri.clone(), Document { text, version });
                    self.publish(uri);
                }
            }
            "textDocument/didClose" => {
                if let Some(uri) = params.at(&["textDocument", "uri"]).and_then(Json::as_str) {
                    let uri = uri.to_string();
                    self.docs.remove(&uri);
                    self.notify("textDocument/publishDiagnostics", obj(vec![("uri", Json::Str(uri)), ("diagnostics", Json::Arr(vec![]))]));
                }
            }
            // initialized, $/cancelRequest (every request is answered at once), $/setTrace, unknown ones: nothing to do.
            _ => {}
        }
    }

    fn position_params(&self, params: &Json) -> Option<(String, usize, usize)> {
        let uri = params.at(&["textDocument", "uri"])?.as_str()?.to_string();
        let line = params.at(&["position", "line"])?.as_index()?;
        let character = params.at(&["position", "character"])?.as_index()?;
        Some((uri, line, character))
    }

    fn publish(&mut self, uri: String) {
        let doc = match self.docs.get(&uri) {
            Some(d) => d,
            None => return,
        };
        let analysis = analyse(&doc.text, today());
        let diagnostics: Vec<Json> = analysis
            .diagnostics
            .iter()
            .map(|d| {
                let line_text = line_at(&doc.text, d.line);
                obj(vec![
                    ("range", range(line_text, d.line, d.start, d.end)),
                    ("severity", num(d.severity)),
                    ("code", string(d.code)),
                    ("source", string("todo")),
                    ("message", Json::Str(d.message.clone())),
                ])
            })
            .collect();
        let mut params = vec![("uri", Json::Str(uri.clone()))];
        if let Some(v) = doc.version {
            params.push(("version", Json::Num(v)));
        }
        params.push(("diagnostics", Json::Arr(diagnostics)));
        self.notify("textDocument/publishDiagnostics", obj(params));
    }

    fn completion(&self, uri: &str, line: usize, character: usize) -> Vec<Json> {
        let doc = match self.docs.get(uri) {
            Some(d) => d,
            None => return Vec::new(),
        };
        let text = line_at(&doc.text, line);
        let cursor = byte_of_column(text, character);
        let before = &text[..cursor];
        let token_start = before.rfind(char::is_whitespace).map(|i| i + before[i..].chars().next().unwrap().len_utf8()).unwrap_or(0);
        let token = &before[token_start..];
        let edit = |label: &str, insert: &str, from: usize, kind: usize, detail: &str| {
            obj(vec![
                ("label", string(label)),
                ("kind", num(kind)),
                ("detail", string(detail)),
                ("textEdit", obj(vec![("range", range(text, line, from, cursor)), ("newText", string(insert))])),
            ])
        };
        // Start of a line: nothing but indentation, "-", "- " or "- [" before the cursor.
        let lead = before.trim_start();
        if matches!(lead, "" | "-" | "- " | "- [") {
            let from = before.len() - lead.len();
            return vec![
                edit("- [ ] ", "- [ ] ", from, COMPLETION_KIND_SNIPPET, "new open task"),
                edit("- [x] ", "- [x] ", from, COMPLETION_KIND_SNIPPET, "new done task"),
                edit("# ", "# ", from, COMPLETION_KIND_SNIPPET, "heading"),
            ];
        }
        if !lead.starts_with("- [") {
            return Vec::new();
        }
        if token.starts_with("@prio(") {
            return PRIORITIES.iter().map(|p| edit(&format!("@prio({})", p), &format!("@prio({})", p), token_start, COMPLETION_KIND_VALUE, "priority")).collect();
        }
        if token.starts_with("@due(") {
            let t = today();
            let days_now = days_since_epoch(t);
            return [("today", 0), ("tomorrow", 1), ("in a week", 7)]
                .iter()
                .map(|(what, plus)| {
                    let d = date_from_days(days_now + plus).format();
                    edit(&format!("@due({})", d), &format!("@due({})", d), token_start, COMPLETION_KIND_VALUE, what)
                })
                .collect();
        }
        if token.starts_with('@') {
            let week = date_from_days(days_since_epoch(today()) + 7).format();
            let mut items = vec![edit("@due", &format!("@due({})", week), token_start, COMPLETION_KIND_KEYWORD, "due date (YYYY-MM-DD)")];
            for p in PRIORITIES.iter() {
                items.push(edit(&format!("@prio({})", p), &format!("@prio({})", p), token_start, COMPLETION_KIND_KEYWORD, "priority"));
            }
            return items;
        }
        if token.starts_with('#') {
            // Tags used elsewhere in the file, most used first; the tag being typed does not count itself.
            let analysis = analyse(&doc.text, today());
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for task in &analysis.tasks {
                for tag in &task.tags {
                    if task.line == line && tag.start == token_start {
                        continue;
                    }
                    *counts.entry(tag.name.as_str()).or_insert(0) += 1;
                }
            }
            let mut tags: Vec<(&str, usize)> = counts.into_iter().collect();
            tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            return tags
                .iter()
                .map(|(name, count)| {
                    let detail = format!("used in {} task{}", count, if *count == 1 { "" } else { "s" });
                    edit(&format!("#{}", name), &format!("#{}", name), token_start, COMPLETION_KIND_TEXT, &detail)
                })
                .collect();
        }
        Vec::new()
    }

    fn hover(&self, uri: &str, line: usize, character: usize) -> Json {
        let doc = match self.docs.get(uri) {
            Some(d) => d,
            None => return Json::Null,
        };
        let text = line_at(&doc.text, line);
        let cursor = byte_of_column(text, character);
        let analysis = analyse(&doc.text, today());
        let markdown = |value: String, r: Json| obj(vec![("contents", obj(vec![("kind", string("markdown")), ("value", Json::Str(value))])), ("range", r)]);
        if let Some(task) = analysis.tasks.iter().find(|t| t.line == line) {
            if let Some(tag) = task.tags.iter().find(|t| t.start <= cursor && cursor < t.end) {
                let mut open = 0;
                let mut done = 0;
                for t in &analysis.tasks {
                    if t.tags.iter().any(|g| g.name == tag.name) {
                        if t.done { done += 1 } else { open += 1 }
                    }
                }
                return markdown(format!("**#{}** — {} open, {} done", tag.name, open, done), range(text, line, tag.start, tag.end));
            }
            let mut value = format!("**{}** — {}", if task.done { "Done" } else { "Open" }, task.text);
            if let Some(due) = task.due {
                let overdue = !task.done && due < today();
                value.push_str(&format!("\n\nDue: {}{}", due.format(), if overdue { " (overdue)" } else { "" }));
            }
            if let Some(p) = &task.priority {
                value.push_str(&format!("\n\nPriority: {}", p));
            }
            if !task.tags.is_empty() {
                let names: Vec<String> = task.tags.iter().map(|t| format!("#{}", t.name)).collect();
                value.push_str(&format!("\n\nTags: {}", names.join(", ")));
            }
            if task.notes > 0 {
                value.push_str(&format!("\n\nNotes: {} line{}", task.notes, if task.notes == 1 { "" } else { "s" }));
            }
            if let Some(h) = task.heading {
                value.push_str(&format!("\n\nSection: {}", analysis.headings[h].title));
            }
            let start = text.len() - text.trim_start().len();
            return markdown(value, range(text, line, start, text.len()));
        }
        if let Some((index, h)) = analysis.headings.iter().enumerate().find(|(_, h)| h.line == line) {
            let (open, done) = analysis.tasks.iter().filter(|t| t.heading == Some(index)).fold((0, 0), |(o, d), t| if t.done { (o, d + 1) } else { (o + 1, d) });
            return markdown(format!("**{}** — {} open, {} done", h.title, open, done), range(text, line, 0, text.len()));
        }
        Json::Null
    }
}

fn days_since_epoch(d: Date) -> i64 {
    // Inverse of date_from_days.
    let y = if d.m <= 2 { d.y - 1 } else { d.y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = d.m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d.d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn main() {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut server = Server { out: stdout.lock(), docs: HashMap::new(), initialized: false, shutdown: false };
    loop {
        match read_message(&mut input) {
            Ok(Some(body)) => {
                if let Some(code) = server.handle(&body) {
                    std::process::exit(code);
                }
            }
            // The client closed our stdin without "exit": a clean end only after "shutdown".
            Ok(None) => std::process::exit(if server.shutdown { 0 } else { 1 }),
            Err(e) => {
                eprintln!("todo-lsp: {}", e);
                std::process::exit(1);
            }
        }
    }
}
