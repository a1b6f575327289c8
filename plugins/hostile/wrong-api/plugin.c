/* hostile-wrong-api: works, but its manifest claims plugin API 0.0.1. Embedded --unchecked (build.json).
 * See ../README.md. */
#include "wasm_plugin.h"

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (wp_str_eq(id, "hello")) wp_result_value(r, WP_LIT("\"hello from the past\""));
  else wp_result_error(r, WP_LIT("hostile-wrong-api has no such command"));
}

void wp_handle_event(const wp_event *e, wp_actions *a) {
  (void)e;
  wp_actions_notify(a, WP_NOTIFY_INFO, WP_LIT("hostile-wrong-api saw a save"));
}
