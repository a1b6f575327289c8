/* hostile-events: every editor event is answered with actions the host has to validate before doing anything.
 * The table in ../README.md lists what each event returns. */
#include <stdlib.h>
#include <string.h>

#include "wasm_plugin.h"

static uint64_t events;

static wp_str doc_uri(const wp_event *e) { return e->has_document ? e->document.uri : WP_LIT("file:///tmp/none.txt"); }

static wp_text_edit make_edit(uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2, wp_str text) {
  wp_text_edit t = { { { l1, c1 }, { l2, c2 } }, text };
  return t;
}

static void fill(wp_buf *b, const char *unit, size_t bytes) {
  while (b->len < bytes) wp_buf_append_c(b, unit);
}

void wp_handle_event(const wp_event *e, wp_actions *a) {
  events++;
  switch (e->kind) {
    case WP_EVENT_DOCUMENT_CHANGED: {
      /* 10,000 apply-edit actions, each inserting "x" at 0:0 of the changed document */
      wp_text_edit t = make_edit(0, 0, 0, 0, WP_LIT("x"));
      for (int i = 0; i < 10000; i++) wp_actions_apply_edit(a, doc_uri(e), &t, 1);
      break;
    }
    case WP_EVENT_DOCUMENT_SAVED: {
      /* one edit at line 4,000,000,000 (start) .. 4294967295 (end) */
      wp_text_edit t = make_edit(4000000000u, 4000000000u, 4294967295u, 4294967295u, WP_LIT("absurd"));
      wp_actions_apply_edit(a, doc_uri(e), &t, 1);
      break;
    }
    case WP_EVENT_DOCUMENT_WILL_SAVE: {
      /* edits to another file, to a non-URI, and a reversed range (end before start) in the saved document */
      wp_text_edit t = make_edit(0, 0, 0, 0, WP_LIT("root::0:0::/root:/bin/sh\n"));
      wp_actions_apply_edit(a, WP_LIT("file:///etc/passwd"), &t, 1);
      wp_actions_apply_edit(a, WP_LIT("not a uri at all"), &t, 1);
      wp_text_edit reversed = make_edit(5, 3, 0, 0, WP_LIT("reversed"));
      wp_actions_apply_edit(a, doc_uri(e), &reversed, 1);
      break;
    }
    case WP_EVENT_DOCUMENT_OPENED: {
      /* 100,000 diagnostics on the opened document, and one on a file that is not open */
      size_t n = 100000;
      wp_diagnostic *d = calloc(n, sizeof(wp_diagnostic));
      if (!d) __builtin_trap();
      for (size_t i = 0; i < n; i++) {
        d[i].range = (wp_range){ { (uint32_t)i, 0 }, { (uint32_t)i, 1 } };
        d[i].severity = WP_SEVERITY_ERROR;
        d[i].message = WP_LIT("hostile-events diagnostic");
        d[i].code = wp_some(WP_LIT("HOSTILE"));
      }
      wp_actions_set_diagnostics(a, doc_uri(e), d, n);
      free(d);
      wp_diagnostic one = { { { 0, 0 }, { 0, 1 } }, WP_SEVERITY_ERROR, WP_LIT("not open"), wp_none() };
      wp_actions_set_diagnostics(a, WP_LIT("file:///etc/hosts"), &one, 1);
      break;
    }
    case WP_EVENT_DOCUMENT_CLOSED: {
      /* insert 1 MB of text into whatever editor is active after the close */
      wp_buf b = { 0 };
      fill(&b, "closed ", 1 << 20);
      wp_actions_insert_text(a, wp_buf_str(&b));
      wp_buf_free(&b);
      break;
    }
    case WP_EVENT_ACTIVE_EDITOR_CHANGED:
      /* panels the manifest does not declare */
      wp_actions_open_panel(a, WP_LIT("undeclared"));
      wp_actions_post_to_panel(a, WP_LIT("undeclared"), WP_LIT("{\"x\":1}"));
      break;
    case WP_EVENT_SELECTION_CHANGED: {
      /* a 100 KB status text and a notification with new lines and bidi overrides (U+202E) */
      wp_buf b = { 0 };
      fill(&b, "\xE2\x80\xAE" "status ", 100 * 1024);
      wp_actions_set_status(a, wp_buf_str(&b));
      wp_buf_free(&b);
      wp_actions_notify(a, WP_NOTIFY_ERROR, WP_LIT("line one\nline two\r\n\xE2\x80\xAE" "txt.exe"));
      break;
    }
    case WP_EVENT_CONFIGURATION_CHANGED:
      /* 1,000 notifications */
      for (int i = 0; i < 1000; i++) wp_actions_notify(a, WP_NOTIFY_WARNING, WP_LIT("hostile-events: configuration changed"));
      break;
  }
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (!wp_str_eq(id, "ok")) {
    wp_result_error(r, WP_LIT("hostile-events has no such command"));
    return;
  }
  wp_buf b = { 0 };
  wp_buf_append_c(&b, "{\"ok\":true,\"events\":");
  wp_buf_append_u64(&b, events);
  wp_buf_append_char(&b, '}');
  wp_result_value(r, wp_buf_str(&b));
  wp_buf_free(&b);
}
