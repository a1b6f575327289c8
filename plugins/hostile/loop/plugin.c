/* hostile-loop: endless loops in run-command, render-panel, panel-message and (armed) deactivate. See ../README.md. */
#include "wasm_plugin.h"

static volatile uint64_t spin;
static uint64_t calls;
static bool deactivate_armed;

static void forever(void) {
  for (;;) spin++;
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  calls++;
  if (wp_str_eq(id, "spin")) {
    forever();
  } else if (wp_str_eq(id, "spin-host")) {
    for (;;) {
      spin++;
      wp_log(WP_LOG_TRACE, WP_LIT("hostile-loop spin-host"));
    }
  } else if (wp_str_eq(id, "arm-deactivate")) {
    deactivate_armed = true;
    wp_result_value(r, WP_LIT("{\"armed\":true}"));
  } else if (wp_str_eq(id, "ok")) {
    wp_buf b = { 0 };
    wp_buf_append_c(&b, "{\"ok\":true,\"calls\":");
    wp_buf_append_u64(&b, calls);
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
    wp_buf_free(&b);
  } else {
    wp_result_error(r, WP_LIT("hostile-loop has no such command"));
  }
}

void wp_deactivate(void) {
  if (deactivate_armed) forever();
}

void wp_render_panel(wp_str panel_id, wp_str state, wp_buf *html) {
  (void)panel_id; (void)state; (void)html;
  forever();
}

void wp_panel_message(wp_str panel_id, wp_str json, wp_actions *actions) {
  (void)panel_id; (void)json; (void)actions;
  forever();
}
