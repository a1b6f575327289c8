//! WASM Plugin Host — Rust SDK for plugin API 0.1.0 (wit/since-v0.1.0). std only, no crates.
//!
//! Include it in a plugin crate (a single `cdylib` source file) and export your plugin type:
//!
//! ```ignore
//! #[path = "../../sdk/rust/wasm_plugin.rs"]
//! mod wasm_plugin;            // the module must be named `wasm_plugin` (the export macro refers to it)
//! use wasm_plugin::*;
//!
//! #[derive(Default)]
//! struct MyPlugin { count: u32 }
//! impl Plugin for MyPlugin {
//!     fn run_command(&mut self, id: &str, args: &str) -> Result<CommandResult, String> { … }
//! }
//! export_plugin!(MyPlugin);
//! ```
//!
//! Build: `/usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib -C opt-level=s
//! -C panic=abort -C strip=symbols -o plugin.wasm plugin.rs`.
//!
//! The SDK implements the canonical ABI as @vscode/wasm-component-model 1.0.2 applies it: `cabi_realloc`, the
//! world's exports and their `cabi_post_*` companions (which drop what the last call returned), lifting of every
//! argument into owned Rust values (the callee owns lowered arguments) and of host results (strings and lists in
//! them were allocated through our `cabi_realloc` and become Rust `String`s/`Vec`s). Positions count UTF-16 code
//! units (see [`utf16_len`]).
#![allow(dead_code)]

use std::alloc::{alloc, dealloc, realloc, Layout};

// ---- types (interface `types`) --------------------------------------------------------------------------------------

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

impl Range {
    pub fn new(start_line: u32, start_character: u32, end_line: u32, end_character: u32) -> Range {
        Range {
            start: Position { line: start_line, character: start_character },
            end: Position { line: end_line, character: end_character },
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub anchor: Position,
    pub active: Position,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub range: Range,
    pub new_text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentInfo {
    pub uri: String,
    pub language_id: String,
    pub version: u32,
    pub line_count: u32,
    pub is_dirty: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel { Trace, Debug, Info, Warning, Error }

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyLevel { Info, Warning, Error }

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity { Error, Warning, Information, Hint }

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub range: Range,
    pub severity: Severity,
    pub message: String,
    pub code: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind { Denied, NotFound, Invalid, TooLarge, Failed }

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Denied => "denied",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Invalid => "invalid",
            ErrorKind::TooLarge => "too-large",
            ErrorKind::Failed => "failed",
        }
    }
}

/// Why a host function refused or failed (the WIT variant `host-error`: its case and its message); `Denied` means
/// the capability is not granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    pub kind: ErrorKind,
    pub message: String,
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageScope { Global, Workspace }

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveReason { Manual, AfterDelay, FocusOut }

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentChange {
    pub range: Range,
    pub text: String,
}

/// A lifted `editor-event`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    DocumentOpened(DocumentInfo),
    DocumentSaved(DocumentInfo),
    /// Edits returned for this event are applied before the document is written.
    DocumentWillSave { document: DocumentInfo, reason: SaveReason },
    /// All changes since the previous `DocumentChanged`, oldest first.
    DocumentChanged { document: DocumentInfo, changes: Vec<ContentChange> },
    DocumentClosed(DocumentInfo),
    ActiveEditorChanged(Option<DocumentInfo>),
    SelectionChanged { uri: String, selections: Vec<Selection> },
    ConfigurationChanged(Vec<String>),
}

impl Event {
    /// The event's name as the manifest's "events" spells it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Event::DocumentOpened(_) => "document-opened",
            Event::DocumentSaved(_) => "document-saved",
            Event::DocumentWillSave { .. } => "document-will-save",
            Event::DocumentChanged { .. } => "document-changed",
            Event::DocumentClosed(_) => "document-closed",
            Event::ActiveEditorChanged(_) => "active-editor-changed",
            Event::SelectionChanged { .. } => "selection-changed",
            Event::ConfigurationChanged(_) => "configuration-changed",
        }
    }
}

/// What a plugin asks the host to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Notify { level: NotifyLevel, message: String },
    /// Replace every selection of the active editor with this text.
    InsertText(String),
    ApplyEdit { uri: String, edits: Vec<TextEdit> },
    SetStatus(String),
    /// `message` is JSON text.
    PostToPanel { panel_id: String, message: String },
    OpenPanel(String),
    SetDiagnostics { uri: String, diagnostics: Vec<Diagnostic> },
}

impl Action {
    pub fn notify(level: NotifyLevel, message: impl Into<String>) -> Action {
        Action::Notify { level, message: message.into() }
    }
    pub fn post_to_panel(panel_id: impl Into<String>, message: impl Into<String>) -> Action {
        Action::PostToPanel { panel_id: panel_id.into(), message: message.into() }
    }
}

/// The result of `run-command`: JSON for whoever ran the command, plus actions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandResult {
    pub value: Option<String>,
    pub actions: Vec<Action>,
}

impl CommandResult {
    pub fn none() -> CommandResult { CommandResult::default() }
    /// A result whose value is this JSON text.
    pub fn value(json: impl Into<String>) -> CommandResult {
        CommandResult { value: Some(json.into()), actions: Vec::new() }
    }
    pub fn actions(actions: Vec<Action>) -> CommandResult { CommandResult { value: None, actions } }
    pub fn with_action(mut self, action: Action) -> CommandResult {
        self.actions.push(action);
        self
    }
}

// ---- what a plugin implements --------------------------------------------------------------------------------------

/// Every method has a default; implement the ones you need and export the type with `export_plugin!`.
pub trait Plugin {
    /// Called once before anything else; an error keeps the plugin from running and is shown to the user.
    fn activate(&mut self) -> Result<(), String> { Ok(()) }
    fn deactivate(&mut self) {}
    /// `args` is JSON text (`null` when the command palette runs it).
    fn run_command(&mut self, id: &str, _args: &str) -> Result<CommandResult, String> {
        Err(format!("unknown command: {}", id))
    }
    fn handle_event(&mut self, _event: Event) -> Vec<Action> { Vec::new() }
    /// The panel's HTML body; `state` is the JSON the panel last saved (`null` the first time).
    fn render_panel(&mut self, _panel_id: &str, _state: &str) -> String { String::new() }
    /// A JSON message the panel's page posted.
    fn panel_message(&mut self, _panel_id: &str, _message: &str) -> Vec<Action> { Vec::new() }
}

/// Exports a `Plugin + Default` type as the world's functions. The SDK module must be named `wasm_plugin`.
#[macro_export]
macro_rules! export_plugin {
    ($ty:ty) => {
        static mut __WP_INSTANCE: Option<$ty> = None;
        fn __wp_instance() -> &'static mut $ty {
            unsafe { __WP_INSTANCE.get_or_insert_with(<$ty as ::std::default::Default>::default) }
        }
        #[export_name = "activate"]
        pub extern "C" fn __wp_activate() -> *mut u8 { $crate::wasm_plugin::glue::activate(__wp_instance()) }
        #[export_name = "cabi_post_activate"]
        pub extern "C" fn __wp_post_activate(_ret: *mut u8) { $crate::wasm_plugin::glue::post_return(0) }
        #[export_name = "deactivate"]
        pub extern "C" fn __wp_deactivate() { $crate::wasm_plugin::Plugin::deactivate(__wp_instance()) }
        #[export_name = "run-command"]
        pub unsafe extern "C" fn __wp_run_command(a: *mut u8, b: usize, c: *mut u8, d: usize) -> *mut u8 {
            $crate::wasm_plugin::glue::run_command(__wp_instance(), a, b, c, d)
        }
        #[export_name = "cabi_post_run-command"]
        pub extern "C" fn __wp_post_run_command(_ret: *mut u8) { $crate::wasm_plugin::glue::post_return(1) }
        #[export_name = "handle-event"]
        pub unsafe extern "C" fn __wp_handle_event(
            t: i32, p0: u32, p1: u32, p2: u32, p3: u32, p4: u32, p5: u32, p6: u32, p7: u32, p8: u32,
        ) -> *mut u8 {
            $crate::wasm_plugin::glue::handle_event(__wp_instance(), t, [p0, p1, p2, p3, p4, p5, p6, p7, p8])
        }
        #[export_name = "cabi_post_handle-event"]
        pub extern "C" fn __wp_post_handle_event(_ret: *mut u8) { $crate::wasm_plugin::glue::post_return(2) }
        #[export_name = "render-panel"]
        pub unsafe extern "C" fn __wp_render_panel(a: *mut u8, b: usize, c: *mut u8, d: usize) -> *mut u8 {
            $crate::wasm_plugin::glue::render_panel(__wp_instance(), a, b, c, d)
        }
        #[export_name = "cabi_post_render-panel"]
        pub extern "C" fn __wp_post_render_panel(_ret: *mut u8) { $crate::wasm_plugin::glue::post_return(3) }
        #[export_name = "panel-message"]
        pub unsafe extern "C" fn __wp_panel_message(a: *mut u8, b: usize, c: *mut u8, d: usize) -> *mut u8 {
            $crate::wasm_plugin::glue::panel_message(__wp_instance(), a, b, c, d)
        }
        #[export_name = "cabi_post_panel-message"]
        pub extern "C" fn __wp_post_panel_message(_ret: *mut u8) { $crate::wasm_plugin::glue::post_return(4) }
    };
}

// ---- helpers ---------------------------------------------------------------------------------------------------------

/// UTF-16 code units in a string (VS Code positions count these).
pub fn utf16_len(s: &str) -> u32 {
    s.chars().map(|c| c.len_utf16() as u32).sum()
}

/// Appends `s` as a JSON string literal (quotes included).
pub fn json_escape_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `s` as a JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    json_escape_into(&mut out, s);
    out
}

/// Escapes text for HTML (`&<>"'`).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Tiny JSON readers, enough for command arguments and panel messages.
pub mod json {
    fn ws(s: &[u8], mut i: usize) -> usize {
        while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    fn hex4(s: &[u8], i: usize) -> Option<u32> {
        let h = s.get(i..i + 4)?;
        u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    }

    /// Parses a JSON string starting at `i`; returns the decoded text and the index after the closing quote.
    fn string(s: &[u8], mut i: usize) -> Option<(String, usize)> {
        if s.get(i) != Some(&b'"') {
            return None;
        }
        i += 1;
        let mut out: Vec<u8> = Vec::new();
        while i < s.len() {
            let c = s[i];
            i += 1;
            match c {
                b'"' => return Some((String::from_utf8_lossy(&out).into_owned(), i)),
                b'\\' => {
                    let e = *s.get(i)?;
                    i += 1;
                    let simple = match e {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let mut cp = hex4(s, i)?;
                            i += 4;
                            if (0xD800..0xDC00).contains(&cp) && s.get(i) == Some(&b'\\') && s.get(i + 1) == Some(&b'u') {
                                if let Some(lo) = hex4(s, i + 2) {
                                    if (0xDC00..0xE000).contains(&lo) {
                                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                        i += 6;
                                    }
                                }
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        _ => return None,
                    };
                    out.push(simple);
                }
                c => out.push(c),
            }
        }
        None
    }

    fn skip(s: &[u8], i: usize) -> Option<usize> {
        let mut i = ws(s, i);
        match *s.get(i)? {
            b'"' => string(s, i).map(|(_, j)| j),
            b'{' | b'[' => {
                let mut depth = 0usize;
                while i < s.len() {
                    match s[i] {
                        b'"' => {
                            i = string(s, i)?.1;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some(i + 1);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                None
            }
            _ => {
                let start = i;
                while i < s.len() && !matches!(s[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
                if i > start { Some(i) } else { None }
            }
        }
    }

    /// Index of the value of top-level member `key` of a JSON object.
    fn member(s: &[u8], key: &str) -> Option<usize> {
        let mut i = ws(s, 0);
        if s.get(i) != Some(&b'{') {
            return None;
        }
        i += 1;
        loop {
            i = ws(s, i);
            let (name, j) = string(s, i)?;
            i = ws(s, j);
            if s.get(i) != Some(&b':') {
                return None;
            }
            i = ws(s, i + 1);
            if name == key {
                return Some(i);
            }
            i = ws(s, skip(s, i)?);
            if s.get(i) != Some(&b',') {
                return None;
            }
            i += 1;
        }
    }

    /// The decoded text if `json` is a JSON string.
    pub fn parse_string(json: &str) -> Option<String> {
        let s = json.as_bytes();
        let (v, j) = string(s, ws(s, 0))?;
        if ws(s, j) == s.len() { Some(v) } else { None }
    }

    /// The string value of top-level member `key` of a JSON object.
    pub fn get_string(json: &str, key: &str) -> Option<String> {
        let s = json.as_bytes();
        string(s, member(s, key)?).map(|(v, _)| v)
    }

    /// The integer value of top-level member `key` of a JSON object.
    pub fn get_i64(json: &str, key: &str) -> Option<i64> {
        let s = json.as_bytes();
        let i = member(s, key)?;
        let end = skip(s, i)?;
        std::str::from_utf8(&s[i..end]).ok()?.parse().ok()
    }
}

// ---- canonical ABI: memory ------------------------------------------------------------------------------------------

/// The host allocates argument strings/lists (and strings/lists inside host results) through this. Blocks are
/// allocated with exactly (size, align), so they can be adopted as `Vec`/`String` or freed with that layout.
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(old: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8 {
    if new_size == 0 {
        if old_size != 0 {
            dealloc(old, Layout::from_size_align_unchecked(old_size, align));
        }
        return align as *mut u8;
    }
    let p = if old_size == 0 {
        alloc(Layout::from_size_align_unchecked(new_size, align))
    } else {
        realloc(old, Layout::from_size_align_unchecked(old_size, align), new_size)
    };
    if p.is_null() {
        std::process::abort();
    }
    p
}

/// Frees a host-allocated block of `count` elements of `size` bytes (zero-length blocks were never allocated).
unsafe fn free_block(ptr: u32, count: u32, size: usize, align: usize) {
    if count != 0 {
        dealloc(ptr as usize as *mut u8, Layout::from_size_align_unchecked(count as usize * size, align));
    }
}

/// Adopts a host-allocated string.
unsafe fn take_string(ptr: u32, len: u32) -> String {
    if len == 0 {
        return String::new();
    }
    let bytes = Vec::from_raw_parts(ptr as usize as *mut u8, len as usize, len as usize);
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[inline]
unsafe fn rd_u32(p: *const u8, off: usize) -> u32 { (p.add(off) as *const u32).read_unaligned() }
#[inline]
unsafe fn rd_u8(p: *const u8, off: usize) -> u8 { *p.add(off) }

/// Adopts a host-allocated list of (ptr, len) strings.
unsafe fn take_string_list(ptr: u32, count: u32) -> Vec<String> {
    let base = ptr as usize as *const u8;
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        out.push(take_string(rd_u32(base, i * 8), rd_u32(base, i * 8 + 4)));
    }
    free_block(ptr, count, 8, 4);
    out
}

unsafe fn take_selections(ptr: u32, count: u32) -> Vec<Selection> {
    let base = ptr as usize as *const Selection;
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        out.push(base.add(i).read_unaligned());
    }
    free_block(ptr, count, 16, 4);
    out
}

unsafe fn read_range(p: *const u8) -> Range {
    Range::new(rd_u32(p, 0), rd_u32(p, 4), rd_u32(p, 8), rd_u32(p, 12))
}

/// document-info from its 7 flat values.
unsafe fn take_document(v: &[u32]) -> DocumentInfo {
    DocumentInfo {
        uri: take_string(v[0], v[1]),
        language_id: take_string(v[2], v[3]),
        version: v[4],
        line_count: v[5],
        is_dirty: (v[6] & 0xff) != 0,
    }
}

// ---- canonical ABI: lowering what the guest hands out ---------------------------------------------------------------

/// Keeps lowered data alive until the host has read it (post-return drops it).
pub struct Lowered {
    _keep: Vec<Box<dyn std::any::Any>>,
}

fn str_words(s: &str) -> [u32; 2] { [s.as_ptr() as usize as u32, s.len() as u32] }

#[repr(C)]
struct AbiTextEdit { range: Range, text: [u32; 2] }
#[repr(C)]
struct AbiDiagnostic { range: Range, severity: u8, message: [u32; 2], code_tag: u8, code: [u32; 2] }
#[repr(C)]
struct AbiAction { tag: u8, payload: [u32; 4] }

const _: () = assert!(std::mem::size_of::<AbiTextEdit>() == 24);
const _: () = assert!(std::mem::size_of::<AbiDiagnostic>() == 40);
const _: () = assert!(std::mem::size_of::<AbiAction>() == 20);
const _: () = assert!(std::mem::size_of::<Selection>() == 16);

fn lower_edits(edits: &[TextEdit]) -> Vec<AbiTextEdit> {
    edits.iter().map(|e| AbiTextEdit { range: e.range, text: str_words(&e.new_text) }).collect()
}

fn lower_diagnostics(items: &[Diagnostic]) -> Vec<AbiDiagnostic> {
    items
        .iter()
        .map(|d| AbiDiagnostic {
            range: d.range,
            severity: d.severity as u8,
            message: str_words(&d.message),
            code_tag: d.code.is_some() as u8,
            code: d.code.as_deref().map(str_words).unwrap_or([0, 0]),
        })
        .collect()
}

fn list_words<T>(v: &[T]) -> [u32; 2] {
    if v.is_empty() { [4, 0] } else { [v.as_ptr() as usize as u32, v.len() as u32] }
}

/// Lowers actions into a `list<action>`; the returned vector and `keep` must outlive the host's read.
fn lower_actions(actions: &[Action], keep: &mut Vec<Box<dyn std::any::Any>>) -> Vec<AbiAction> {
    let mut out = Vec::with_capacity(actions.len());
    for a in actions {
        let (tag, payload) = match a {
            Action::Notify { level, message } => {
                let m = str_words(message);
                (0u8, [*level as u32, m[0], m[1], 0])
            }
            Action::InsertText(t) => { let w = str_words(t); (1, [w[0], w[1], 0, 0]) }
            Action::ApplyEdit { uri, edits } => {
                let u = str_words(uri);
                let lowered = lower_edits(edits);
                let l = list_words(&lowered);
                keep.push(Box::new(lowered));
                (2, [u[0], u[1], l[0], l[1]])
            }
            Action::SetStatus(t) => { let w = str_words(t); (3, [w[0], w[1], 0, 0]) }
            Action::PostToPanel { panel_id, message } => {
                let p = str_words(panel_id);
                let m = str_words(message);
                (4, [p[0], p[1], m[0], m[1]])
            }
            Action::OpenPanel(t) => { let w = str_words(t); (5, [w[0], w[1], 0, 0]) }
            Action::SetDiagnostics { uri, diagnostics } => {
                let u = str_words(uri);
                let lowered = lower_diagnostics(diagnostics);
                let l = list_words(&lowered);
                keep.push(Box::new(lowered));
                (6, [u[0], u[1], l[0], l[1]])
            }
        };
        out.push(AbiAction { tag, payload });
    }
    out
}

// ---- host imports ---------------------------------------------------------------------------------------------------

mod imports {
    #[link(wasm_import_module = "wasm-plugin-host:api/log")]
    extern "C" {
        #[link_name = "write"]
        pub fn log_write(level: i32, p: *const u8, n: usize);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/notifications")]
    extern "C" {
        #[link_name = "show"]
        pub fn notify(level: i32, p: *const u8, n: usize, ret: *mut u8);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/status-bar")]
    extern "C" {
        #[link_name = "set-text"]
        pub fn set_text(p: *const u8, n: usize, has_tip: i32, tp: *const u8, tn: usize, ret: *mut u8);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/editor-read")]
    extern "C" {
        #[link_name = "active-document"]
        pub fn active_document(ret: *mut u8);
        #[link_name = "document-text"]
        pub fn document_text(p: *const u8, n: usize, ret: *mut u8);
        #[link_name = "selections"]
        pub fn selections(ret: *mut u8);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/editor-write")]
    extern "C" {
        #[link_name = "apply-edit"]
        pub fn apply_edit(up: *const u8, un: usize, edits: *const u8, count: usize, ret: *mut u8);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/diagnostics")]
    extern "C" {
        #[link_name = "set"]
        pub fn diagnostics_set(up: *const u8, un: usize, items: *const u8, count: usize, ret: *mut u8);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/storage")]
    extern "C" {
        #[link_name = "get"]
        pub fn storage_get(scope: i32, p: *const u8, n: usize, ret: *mut u8);
        #[link_name = "set"]
        pub fn storage_set(scope: i32, kp: *const u8, kn: usize, vp: *const u8, vn: usize, ret: *mut u8);
        #[link_name = "remove"]
        pub fn storage_remove(scope: i32, p: *const u8, n: usize, ret: *mut u8);
        #[link_name = "keys"]
        pub fn storage_keys(scope: i32, ret: *mut u8);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/workspace-read")]
    extern "C" {
        #[link_name = "read-file"]
        pub fn read_file(p: *const u8, n: usize, ret: *mut u8);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/workspace-write")]
    extern "C" {
        #[link_name = "write-file"]
        pub fn write_file(pp: *const u8, pn: usize, cp: *const u8, cn: usize, ret: *mut u8);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/configuration")]
    extern "C" {
        #[link_name = "get"]
        pub fn config_get(p: *const u8, n: usize, ret: *mut u8);
    }
    #[link(wasm_import_module = "wasm-plugin-host:api/panels")]
    extern "C" {
        #[link_name = "post-message"]
        pub fn post_message(ip: *const u8, in_: usize, mp: *const u8, mn: usize, ret: *mut u8);
    }
}

/// Return area for import results. Every `result<T, host-error>`: u8 case at 0, payload at 4 (host-error is a
/// variant whose case is the error kind: u8 at 4, its message at 8/12). The largest is result<option<document-info>, host-error>: 36 bytes.
#[repr(C, align(8))]
struct RetArea([u8; 40]);

fn with_ret<T>(call: impl FnOnce(*mut u8), lift: impl FnOnce(*const u8) -> T) -> Result<T, HostError> {
    let mut area = RetArea([0; 40]);
    let p = area.0.as_mut_ptr();
    call(p);
    unsafe {
        if rd_u8(p, 0) == 0 {
            Ok(lift(p))
        } else {
            let kind = match rd_u8(p, 4) {
                0 => ErrorKind::Denied,
                1 => ErrorKind::NotFound,
                2 => ErrorKind::Invalid,
                3 => ErrorKind::TooLarge,
                _ => ErrorKind::Failed,
            };
            Err(HostError { kind, message: take_string(rd_u32(p, 8), rd_u32(p, 12)) })
        }
    }
}

/// Writes to the plugin's own output channel (no capability needed).
pub fn log(level: LogLevel, message: &str) {
    unsafe { imports::log_write(level as i32, message.as_ptr(), message.len()) }
}

/// notifications.show
pub fn notify(level: NotifyLevel, message: &str) -> Result<(), HostError> {
    with_ret(|r| unsafe { imports::notify(level as i32, message.as_ptr(), message.len(), r) }, |_| ())
}

/// status-bar.set-text: empty text hides the item.
pub fn set_status_text(text: &str, tooltip: Option<&str>) -> Result<(), HostError> {
    let (has, tp, tn) = match tooltip {
        Some(t) => (1, t.as_ptr(), t.len()),
        None => (0, std::ptr::null(), 0),
    };
    with_ret(|r| unsafe { imports::set_text(text.as_ptr(), text.len(), has, tp, tn, r) }, |_| ())
}

/// editor-read.active-document
pub fn active_document() -> Result<Option<DocumentInfo>, HostError> {
    with_ret(
        |r| unsafe { imports::active_document(r) },
        |p| unsafe {
            if rd_u8(p, 4) == 0 {
                None
            } else {
                // option case at 4, document-info at 8: uri 8/12, language-id 16/20, version 24, line-count 28, is-dirty 32
                let v = [rd_u32(p, 8), rd_u32(p, 12), rd_u32(p, 16), rd_u32(p, 20), rd_u32(p, 24), rd_u32(p, 28), rd_u8(p, 32) as u32];
                Some(take_document(&v))
            }
        },
    )
}

/// editor-read.document-text: the full text of an open document.
pub fn document_text(uri: &str) -> Result<String, HostError> {
    with_ret(|r| unsafe { imports::document_text(uri.as_ptr(), uri.len(), r) }, |p| unsafe {
        take_string(rd_u32(p, 4), rd_u32(p, 8))
    })
}

/// editor-read.selections: the selections of the active editor.
pub fn selections() -> Result<Vec<Selection>, HostError> {
    with_ret(|r| unsafe { imports::selections(r) }, |p| unsafe { take_selections(rd_u32(p, 4), rd_u32(p, 8)) })
}

/// editor-write.apply-edit
pub fn apply_edit(uri: &str, edits: &[TextEdit]) -> Result<(), HostError> {
    let lowered = lower_edits(edits);
    let l = list_words(&lowered);
    with_ret(|r| unsafe { imports::apply_edit(uri.as_ptr(), uri.len(), l[0] as usize as *const u8, l[1] as usize, r) }, |_| ())
}

/// diagnostics.set: replaces this plugin's diagnostics for a document; an empty list clears them.
pub fn set_diagnostics(uri: &str, items: &[Diagnostic]) -> Result<(), HostError> {
    let lowered = lower_diagnostics(items);
    let l = list_words(&lowered);
    with_ret(|r| unsafe { imports::diagnostics_set(uri.as_ptr(), uri.len(), l[0] as usize as *const u8, l[1] as usize, r) }, |_| ())
}

unsafe fn lift_option_string(p: *const u8) -> Option<String> {
    if rd_u8(p, 4) == 0 { None } else { Some(take_string(rd_u32(p, 8), rd_u32(p, 12))) }
}

pub fn storage_get(scope: StorageScope, key: &str) -> Result<Option<String>, HostError> {
    with_ret(|r| unsafe { imports::storage_get(scope as i32, key.as_ptr(), key.len(), r) }, |p| unsafe { lift_option_string(p) })
}

pub fn storage_set(scope: StorageScope, key: &str, value: &str) -> Result<(), HostError> {
    with_ret(|r| unsafe { imports::storage_set(scope as i32, key.as_ptr(), key.len(), value.as_ptr(), value.len(), r) }, |_| ())
}

pub fn storage_remove(scope: StorageScope, key: &str) -> Result<(), HostError> {
    with_ret(|r| unsafe { imports::storage_remove(scope as i32, key.as_ptr(), key.len(), r) }, |_| ())
}

pub fn storage_keys(scope: StorageScope) -> Result<Vec<String>, HostError> {
    with_ret(|r| unsafe { imports::storage_keys(scope as i32, r) }, |p| unsafe { take_string_list(rd_u32(p, 4), rd_u32(p, 8)) })
}

/// workspace-read.read-file: `path` is relative to the first workspace folder.
pub fn read_file(path: &str) -> Result<String, HostError> {
    with_ret(|r| unsafe { imports::read_file(path.as_ptr(), path.len(), r) }, |p| unsafe { take_string(rd_u32(p, 4), rd_u32(p, 8)) })
}

/// workspace-write.write-file
pub fn write_file(path: &str, contents: &str) -> Result<(), HostError> {
    with_ret(|r| unsafe { imports::write_file(path.as_ptr(), path.len(), contents.as_ptr(), contents.len(), r) }, |_| ())
}

/// configuration.get: the setting's value as JSON text.
pub fn config_get(key: &str) -> Result<Option<String>, HostError> {
    with_ret(|r| unsafe { imports::config_get(key.as_ptr(), key.len(), r) }, |p| unsafe { lift_option_string(p) })
}

/// panels.post-message: sends JSON to one of this plugin's open panels.
pub fn post_message(panel_id: &str, message: &str) -> Result<(), HostError> {
    with_ret(|r| unsafe { imports::post_message(panel_id.as_ptr(), panel_id.len(), message.as_ptr(), message.len(), r) }, |_| ())
}

// ---- export glue (called by `export_plugin!`) -----------------------------------------------------------------------

#[doc(hidden)]
pub mod glue {
    use super::*;

    /// One return area and one set of kept-alive data per export; post-return drops the data.
    static mut RET: [[u32; 6]; 5] = [[0; 6]; 5];
    static mut KEEP: [Option<Lowered>; 5] = [None, None, None, None, None];

    unsafe fn finish(slot: usize, words: &[u32], keep: Vec<Box<dyn std::any::Any>>) -> *mut u8 {
        RET[slot] = [0; 6];
        RET[slot][..words.len()].copy_from_slice(words);
        KEEP[slot] = Some(Lowered { _keep: keep });
        RET[slot].as_mut_ptr() as *mut u8
    }

    pub fn post_return(slot: usize) {
        unsafe { KEEP[slot] = None }
    }

    pub fn activate<P: Plugin>(p: &mut P) -> *mut u8 {
        // result<_, string>: u8 case at 0, string at 4/8
        match p.activate() {
            Ok(()) => unsafe { finish(0, &[0], Vec::new()) },
            Err(e) => {
                let w = str_words(&e);
                unsafe { finish(0, &[1, w[0], w[1]], vec![Box::new(e)]) }
            }
        }
    }

    pub unsafe fn run_command<P: Plugin>(p: &mut P, a: *mut u8, b: usize, c: *mut u8, d: usize) -> *mut u8 {
        let id = take_string(a as usize as u32, b as u32);
        let args = take_string(c as usize as u32, d as u32);
        // result<command-result, string> (24 bytes): u8 case at 0; ok: option<string> at 4 (case 4, string 8/12),
        // list<action> at 16/20; error: string at 4/8.
        match p.run_command(&id, &args) {
            Ok(result) => {
                let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
                let actions = lower_actions(&result.actions, &mut keep);
                let l = list_words(&actions);
                let v = match &result.value {
                    Some(v) => { let w = str_words(v); [1, w[0], w[1]] }
                    None => [0, 0, 0],
                };
                keep.push(Box::new(actions));
                keep.push(Box::new(result));
                finish(1, &[0, v[0], v[1], v[2], l[0], l[1]], keep)
            }
            Err(e) => {
                let w = str_words(&e);
                finish(1, &[1, w[0], w[1]], vec![Box::new(e)])
            }
        }
    }

    /// Lifts the flattened `editor-event` (case + 9 joined i32 payload values) into an owned [`Event`].
    pub unsafe fn lift_event(tag: i32, v: [u32; 9]) -> Event {
        match tag {
            0 => Event::DocumentOpened(take_document(&v[..7])),
            1 => Event::DocumentSaved(take_document(&v[..7])),
            2 => Event::DocumentWillSave {
                document: take_document(&v[..7]),
                reason: match v[7] & 0xff { 0 => SaveReason::Manual, 1 => SaveReason::AfterDelay, _ => SaveReason::FocusOut },
            },
            3 => {
                let document = take_document(&v[..7]);
                let base = v[7] as usize as *const u8;
                let mut changes = Vec::with_capacity(v[8] as usize);
                for i in 0..v[8] as usize {
                    let e = base.add(i * 24);
                    changes.push(ContentChange { range: read_range(e), text: take_string(rd_u32(e, 16), rd_u32(e, 20)) });
                }
                free_block(v[7], v[8], 24, 4);
                Event::DocumentChanged { document, changes }
            }
            4 => Event::DocumentClosed(take_document(&v[..7])),
            5 => Event::ActiveEditorChanged(if v[0] & 0xff != 0 { Some(take_document(&v[1..8])) } else { None }),
            6 => Event::SelectionChanged { uri: take_string(v[0], v[1]), selections: take_selections(v[2], v[3]) },
            7 => Event::ConfigurationChanged(take_string_list(v[0], v[1])),
            _ => std::process::abort(), // a newer host API: not this SDK's
        }
    }

    unsafe fn return_actions(slot: usize, actions: Vec<Action>) -> *mut u8 {
        let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
        let lowered = lower_actions(&actions, &mut keep);
        let l = list_words(&lowered);
        keep.push(Box::new(lowered));
        keep.push(Box::new(actions));
        finish(slot, &l, keep)
    }

    pub unsafe fn handle_event<P: Plugin>(p: &mut P, tag: i32, v: [u32; 9]) -> *mut u8 {
        let event = lift_event(tag, v);
        let actions = p.handle_event(event);
        return_actions(2, actions)
    }

    pub unsafe fn render_panel<P: Plugin>(p: &mut P, a: *mut u8, b: usize, c: *mut u8, d: usize) -> *mut u8 {
        let id = take_string(a as usize as u32, b as u32);
        let state = take_string(c as usize as u32, d as u32);
        let html = p.render_panel(&id, &state);
        let w = str_words(&html);
        finish(3, &w, vec![Box::new(html)])
    }

    pub unsafe fn panel_message<P: Plugin>(p: &mut P, a: *mut u8, b: usize, c: *mut u8, d: usize) -> *mut u8 {
        let id = take_string(a as usize as u32, b as u32);
        let message = take_string(c as usize as u32, d as u32);
        let actions = p.panel_message(&id, &message);
        return_actions(4, actions)
    }
}
