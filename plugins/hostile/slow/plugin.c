/* hostile-slow: a command that takes as long as it is told (busy-wait on the WASI monotonic clock).
 * `instance` is the monotonic time (ns) at which this instance activated: it changes when the host starts a fresh
 * instance. `version` is VERSION below (compile with -DVERSION=2 to make a visibly different build for
 * "file replaced during a call" tests). See ../README.md. */
#include <time.h>

#include "wasm_plugin.h"

#ifndef VERSION
#define VERSION 1
#endif

static uint64_t instance, calls;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *wp_activate(void) {
  instance = now_ns();
  return NULL;
}

static int64_t arg_int(wp_str args, const char *key, int64_t def) {
  int64_t v;
  if (wp_json_get_i64(args, key, &v)) return v;
  size_t i = 0;
  while (i < args.len && args.ptr[i] == ' ') i++;
  if (i < args.len && args.ptr[i] >= '0' && args.ptr[i] <= '9') {
    v = 0;
    while (i < args.len && args.ptr[i] >= '0' && args.ptr[i] <= '9') v = v * 10 + (args.ptr[i++] - '0');
    return v;
  }
  return def;
}

static void reply(wp_command_result *r, const char *first, int64_t ms) {
  wp_buf b = { 0 };
  wp_buf_append_c(&b, first);
  if (ms >= 0) wp_buf_append_i64(&b, ms);
  wp_buf_append_c(&b, ",\"instance\":");
  wp_buf_append_u64(&b, instance);
  wp_buf_append_c(&b, ",\"calls\":");
  wp_buf_append_u64(&b, calls);
  wp_buf_append_c(&b, ",\"version\":");
  wp_buf_append_u64(&b, VERSION);
  wp_buf_append_char(&b, '}');
  wp_result_value(r, wp_buf_str(&b));
  wp_buf_free(&b);
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  calls++;
  if (wp_str_eq(id, "slow")) {
    int64_t ms = arg_int(args, "ms", 1000);
    uint64_t until = now_ns() + (uint64_t)(ms < 0 ? 0 : ms) * 1000000u;
    while (now_ns() < until) {}
    reply(r, "{\"ms\":", ms);
  } else if (wp_str_eq(id, "ok")) {
    reply(r, "{\"ok\":true", -1);
  } else {
    wp_result_error(r, WP_LIT("hostile-slow has no such command"));
  }
}
