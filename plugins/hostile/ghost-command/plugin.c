/* hostile-ghost-command: the manifest declares `ghost`, the code does not know it. See ../README.md. */
#include "wasm_plugin.h"

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (wp_str_eq(id, "real")) {
    wp_result_value(r, WP_LIT("\"real\""));
    return;
  }
  wp_buf b = { 0 };
  wp_buf_append_c(&b, "hostile-ghost-command has no command ");
  wp_buf_append(&b, id);
  wp_result_error(r, wp_buf_str(&b));
  wp_buf_free(&b);
}
