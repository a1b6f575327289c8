/*
 * bench-echo: the benchmark plugin of `npm run bench` (bench/README.md, docs/performance.md).
 *
 * One module, two ways in, identical guest work (copy the input string into a fresh malloc'd block, free the input):
 *  - the plugin world through the C SDK: command `echo` returns the args text as its value; the hook `handle-event`
 *    answers `document-saved` with one `set-status` action carrying the document's URI (any other event: no action);
 *  - raw exports with manual pointer/length handling, the floor any ABI layer is measured against:
 *      raw_echo(ptr, len) -> pointer to {ptr, len}   the input block (allocated by the host through cabi_realloc)
 *                                                    is freed here, the output block belongs to the guest until
 *      raw_free(area)                                frees it (the raw counterpart of cabi_post_<name>).
 * It imports nothing, so the same module also becomes a component for jco without any host imports.
 */
#include "wasm_plugin.h"

#include <stdlib.h>
#include <string.h>

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  if (wp_str_eq(id, "echo")) wp_result_value(r, args);
  else wp_result_error(r, WP_LIT("unknown command"));
}

void wp_handle_event(const wp_event *event, wp_actions *actions) {
  if (event->kind == WP_EVENT_DOCUMENT_SAVED) wp_actions_set_status(actions, event->document.uri);
}

static uint32_t raw_area[2];

__attribute__((export_name("raw_echo")))
uint32_t *raw_echo(char *ptr, size_t len) {
  char *out = malloc(len ? len : 1);
  if (!out) __builtin_trap();
  memcpy(out, ptr, len);
  if (len) free(ptr);
  raw_area[0] = (uint32_t)(uintptr_t)out;
  raw_area[1] = (uint32_t)len;
  return raw_area;
}

__attribute__((export_name("raw_free")))
void raw_free(uint32_t *area) { free((void *)(uintptr_t)area[0]); }
