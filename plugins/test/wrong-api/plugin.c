/* wrong-api: a working plugin whose manifest says apiVersion 9.0.0. The host must refuse it with an
 * "api-version" error naming the versions it supports. Embedded with --unchecked (build.json). */
#include "wasm_plugin.h"

void wp_run_command(wp_str id, wp_str args, wp_command_result *result) {
  (void)args;
  if (wp_str_eq(id, "hello")) wp_result_value(result, WP_LIT("\"hello from the future\""));
  else wp_result_error(result, WP_LIT("unknown command"));
}
