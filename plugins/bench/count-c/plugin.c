/*
 * bench-count: the plugin of P4 (event fan-out) in `npm run bench` (docs/performance.md).
 *
 * The hook does nothing but count: every `document-changed` event adds its changes and one batch. It imports nothing
 * and returns no actions, so what the benchmark measures is the host's delivery (router lane, worker round trip,
 * lifting the batch), not the plugin's work. The commands report and reset the counts; the host checks that the
 * changes counted equal the changes sent (none lost).
 */
#include "wasm_plugin.h"

static uint64_t changes;
static uint64_t batches;

/* Appends the decimal digits of v at p; returns the end. (No stdio: it would import WASI for nothing.) */
static char *put_u64(char *p, uint64_t v) {
  char digits[20];
  int n = 0;
  do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) *p++ = digits[--n];
  return p;
}

static char *put_lit(char *p, const char *s) {
  while (*s) *p++ = *s++;
  return p;
}

void wp_handle_event(const wp_event *event, wp_actions *actions) {
  (void)actions;
  if (event->kind != WP_EVENT_DOCUMENT_CHANGED) return;
  changes += event->change_count;
  batches += 1;
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (wp_str_eq(id, "count")) {
    char json[80];
    char *p = put_lit(json, "{\"changes\":");
    p = put_u64(p, changes);
    p = put_lit(p, ",\"batches\":");
    p = put_u64(p, batches);
    p = put_lit(p, "}");
    wp_result_value(r, (wp_str){ json, (size_t)(p - json) });
  } else if (wp_str_eq(id, "reset")) {
    changes = 0;
    batches = 0;
    wp_result_value(r, WP_LIT("null"));
  } else wp_result_error(r, WP_LIT("unknown command"));
}
