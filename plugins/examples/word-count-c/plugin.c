/* word-count: counts the words and lines of the active document, counts saves (kept in storage, shown in the
 * status bar), and shows both in a panel. Built with the C SDK (plugins/sdk/c). */
#include <stdint.h>
#include <string.h>

#include "wasm_plugin.h"

static const wp_str SAVES_KEY = { "saves", 5 };

static uint64_t saves;          /* documents saved so far (mirrors storage key "saves", workspace scope) */
static uint64_t last_words, last_lines;
static wp_string last_file;     /* file name of the last count, for the panel */

/* ---- counting ----------------------------------------------------------------------------------------------- */

static bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* Words are maximal runs of characters other than ASCII whitespace. */
static uint64_t count_words(wp_str text) {
  uint64_t words = 0;
  bool in_word = false;
  for (size_t i = 0; i < text.len; i++) {
    bool space = is_space((unsigned char)text.ptr[i]);
    if (!space && !in_word) words++;
    in_word = !space;
  }
  return words;
}

static int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The last path segment of a URI, percent-decoded ("file:///a/h%C3%A9llo.txt" → "héllo.txt"). */
static void file_name(wp_str uri, wp_buf *out) {
  size_t end = uri.len;
  for (size_t i = 0; i < uri.len; i++)
    if (uri.ptr[i] == '?' || uri.ptr[i] == '#') { end = i; break; }
  size_t start = 0;
  for (size_t i = 0; i < end; i++)
    if (uri.ptr[i] == '/' || uri.ptr[i] == ':') start = i + 1;
  for (size_t i = start; i < end; i++) {
    if (uri.ptr[i] == '%' && i + 2 < end && hex(uri.ptr[i + 1]) >= 0 && hex(uri.ptr[i + 2]) >= 0) {
      wp_buf_append_char(out, (char)(hex(uri.ptr[i + 1]) * 16 + hex(uri.ptr[i + 2])));
      i += 2;
    } else {
      wp_buf_append_char(out, uri.ptr[i]);
    }
  }
}

/* Counts the active document; returns false (with a reason in `why`) when there is none or it cannot be read. */
static bool count_active(const char **why) {
  wp_document_info doc;
  bool present;
  wp_status s = wp_active_document(&doc, &present);
  if (s != WP_OK) { *why = wp_last_error(); return false; }
  if (!present) { *why = "No active editor."; return false; }
  wp_string text;
  s = wp_document_text(doc.uri, &text);
  if (s != WP_OK) {
    wp_document_info_free(&doc);
    *why = wp_last_error();
    return false;
  }
  last_words = count_words(wp_view(text));
  last_lines = doc.line_count;
  wp_buf name = { 0 };
  file_name(doc.uri, &name);
  wp_string_free(&last_file);
  last_file = wp_string_copy(wp_buf_str(&name));
  wp_buf_free(&name);
  wp_string_free(&text);
  wp_document_info_free(&doc);
  return true;
}

/* {"words":W,"lines":L,"file":"…","saves":S} without the braces' type field */
static void stats_fields(wp_buf *b) {
  wp_buf_append_c(b, "\"words\":");
  wp_buf_append_u64(b, last_words);
  wp_buf_append_c(b, ",\"lines\":");
  wp_buf_append_u64(b, last_lines);
  wp_buf_append_c(b, ",\"file\":");
  wp_buf_append_json_string(b, wp_view(last_file));
  wp_buf_append_c(b, ",\"saves\":");
  wp_buf_append_u64(b, saves);
}

/* ---- exports ------------------------------------------------------------------------------------------------ */

const char *wp_activate(void) {
  wp_string stored;
  bool found;
  if (wp_storage_get(WP_SCOPE_WORKSPACE, SAVES_KEY, &stored, &found) == WP_OK && found) {
    uint64_t n = 0;
    for (size_t i = 0; i < stored.len && stored.ptr[i] >= '0' && stored.ptr[i] <= '9'; i++) n = n * 10 + (uint64_t)(stored.ptr[i] - '0');
    saves = n;
    wp_string_free(&stored);
  }
  return NULL;
}

void wp_deactivate(void) { wp_string_free(&last_file); }

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  wp_buf b = { 0 };
  if (wp_str_eq(id, "count-words")) {
    const char *why;
    if (!count_active(&why)) {
      wp_actions_notify(wp_result_actions(r), WP_NOTIFY_WARNING, wp_cstr(why));
      return;
    }
    wp_buf_append_u64(&b, last_words);
    wp_buf_append_c(&b, " words, ");
    wp_buf_append_u64(&b, last_lines);
    wp_buf_append_c(&b, " lines in ");
    wp_buf_append(&b, wp_view(last_file));
    wp_actions_notify(wp_result_actions(r), WP_NOTIFY_INFO, wp_buf_str(&b));
    wp_buf_clear(&b);
    wp_buf_append_char(&b, '{');
    stats_fields(&b);
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
  } else if (wp_str_eq(id, "save-count")) {
    wp_buf_append_c(&b, "{\"saves\":");
    wp_buf_append_u64(&b, saves);
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
  } else if (wp_str_eq(id, "show-stats")) {
    wp_actions_open_panel(wp_result_actions(r), WP_LIT("stats"));
  } else {
    wp_buf_append_c(&b, "word-count has no command ");
    wp_buf_append(&b, id);
    wp_result_error(r, wp_buf_str(&b));
  }
  wp_buf_free(&b);
}

void wp_handle_event(const wp_event *event, wp_actions *actions) {
  (void)actions;
  if (event->kind != WP_EVENT_DOCUMENT_SAVED) return;
  saves++;
  wp_buf b = { 0 };
  wp_buf_append_u64(&b, saves);
  if (wp_storage_set(WP_SCOPE_WORKSPACE, SAVES_KEY, wp_buf_str(&b)) != WP_OK) {
    wp_buf msg = { 0 };
    wp_buf_append_c(&msg, "cannot store the save count: ");
    wp_buf_append_c(&msg, wp_last_error());
    wp_log(WP_LOG_WARNING, wp_buf_str(&msg));
    wp_buf_free(&msg);
  }
  wp_buf_clear(&b);
  wp_buf_append_c(&b, "Saved ");
  wp_buf_append_u64(&b, saves);
  wp_buf_append_c(&b, " times");   /* always "times": a fixed format tests can match */
  wp_str tooltip = WP_LIT("Documents saved in this workspace (word-count)");
  if (wp_status_bar_set(wp_buf_str(&b), &tooltip) != WP_OK) wp_log(WP_LOG_WARNING, wp_cstr(wp_last_error()));
  wp_buf_free(&b);
}

void wp_render_panel(wp_str panel_id, wp_str state, wp_buf *html) {
  (void)panel_id;
  (void)state;
  const char *why;
  count_active(&why);   /* best effort: keeps the last numbers when there is no editor */
  wp_buf_append_c(html, "<h2>Word count</h2><table>");
  wp_buf_append_c(html, "<tr><th>File</th><td id=\"file\">");
  wp_buf_append_html(html, wp_view(last_file));
  wp_buf_append_c(html, "</td></tr><tr><th>Words</th><td id=\"words\">");
  wp_buf_append_u64(html, last_words);
  wp_buf_append_c(html, "</td></tr><tr><th>Lines</th><td id=\"lines\">");
  wp_buf_append_u64(html, last_lines);
  wp_buf_append_c(html, "</td></tr><tr><th>Saves</th><td id=\"saves\">");
  wp_buf_append_u64(html, saves);
  wp_buf_append_c(html, "</td></tr></table><button data-message='{\"type\":\"refresh\"}'>Refresh</button>");
}

/* {"type":"refresh"} → posts {"type":"stats","words":W,"lines":L,"file":"…","saves":S} back to the panel. */
void wp_panel_message(wp_str panel_id, wp_str message, wp_actions *actions) {
  wp_buf type = { 0 }, reply = { 0 };
  wp_json_get_string(message, "type", &type);
  if (wp_str_eq(wp_buf_str(&type), "refresh")) {
    const char *why;
    count_active(&why);
    wp_buf_append_c(&reply, "{\"type\":\"stats\",");
    stats_fields(&reply);
    wp_buf_append_char(&reply, '}');
  } else {
    wp_buf_append_c(&reply, "{\"type\":\"error\",\"message\":\"unknown message type\"}");
  }
  wp_actions_post_to_panel(actions, panel_id, wp_buf_str(&reply));
  wp_buf_free(&type);
  wp_buf_free(&reply);
}
