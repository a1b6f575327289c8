/* hostile-panel: a panel that accepts any number of messages and answers each one, plus panel floods from commands.
 * See ../README.md. */
#include "wasm_plugin.h"

static uint64_t messages;

static int64_t arg_int(wp_str args, const char *key, int64_t def) {
  int64_t v;
  if (wp_json_get_i64(args, key, &v)) return v;
  size_t i = 0;
  while (i < args.len && args.ptr[i] == ' ') i++;
  if (i < args.len && args.ptr[i] >= '0' && args.ptr[i] <= '9') {
    v = 0;
    while (i < args.len && args.ptr[i] >= '0' && args.ptr[i] <= '9') v = v * 10 + (args.ptr[i++] - '0');
    return v;
  }
  return def;
}

void wp_render_panel(wp_str panel_id, wp_str state, wp_buf *html) {
  (void)state;
  wp_buf_append_c(html, "<h1 id=\"panel\">");
  wp_buf_append_html(html, panel_id);
  wp_buf_append_c(html, "</h1><button id=\"ping\" data-message='{\"type\":\"ping\"}'>ping</button>"
                        "<button id=\"amplify\" data-message='{\"type\":\"amplify\"}'>amplify</button>");
}

/* Every message is answered with a post-to-panel of {"echo":<message>,"n":<count>}; a message whose JSON contains
 * "amplify" is answered with 1000 of them. */
void wp_panel_message(wp_str panel_id, wp_str json, wp_actions *actions) {
  messages++;
  bool amplify = false;
  for (size_t i = 0; i + 7 <= json.len && !amplify; i++) amplify = wp_str_starts_with((wp_str){ json.ptr + i, json.len - i }, "amplify");
  int replies = amplify ? 1000 : 1;
  wp_buf b = { 0 };
  for (int k = 0; k < replies; k++) {
    wp_buf_clear(&b);
    wp_buf_append_c(&b, "{\"echo\":");
    wp_buf_append(&b, json);
    wp_buf_append_c(&b, ",\"n\":");
    wp_buf_append_u64(&b, messages);
    wp_buf_append_c(&b, ",\"k\":");
    wp_buf_append_u64(&b, (uint64_t)k);
    wp_buf_append_char(&b, '}');
    wp_actions_post_to_panel(actions, panel_id, wp_buf_str(&b));
  }
  wp_buf_free(&b);
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  if (wp_str_eq(id, "flood-panel")) {
    int64_t count = arg_int(args, "count", 100000);
    int64_t ok = 0;
    wp_status first_error = WP_OK;
    wp_buf m = { 0 };
    for (int64_t i = 0; i < count; i++) {
      wp_buf_clear(&m);
      wp_buf_append_c(&m, "{\"n\":");
      wp_buf_append_i64(&m, i);
      wp_buf_append_char(&m, '}');
      wp_status s = wp_panel_post(WP_LIT("flood"), wp_buf_str(&m));
      if (s == WP_OK) ok++;
      else if (first_error == WP_OK) first_error = s;
    }
    wp_buf_free(&m);
    wp_buf b = { 0 };
    wp_buf_append_c(&b, "{\"calls\":");
    wp_buf_append_i64(&b, count);
    wp_buf_append_c(&b, ",\"ok\":");
    wp_buf_append_i64(&b, ok);
    wp_buf_append_c(&b, ",\"firstError\":");
    if (first_error == WP_OK) wp_buf_append_c(&b, "null");
    else wp_buf_append_json_string(&b, wp_cstr(wp_status_name(first_error)));
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
    wp_buf_free(&b);
  } else if (wp_str_eq(id, "open-many")) {
    wp_actions *a = wp_result_actions(r);
    for (int i = 0; i < 1000; i++) wp_actions_open_panel(a, WP_LIT("flood"));
    wp_actions_open_panel(a, WP_LIT("undeclared"));
  } else if (wp_str_eq(id, "ok")) {
    wp_buf b = { 0 };
    wp_buf_append_c(&b, "{\"ok\":true,\"messages\":");
    wp_buf_append_u64(&b, messages);
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
    wp_buf_free(&b);
  } else {
    wp_result_error(r, WP_LIT("hostile-panel has no such command"));
  }
}
