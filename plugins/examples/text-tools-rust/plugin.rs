//! text-tools: upper/lower-case the selections, strip trailing whitespace on save, and a preview panel.

#[path = "../../sdk/rust/wasm_plugin.rs"]
mod wasm_plugin;

use wasm_plugin::*;

#[derive(Default)]
struct TextTools {
    /// Documents cleaned on save so far (shown in the panel).
    cleaned_saves: u32,
}

/// The document's lines without their line terminators (`\n` or `\r\n`), with each line's byte offset.
fn lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let line = &text[start..i];
            out.push((start, line.strip_suffix('\r').unwrap_or(line)));
            start = i + 1;
        }
    }
    out.push((start, &text[start..]));
    out
}

/// Byte offset of a VS Code position (UTF-16 column), clamped to the line and the document.
fn offset_of(lines: &[(usize, &str)], p: Position, text_len: usize) -> usize {
    let (start, line) = match lines.get(p.line as usize) {
        Some(l) => *l,
        None => return text_len,
    };
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= p.character {
            return start + i;
        }
        units += c.len_utf16() as u32;
    }
    start + line.len()
}

fn ordered(s: &Selection) -> (Position, Position) {
    let (a, b) = (s.anchor, s.active);
    if (a.line, a.character) <= (b.line, b.character) { (a, b) } else { (b, a) }
}

/// Edits that delete the spaces and tabs at the end of every line.
fn trailing_whitespace_edits(text: &str) -> Vec<TextEdit> {
    let mut edits = Vec::new();
    for (n, (_, line)) in lines(text).iter().enumerate() {
        let trimmed = line.trim_end_matches(|c| c == ' ' || c == '\t');
        if trimmed.len() < line.len() {
            edits.push(TextEdit {
                range: Range::new(n as u32, utf16_len(trimmed), n as u32, utf16_len(line)),
                new_text: String::new(),
            });
        }
    }
    edits
}

fn transform(upper: bool, s: &str) -> String {
    if upper { s.to_uppercase() } else { s.to_lowercase() }
}

/// upper-case / lower-case: one `insert-text` action when every selection holds the same text (the common single
/// selection case), else one `apply-edit` with an edit per selection.
fn change_case(upper: bool) -> Result<CommandResult, String> {
    let doc = match active_document().map_err(|e| e.to_string())? {
        Some(d) => d,
        None => return Ok(CommandResult::none().with_action(Action::notify(NotifyLevel::Info, "No active editor."))),
    };
    let sels = selections().map_err(|e| e.to_string())?;
    let text = document_text(&doc.uri).map_err(|e| e.to_string())?;
    let index = lines(&text);
    let mut pieces: Vec<(Range, String)> = Vec::new();
    for s in &sels {
        let (a, b) = ordered(s);
        let (from, to) = (offset_of(&index, a, text.len()), offset_of(&index, b, text.len()));
        if from < to {
            pieces.push((Range { start: a, end: b }, transform(upper, &text[from..to])));
        }
    }
    if pieces.is_empty() {
        return Ok(CommandResult::none().with_action(Action::notify(NotifyLevel::Info, "Select some text first.")));
    }
    let value = format!("{{\"selections\":{}}}", pieces.len());
    let all_same = pieces.len() == sels.len() && pieces.iter().all(|p| p.1 == pieces[0].1);
    if all_same {
        let text = pieces.swap_remove(0).1;
        return Ok(CommandResult::value(value).with_action(Action::InsertText(text)));
    }
    let edits = pieces.into_iter().map(|(range, new_text)| TextEdit { range, new_text }).collect();
    Ok(CommandResult::value(value).with_action(Action::ApplyEdit { uri: doc.uri, edits }))
}

impl Plugin for TextTools {
    fn run_command(&mut self, id: &str, _args: &str) -> Result<CommandResult, String> {
        match id {
            "upper-case" => change_case(true),
            "lower-case" => change_case(false),
            "open-preview" => Ok(CommandResult::none().with_action(Action::OpenPanel("preview".into()))),
            _ => Err(format!("text-tools has no command {}", id)),
        }
    }

    fn handle_event(&mut self, event: Event) -> Vec<Action> {
        match event {
            Event::DocumentWillSave { document, .. } => {
                let text = match document_text(&document.uri) {
                    Ok(t) => t,
                    Err(e) => {
                        log(LogLevel::Warning, &format!("cannot read {}: {}", document.uri, e));
                        return Vec::new();
                    }
                };
                let edits = trailing_whitespace_edits(&text);
                if edits.is_empty() {
                    return Vec::new();
                }
                self.cleaned_saves += 1;
                vec![Action::ApplyEdit { uri: document.uri, edits }]
            }
            _ => Vec::new(),
        }
    }

    fn render_panel(&mut self, _panel_id: &str, state: &str) -> String {
        let text = json::get_string(state, "text").unwrap_or_else(|| "héllo wörld ✓ 日本語 🎉".to_string());
        format!(
            concat!(
                "<h2>Case preview</h2>",
                "<form data-message-form=\"preview\">",
                "<textarea name=\"text\" rows=\"4\">{text}</textarea>",
                "<button name=\"mode\" value=\"upper\">UPPER</button> ",
                "<button name=\"mode\" value=\"lower\">lower</button>",
                "</form>",
                "<p>Before: <span id=\"before\">{text}</span></p>",
                "<p>After: <span id=\"after\"></span></p>",
                "<p>Saves cleaned of trailing whitespace: <span id=\"cleaned\">{cleaned}</span></p>"
            ),
            text = html_escape(&text),
            cleaned = self.cleaned_saves
        )
    }

    /// `{"type":"preview","mode":"upper"|"lower","text":"…"}` → posts
    /// `{"type":"preview","mode":…,"before":"…","after":"…"}` back to the panel.
    fn panel_message(&mut self, panel_id: &str, message: &str) -> Vec<Action> {
        if json::get_string(message, "type").as_deref() != Some("preview") {
            return vec![Action::post_to_panel(panel_id, "{\"type\":\"error\",\"message\":\"unknown message\"}")];
        }
        let mode = json::get_string(message, "mode").unwrap_or_else(|| "upper".into());
        let before = json::get_string(message, "text").unwrap_or_default();
        let after = transform(mode != "lower", &before);
        let reply = format!(
            "{{\"type\":\"preview\",\"mode\":{},\"before\":{},\"after\":{}}}",
            json_string(&mode),
            json_string(&before),
            json_string(&after)
        );
        vec![Action::post_to_panel(panel_id, reply)]
    }
}

export_plugin!(TextTools);
