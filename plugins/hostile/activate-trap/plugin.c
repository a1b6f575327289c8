/* hostile-activate-trap: activate traps (wasm `unreachable`) every time. See ../README.md. */
#include "wasm_plugin.h"

const char *wp_activate(void) {
  __builtin_trap();
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (wp_str_eq(id, "ok")) wp_result_value(r, WP_LIT("{\"ok\":true}"));
  else wp_result_error(r, WP_LIT("hostile-activate-trap has no such command"));
}
