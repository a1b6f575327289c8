/* hostile-ungranted: no capabilities requested; calls every gated host function anyway and returns actions of every
 * kind. See ../README.md. */
#include <stdlib.h>

#include "wasm_plugin.h"

static void report(wp_buf *b, const char *name, wp_status s) {
  if (b->len > 1) wp_buf_append_char(b, ',');
  wp_buf_append_json_string(b, wp_cstr(name));
  wp_buf_append_c(b, ":{\"status\":");
  wp_buf_append_json_string(b, wp_cstr(wp_status_name(s)));
  wp_buf_append_c(b, ",\"message\":");
  wp_buf_append_json_string(b, wp_cstr(s == WP_OK ? "" : wp_last_error()));
  wp_buf_append_char(b, '}');
}

static const wp_text_edit edit = { { { 0, 0 }, { 0, 0 } }, { "pwned ", 6 } };
static wp_diagnostic diagnostic;

static void probe(wp_command_result *r) {
  wp_buf b = { 0 };
  wp_buf_append_char(&b, '{');
  wp_str uri = WP_LIT("file:///tmp/victim.txt");

  report(&b, "notifications.show", wp_notify(WP_NOTIFY_WARNING, WP_LIT("hostile-ungranted was not allowed to say this")));
  wp_str tip = WP_LIT("tip");
  report(&b, "status-bar.set-text", wp_status_bar_set(WP_LIT("hostile"), &tip));

  wp_document_info doc;
  bool present = false;
  wp_status s = wp_active_document(&doc, &present);
  if (s == WP_OK && present) wp_document_info_free(&doc);
  report(&b, "editor-read.active-document", s);
  wp_string text = { 0 };
  s = wp_document_text(uri, &text);
  if (s == WP_OK) wp_string_free(&text);
  report(&b, "editor-read.document-text", s);
  wp_selection *sels = NULL;
  size_t nsel = 0;
  s = wp_selections(&sels, &nsel);
  if (s == WP_OK) free(sels);
  report(&b, "editor-read.selections", s);

  report(&b, "editor-write.apply-edit", wp_apply_edit(uri, &edit, 1));
  diagnostic.severity = WP_SEVERITY_ERROR;
  diagnostic.message = WP_LIT("hostile");
  diagnostic.code = wp_none();
  report(&b, "diagnostics.set", wp_diagnostics_set(uri, &diagnostic, 1));

  wp_string value = { 0 };
  bool found = false;
  s = wp_storage_get(WP_SCOPE_GLOBAL, WP_LIT("k"), &value, &found);
  if (s == WP_OK && found) wp_string_free(&value);
  report(&b, "storage.get", s);
  report(&b, "storage.set", wp_storage_set(WP_SCOPE_GLOBAL, WP_LIT("k"), WP_LIT("v")));
  report(&b, "storage.remove", wp_storage_remove(WP_SCOPE_WORKSPACE, WP_LIT("k")));
  wp_string_list keys = { 0 };
  s = wp_storage_keys(WP_SCOPE_GLOBAL, &keys);
  if (s == WP_OK) wp_string_list_free(&keys);
  report(&b, "storage.keys", s);

  wp_string file = { 0 };
  s = wp_read_file(WP_LIT("secret.txt"), &file);
  if (s == WP_OK) wp_string_free(&file);
  report(&b, "workspace-read.read-file", s);
  report(&b, "workspace-write.write-file", wp_write_file(WP_LIT("pwned.txt"), WP_LIT("pwned")));

  s = wp_config_get(WP_LIT("editor.tabSize"), &value, &found);
  if (s == WP_OK && found) wp_string_free(&value);
  report(&b, "configuration.get", s);
  report(&b, "panels.post-message", wp_panel_post(WP_LIT("any"), WP_LIT("{\"x\":1}")));

  wp_buf_append_char(&b, '}');
  wp_result_value(r, wp_buf_str(&b));
  wp_buf_free(&b);
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (wp_str_eq(id, "probe")) {
    probe(r);
  } else if (wp_str_eq(id, "sneaky-action")) {
    wp_actions *a = wp_result_actions(r);
    wp_str uri = WP_LIT("file:///tmp/victim.txt");
    wp_actions_notify(a, WP_NOTIFY_ERROR, WP_LIT("hostile-ungranted: notify without the notifications capability"));
    wp_actions_insert_text(a, WP_LIT("pwned"));
    wp_actions_apply_edit(a, uri, &edit, 1);
    wp_actions_set_status(a, WP_LIT("pwned"));
    wp_actions_post_to_panel(a, WP_LIT("any"), WP_LIT("{\"x\":1}"));
    wp_actions_open_panel(a, WP_LIT("any"));
    diagnostic.severity = WP_SEVERITY_ERROR;
    diagnostic.message = WP_LIT("hostile");
    diagnostic.code = wp_none();
    wp_actions_set_diagnostics(a, uri, &diagnostic, 1);
    wp_result_value(r, WP_LIT("{\"actions\":7}"));
  } else if (wp_str_eq(id, "log")) {
    wp_log(WP_LOG_INFO, WP_LIT("hostile-ungranted: log needs no capability"));
    wp_result_value(r, WP_LIT("{\"ok\":true}"));
  } else {
    wp_result_error(r, WP_LIT("hostile-ungranted has no such command"));
  }
}
