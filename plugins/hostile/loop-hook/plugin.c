/* hostile-loop-hook: handle-event loops forever for document-saved and document-will-save (the hook that blocks a
 * save). document-opened and document-changed return no actions and are counted. See ../README.md. */
#include "wasm_plugin.h"

static volatile uint64_t spin;
static uint64_t events;

void wp_handle_event(const wp_event *e, wp_actions *actions) {
  (void)actions;
  if (e->kind == WP_EVENT_DOCUMENT_SAVED || e->kind == WP_EVENT_DOCUMENT_WILL_SAVE) {
    for (;;) spin++;
  }
  events++;
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (!wp_str_eq(id, "ok")) {
    wp_result_error(r, WP_LIT("hostile-loop-hook has no such command"));
    return;
  }
  wp_buf b = { 0 };
  wp_buf_append_c(&b, "{\"ok\":true,\"events\":");
  wp_buf_append_u64(&b, events);
  wp_buf_append_char(&b, '}');
  wp_result_value(r, wp_buf_str(&b));
  wp_buf_free(&b);
}
