/* kitchen-sink: a test plugin that exercises every export, every host import, every action and every event, plus
 * the failure modes the host must survive (trap, endless loop, memory exhaustion). Commands are listed in README.md. */
#include <stdlib.h>
#include <string.h>

#include "wasm_plugin.h"

/* ---- helpers ---------------------------------------------------------------------------------------------------- */

static void value_buf(wp_command_result *r, wp_buf *b) {
  wp_result_value(r, wp_buf_str(b));
  wp_buf_free(b);
}

/* {"error":"<kind>","message":"…"} */
static void value_error(wp_command_result *r, wp_status s) {
  wp_buf b = { 0 };
  wp_buf_append_c(&b, "{\"error\":");
  wp_buf_append_json_string(&b, wp_cstr(wp_status_name(s)));
  wp_buf_append_c(&b, ",\"message\":");
  wp_buf_append_json_string(&b, wp_cstr(wp_last_error()));
  wp_buf_append_char(&b, '}');
  value_buf(r, &b);
}

static void value_ok(wp_command_result *r, wp_status s) {
  if (s == WP_OK) wp_result_value(r, WP_LIT("{\"ok\":true}"));
  else value_error(r, s);
}

/* A string argument: the JSON string itself, or the "key" member of an object, or the raw text. */
static void arg_string(wp_str args, const char *key, wp_buf *out) {
  if (wp_json_parse_string(args, out)) return;
  if (wp_json_get_string(args, key, out)) return;
  wp_buf_append(out, args);
}

static void json_position(wp_buf *b, wp_position p) {
  wp_buf_append_c(b, "{\"line\":");
  wp_buf_append_u64(b, p.line);
  wp_buf_append_c(b, ",\"character\":");
  wp_buf_append_u64(b, p.character);
  wp_buf_append_char(b, '}');
}

static void json_range(wp_buf *b, wp_range r) {
  wp_buf_append_c(b, "{\"start\":");
  json_position(b, r.start);
  wp_buf_append_c(b, ",\"end\":");
  json_position(b, r.end);
  wp_buf_append_char(b, '}');
}

static void json_selection(wp_buf *b, const wp_selection *s) {
  wp_buf_append_c(b, "{\"anchor\":");
  json_position(b, s->anchor);
  wp_buf_append_c(b, ",\"active\":");
  json_position(b, s->active);
  wp_buf_append_char(b, '}');
}

static void json_document(wp_buf *b, const wp_document_info *d) {
  wp_buf_append_c(b, "{\"uri\":");
  wp_buf_append_json_string(b, d->uri);
  wp_buf_append_c(b, ",\"languageId\":");
  wp_buf_append_json_string(b, d->language_id);
  wp_buf_append_c(b, ",\"version\":");
  wp_buf_append_u64(b, d->version);
  wp_buf_append_c(b, ",\"lineCount\":");
  wp_buf_append_u64(b, d->line_count);
  wp_buf_append_c(b, d->is_dirty ? ",\"isDirty\":true}" : ",\"isDirty\":false}");
}

/* ---- events: the most recent MAX_EVENTS, as JSON objects ------------------------------------------------------------ */

#define MAX_EVENTS 100
static wp_string events[MAX_EVENTS];
static size_t event_start, event_count;
static uint64_t event_total;

static void record_event(const wp_event *e) {
  static const char *reasons[] = { "manual", "after-delay", "focus-out" };
  wp_buf b = { 0 };
  wp_buf_append_c(&b, "{\"kind\":");
  wp_buf_append_json_string(&b, wp_cstr(e->kind_name));
  switch (e->kind) {
    case WP_EVENT_DOCUMENT_WILL_SAVE:
      wp_buf_append_c(&b, ",\"reason\":");
      wp_buf_append_json_string(&b, wp_cstr(reasons[e->reason < 3 ? e->reason : 0]));
      /* fall through */
    case WP_EVENT_DOCUMENT_OPENED:
    case WP_EVENT_DOCUMENT_SAVED:
    case WP_EVENT_DOCUMENT_CLOSED:
      wp_buf_append_c(&b, ",\"document\":");
      json_document(&b, &e->document);
      break;
    case WP_EVENT_DOCUMENT_CHANGED:
      wp_buf_append_c(&b, ",\"document\":");
      json_document(&b, &e->document);
      wp_buf_append_c(&b, ",\"changes\":[");
      for (size_t i = 0; i < e->change_count; i++) {
        if (i) wp_buf_append_char(&b, ',');
        wp_buf_append_c(&b, "{\"range\":");
        json_range(&b, e->changes[i].range);
        wp_buf_append_c(&b, ",\"text\":");
        wp_buf_append_json_string(&b, e->changes[i].text);
        wp_buf_append_char(&b, '}');
      }
      wp_buf_append_char(&b, ']');
      break;
    case WP_EVENT_ACTIVE_EDITOR_CHANGED:
      wp_buf_append_c(&b, ",\"document\":");
      if (e->has_document) json_document(&b, &e->document);
      else wp_buf_append_c(&b, "null");
      break;
    case WP_EVENT_SELECTION_CHANGED:
      wp_buf_append_c(&b, ",\"uri\":");
      wp_buf_append_json_string(&b, e->uri);
      wp_buf_append_c(&b, ",\"selections\":[");
      for (size_t i = 0; i < e->selection_count; i++) {
        if (i) wp_buf_append_char(&b, ',');
        json_selection(&b, &e->selections[i]);
      }
      wp_buf_append_char(&b, ']');
      break;
    case WP_EVENT_CONFIGURATION_CHANGED:
      wp_buf_append_c(&b, ",\"sections\":[");
      for (size_t i = 0; i < e->section_count; i++) {
        if (i) wp_buf_append_char(&b, ',');
        wp_buf_append_json_string(&b, e->sections[i]);
      }
      wp_buf_append_char(&b, ']');
      break;
  }
  wp_buf_append_char(&b, '}');

  size_t slot = (event_start + event_count) % MAX_EVENTS;
  if (event_count == MAX_EVENTS) {
    wp_string_free(&events[event_start]);
    event_start = (event_start + 1) % MAX_EVENTS;
  } else {
    event_count++;
  }
  events[slot] = wp_string_copy(wp_buf_str(&b));
  wp_buf_free(&b);
  event_total++;
}

static void clear_events(void) {
  for (size_t i = 0; i < MAX_EVENTS; i++) wp_string_free(&events[i]);
  event_start = event_count = 0;
  event_total = 0;
}

void wp_handle_event(const wp_event *event, wp_actions *actions) {
  (void)actions;
  record_event(event);
}

/* ---- activation: fails with the value of global storage key "fail-activate" when it is set ---------------------- */

const char *wp_activate(void) {
  static wp_string message;   /* kept until the next activation: the SDK copies it */
  bool found = false;
  wp_string_free(&message);
  if (wp_storage_get(WP_SCOPE_GLOBAL, WP_LIT("fail-activate"), &message, &found) == WP_OK && found) return message.ptr;
  return NULL;
}

/* ---- commands --------------------------------------------------------------------------------------------------- */

static void ascii_upper(wp_buf *b) {
  for (size_t i = 0; i < b->len; i++)
    if (b->data[i] >= 'a' && b->data[i] <= 'z') b->data[i] = (char)(b->data[i] - 'a' + 'A');
}

static volatile uint32_t spin;

static void cmd_alloc_grow(wp_command_result *r) {
  /* Chain 1 MiB blocks through their first word until malloc fails, then free them all. */
  void *head = NULL;
  uint64_t mb = 0;
  for (;;) {
    void **block = malloc(1 << 20);
    if (!block) break;
    *block = head;
    head = block;
    mb++;
  }
  while (head) {
    void *next = *(void **)head;
    free(head);
    head = next;
  }
  wp_buf b = { 0 };
  wp_buf_append_c(&b, "{\"mb\":");
  wp_buf_append_u64(&b, mb);
  wp_buf_append_char(&b, '}');
  value_buf(r, &b);
}

static void cmd_events(wp_command_result *r) {
  wp_buf b = { 0 };
  wp_buf_append_char(&b, '[');
  for (size_t i = 0; i < event_count; i++) {
    if (i) wp_buf_append_char(&b, ',');
    wp_buf_append(&b, wp_view(events[(event_start + i) % MAX_EVENTS]));
  }
  wp_buf_append_char(&b, ']');
  value_buf(r, &b);
}

static void cmd_read_file(wp_str args, wp_command_result *r) {
  wp_buf path = { 0 };
  arg_string(args, "path", &path);
  wp_string text;
  wp_status s = wp_read_file(wp_buf_str(&path), &text);
  wp_buf_free(&path);
  if (s != WP_OK) { value_error(r, s); return; }
  wp_buf b = { 0 };
  wp_buf_append_json_string(&b, wp_view(text));
  wp_string_free(&text);
  value_buf(r, &b);
}

static void cmd_storage_roundtrip(wp_str args, wp_command_result *r) {
  wp_status s;
  if ((s = wp_storage_set(WP_SCOPE_GLOBAL, WP_LIT("roundtrip"), args)) != WP_OK) { value_error(r, s); return; }
  if ((s = wp_storage_set(WP_SCOPE_WORKSPACE, WP_LIT("scratch ✓"), WP_LIT("temp"))) != WP_OK) { value_error(r, s); return; }
  if ((s = wp_storage_remove(WP_SCOPE_WORKSPACE, WP_LIT("scratch ✓"))) != WP_OK) { value_error(r, s); return; }
  wp_string got;
  bool found;
  if ((s = wp_storage_get(WP_SCOPE_GLOBAL, WP_LIT("roundtrip"), &got, &found)) != WP_OK) { value_error(r, s); return; }
  wp_string_list keys;
  if ((s = wp_storage_keys(WP_SCOPE_GLOBAL, &keys)) != WP_OK) {
    if (found) wp_string_free(&got);
    value_error(r, s);
    return;
  }
  wp_buf b = { 0 };
  wp_buf_append_c(&b, "{\"value\":");
  if (found) wp_buf_append_json_string(&b, wp_view(got));
  else wp_buf_append_c(&b, "null");
  wp_buf_append_c(&b, ",\"keys\":[");
  for (size_t i = 0; i < keys.len; i++) {
    if (i) wp_buf_append_char(&b, ',');
    wp_buf_append_json_string(&b, wp_view(keys.items[i]));
  }
  wp_buf_append_c(&b, "]}");
  if (found) wp_string_free(&got);
  wp_string_list_free(&keys);
  value_buf(r, &b);
}

static void cmd_active_document(wp_command_result *r) {
  wp_document_info d;
  bool present;
  wp_status s = wp_active_document(&d, &present);
  if (s != WP_OK) { value_error(r, s); return; }
  if (!present) { wp_result_value(r, WP_LIT("null")); return; }
  wp_buf b = { 0 };
  json_document(&b, &d);
  wp_document_info_free(&d);
  value_buf(r, &b);
}

static void cmd_document_text(wp_command_result *r) {
  wp_document_info d;
  bool present;
  wp_status s = wp_active_document(&d, &present);
  if (s != WP_OK) { value_error(r, s); return; }
  if (!present) { wp_result_value(r, WP_LIT("null")); return; }
  wp_string text;
  s = wp_document_text(d.uri, &text);
  wp_document_info_free(&d);
  if (s != WP_OK) { value_error(r, s); return; }
  wp_buf b = { 0 };
  wp_buf_append_json_string(&b, wp_view(text));
  wp_string_free(&text);
  value_buf(r, &b);
}

static void cmd_selections(wp_command_result *r) {
  wp_selection *sel;
  size_t n;
  wp_status s = wp_selections(&sel, &n);
  if (s != WP_OK) { value_error(r, s); return; }
  wp_buf b = { 0 };
  wp_buf_append_char(&b, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) wp_buf_append_char(&b, ',');
    json_selection(&b, &sel[i]);
  }
  wp_buf_append_char(&b, ']');
  free(sel);
  value_buf(r, &b);
}

/* Inserts the args text at the start of the active document through editor-write. */
static void cmd_apply_edit(wp_str args, wp_command_result *r) {
  wp_document_info d;
  bool present;
  wp_status s = wp_active_document(&d, &present);
  if (s != WP_OK) { value_error(r, s); return; }
  if (!present) { wp_result_error(r, WP_LIT("no active document")); return; }
  wp_buf text = { 0 };
  arg_string(args, "text", &text);
  wp_text_edit edit = { { { 0, 0 }, { 0, 0 } }, wp_buf_str(&text) };
  s = wp_apply_edit(d.uri, &edit, 1);
  wp_buf_free(&text);
  wp_document_info_free(&d);
  value_ok(r, s);
}

/* Two diagnostics on the active document (one with a code); `clear` in args clears them. */
static void cmd_diagnostics(wp_str args, wp_command_result *r) {
  wp_document_info d;
  bool present;
  wp_status s = wp_active_document(&d, &present);
  if (s != WP_OK) { value_error(r, s); return; }
  if (!present) { wp_result_error(r, WP_LIT("no active document")); return; }
  wp_diagnostic items[2] = {
    { { { 0, 0 }, { 0, 5 } }, WP_SEVERITY_WARNING, WP_LIT("héllo wörld ✓ 日本語 🎉"), wp_some(WP_LIT("KS001")) },
    { { { 1, 0 }, { 1, 1 } }, WP_SEVERITY_HINT, WP_LIT("second"), wp_none() },
  };
  bool clear = wp_str_eq(args, "\"clear\"");
  s = wp_diagnostics_set(d.uri, items, clear ? 0 : 2);
  wp_document_info_free(&d);
  value_ok(r, s);
}

static void cmd_write_file(wp_str args, wp_command_result *r) {
  wp_buf path = { 0 }, contents = { 0 };
  if (!wp_json_get_string(args, "path", &path) || !wp_json_get_string(args, "contents", &contents)) {
    wp_buf_free(&path);
    wp_buf_free(&contents);
    wp_result_error(r, WP_LIT("write-file needs {\"path\": …, \"contents\": …}"));
    return;
  }
  wp_status s = wp_write_file(wp_buf_str(&path), wp_buf_str(&contents));
  wp_buf_free(&path);
  wp_buf_free(&contents);
  value_ok(r, s);
}

static void cmd_config_get(wp_str args, wp_command_result *r) {
  wp_buf key = { 0 };
  arg_string(args, "key", &key);
  wp_string v;
  bool found;
  wp_status s = wp_config_get(wp_buf_str(&key), &v, &found);
  wp_buf_free(&key);
  if (s != WP_OK) { value_error(r, s); return; }
  if (!found) { wp_result_value(r, WP_LIT("null")); return; }
  wp_result_value(r, wp_view(v));   /* the setting's JSON, unchanged */
  wp_string_free(&v);
}

/* One action of every kind. */
static void cmd_actions(wp_str args, wp_command_result *r) {
  wp_actions *a = wp_result_actions(r);
  wp_str uri = WP_LIT("file:///tmp/h%C3%A9llo.txt");
  wp_text_edit edit = { { { 0, 0 }, { 0, 1 } }, WP_LIT("✓") };
  wp_diagnostic diag = { { { 0, 0 }, { 0, 3 } }, WP_SEVERITY_ERROR, WP_LIT("bad ✗"), wp_some(WP_LIT("")) };
  wp_actions_notify(a, WP_NOTIFY_WARNING, args);
  wp_actions_insert_text(a, args);
  wp_actions_apply_edit(a, uri, &edit, 1);
  wp_actions_apply_edit(a, uri, NULL, 0);
  wp_actions_set_status(a, WP_LIT(""));
  wp_actions_post_to_panel(a, WP_LIT("echo"), WP_LIT("{\"x\":\"日本語\"}"));
  wp_actions_open_panel(a, WP_LIT("echo"));
  wp_actions_set_diagnostics(a, uri, &diag, 1);
  wp_actions_set_diagnostics(a, uri, NULL, 0);
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  if (wp_str_eq(id, "echo")) {
    wp_result_value(r, args);
  } else if (wp_str_eq(id, "echo-upper")) {
    wp_buf up = { 0 }, b = { 0 };
    wp_buf_append(&up, args);
    ascii_upper(&up);
    wp_buf_append_json_string(&b, wp_buf_str(&up));
    wp_buf_free(&up);
    value_buf(r, &b);
  } else if (wp_str_eq(id, "log")) {
    wp_log(WP_LOG_INFO, args);
  } else if (wp_str_eq(id, "read-file")) {
    cmd_read_file(args, r);
  } else if (wp_str_eq(id, "storage-roundtrip")) {
    cmd_storage_roundtrip(args, r);
  } else if (wp_str_eq(id, "notify")) {
    wp_buf msg = { 0 };
    arg_string(args, "message", &msg);
    value_ok(r, wp_notify(WP_NOTIFY_INFO, wp_buf_str(&msg)));
    wp_buf_free(&msg);
  } else if (wp_str_eq(id, "status")) {
    wp_buf text = { 0 };
    arg_string(args, "text", &text);
    wp_str tip = WP_LIT("kitchen-sink ✓");
    value_ok(r, wp_status_bar_set(wp_buf_str(&text), &tip));
    wp_buf_free(&text);
  } else if (wp_str_eq(id, "status-no-tip")) {
    wp_buf text = { 0 };
    arg_string(args, "text", &text);
    value_ok(r, wp_status_bar_set(wp_buf_str(&text), NULL));
    wp_buf_free(&text);
  } else if (wp_str_eq(id, "trap")) {
    __builtin_trap();
  } else if (wp_str_eq(id, "loop-forever")) {
    for (;;) spin++;
  } else if (wp_str_eq(id, "alloc-grow")) {
    cmd_alloc_grow(r);
  } else if (wp_str_eq(id, "events")) {
    cmd_events(r);
  } else if (wp_str_eq(id, "clear-events")) {
    clear_events();
  } else if (wp_str_eq(id, "active-document")) {
    cmd_active_document(r);
  } else if (wp_str_eq(id, "document-text")) {
    cmd_document_text(r);
  } else if (wp_str_eq(id, "selections")) {
    cmd_selections(r);
  } else if (wp_str_eq(id, "apply-edit")) {
    cmd_apply_edit(args, r);
  } else if (wp_str_eq(id, "diagnostics")) {
    cmd_diagnostics(args, r);
  } else if (wp_str_eq(id, "write-file")) {
    cmd_write_file(args, r);
  } else if (wp_str_eq(id, "config-get")) {
    cmd_config_get(args, r);
  } else if (wp_str_eq(id, "post-message")) {
    value_ok(r, wp_panel_post(WP_LIT("echo"), args));
  } else if (wp_str_eq(id, "actions")) {
    cmd_actions(args, r);
  } else if (wp_str_eq(id, "fail")) {
    wp_result_error(r, args);
  } else {
    wp_buf msg = { 0 };
    wp_buf_append_c(&msg, "kitchen-sink has no command ");
    wp_buf_append(&msg, id);
    wp_result_error(r, wp_buf_str(&msg));
    wp_buf_free(&msg);
  }
}

/* ---- panel ------------------------------------------------------------------------------------------------------ */

void wp_render_panel(wp_str panel_id, wp_str state, wp_buf *html) {
  wp_buf_append_c(html, "<h1>Echo</h1><p id=\"panel\">");
  wp_buf_append_html(html, panel_id);
  wp_buf_append_c(html, "</p><pre id=\"state\">");
  wp_buf_append_html(html, state);
  wp_buf_append_c(html, "</pre><button data-message='{\"type\":\"ping\"}'>Ping</button>");
}

void wp_panel_message(wp_str panel_id, wp_str message, wp_actions *actions) {
  wp_actions_post_to_panel(actions, panel_id, message);
}
