/* big-manifest: a working plugin whose manifest is about 100 KB (a huge description), over the host's 64 KiB limit.
 * The host must refuse it with "manifest-too-large" without parsing it. The manifest comes from manifest.mjs;
 * embedded with --unchecked (build.json). */
#include "wasm_plugin.h"

void wp_run_command(wp_str id, wp_str args, wp_command_result *result) {
  (void)args;
  if (wp_str_eq(id, "hello")) wp_result_value(result, WP_LIT("\"hello\""));
  else wp_result_error(result, WP_LIT("unknown command"));
}
