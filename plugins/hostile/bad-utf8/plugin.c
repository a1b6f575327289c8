/* hostile-bad-utf8: strings that are not valid UTF-8, in every direction. See ../README.md. */
#include "wasm_plugin.h"

/* Each bad sequence is between ASCII markers so a test can see what became of it:
 *   FF FE        bytes that never occur in UTF-8
 *   80           a lone continuation byte
 *   C0 AF        overlong encoding of '/'
 *   ED A0 80     an encoded UTF-16 surrogate (U+D800)
 *   F4 90 80 80  beyond U+10FFFF
 *   F0 9F 98     a 4-byte sequence cut short (last thing before the closing text) */
#define BAD_BYTES "A\xFF\xFE" "B\x80" "C\xC0\xAF" "D\xED\xA0\x80" "E\xF4\x90\x80\x80" "F\xF0\x9F\x98" "G"

static const char bad_json[] = "\"" BAD_BYTES "\"";
static const char bad_text[] = BAD_BYTES;
static const char bad_html[] = "<p id=\"bad\">" BAD_BYTES "</p>";
static const char bad_message[] = "{\"bad\":\"" BAD_BYTES "\"}";

#define S(x) ((wp_str){ (x), sizeof(x) - 1 })

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (wp_str_eq(id, "bad-utf8")) {
    wp_result_value(r, S(bad_json));
  } else if (wp_str_eq(id, "bad-utf8-error")) {
    wp_result_error(r, S(bad_text));
  } else if (wp_str_eq(id, "bad-utf8-actions")) {
    wp_actions *a = wp_result_actions(r);
    wp_actions_notify(a, WP_NOTIFY_INFO, S(bad_text));
    wp_actions_set_status(a, S(bad_text));
    wp_actions_post_to_panel(a, WP_LIT("bad"), S(bad_message));
  } else if (wp_str_eq(id, "bad-utf8-log")) {
    wp_log(WP_LOG_INFO, S(bad_text));
    wp_result_value(r, WP_LIT("{\"logged\":true}"));
  } else if (wp_str_eq(id, "bad-utf8-notify")) {
    wp_status s = wp_notify(WP_NOTIFY_INFO, S(bad_text));
    wp_buf b = { 0 };
    wp_buf_append_c(&b, "{\"status\":");
    wp_buf_append_json_string(&b, wp_cstr(wp_status_name(s)));
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
    wp_buf_free(&b);
  } else if (wp_str_eq(id, "ok")) {
    wp_result_value(r, WP_LIT("{\"ok\":true}"));
  } else {
    wp_result_error(r, WP_LIT("hostile-bad-utf8 has no such command"));
  }
}

void wp_render_panel(wp_str panel_id, wp_str state, wp_buf *html) {
  (void)panel_id; (void)state;
  wp_buf_append(html, S(bad_html));
}

void wp_panel_message(wp_str panel_id, wp_str json, wp_actions *actions) {
  (void)json;
  wp_actions_post_to_panel(actions, panel_id, S(bad_message));
}
