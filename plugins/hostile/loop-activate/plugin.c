/* hostile-loop-activate: activate never returns. See ../README.md. */
#include "wasm_plugin.h"

static volatile uint64_t spin;

const char *wp_activate(void) {
  for (;;) spin++;
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (wp_str_eq(id, "ok")) wp_result_value(r, WP_LIT("{\"ok\":true}"));
  else wp_result_error(r, WP_LIT("hostile-loop-activate has no such command"));
}
