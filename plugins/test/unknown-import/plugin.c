/* unknown-import: imports a host function that does not exist (`wasm-plugin-host:api/teleport` `beam`) and calls
 * it from the `beam` command. The loader must refuse it before running anything ("unknown import"). */
#include "wasm_plugin.h"

__attribute__((import_module("wasm-plugin-host:api/teleport"), import_name("beam")))
extern void teleport_beam(const char *ptr, size_t len);

void wp_run_command(wp_str id, wp_str args, wp_command_result *result) {
  if (wp_str_eq(id, "beam")) {
    teleport_beam(args.ptr, args.len);
    wp_result_value(result, WP_LIT("\"beamed\""));
  } else {
    wp_result_error(result, WP_LIT("unknown command"));
  }
}
