/* hostile-log-flood: floods the host with log.write and notifications.show calls. See ../README.md. */
#include <string.h>
#include <time.h>

#include "wasm_plugin.h"

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

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  if (wp_str_eq(id, "flood")) {
    int64_t count = arg_int(args, "count", 1000000);
    int64_t pad = arg_int(args, "bytes", 0);
    uint64_t start = now_ms();
    wp_buf m = { 0 };
    for (int64_t i = 0; i < count; i++) {
      wp_buf_clear(&m);
      wp_buf_append_c(&m, "flood ");
      wp_buf_append_i64(&m, i);
      for (int64_t k = (int64_t)m.len; k < pad; k++) wp_buf_append_char(&m, '.');
      wp_log(WP_LOG_INFO, wp_buf_str(&m));
    }
    wp_buf_free(&m);
    wp_buf b = { 0 };
    wp_buf_append_c(&b, "{\"calls\":");
    wp_buf_append_i64(&b, count);
    wp_buf_append_c(&b, ",\"ms\":");
    wp_buf_append_u64(&b, now_ms() - start);
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
    wp_buf_free(&b);
  } else if (wp_str_eq(id, "flood-notify")) {
    int64_t count = arg_int(args, "count", 10000);
    uint64_t start = now_ms();
    int64_t ok = 0;
    wp_status first_error = WP_OK;
    wp_buf m = { 0 };
    for (int64_t i = 0; i < count; i++) {
      wp_buf_clear(&m);
      wp_buf_append_c(&m, "notify ");
      wp_buf_append_i64(&m, i);
      wp_status s = wp_notify(WP_NOTIFY_INFO, wp_buf_str(&m));
      if (s == WP_OK) ok++;
      else if (first_error == WP_OK) first_error = s;
    }
    wp_buf_free(&m);
    wp_buf b = { 0 };
    wp_buf_append_c(&b, "{\"calls\":");
    wp_buf_append_i64(&b, count);
    wp_buf_append_c(&b, ",\"ok\":");
    wp_buf_append_i64(&b, ok);
    wp_buf_append_c(&b, ",\"firstError\":");
    if (first_error == WP_OK) wp_buf_append_c(&b, "null");
    else wp_buf_append_json_string(&b, wp_cstr(wp_status_name(first_error)));
    wp_buf_append_c(&b, ",\"ms\":");
    wp_buf_append_u64(&b, now_ms() - start);
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
    wp_buf_free(&b);
  } else if (wp_str_eq(id, "ok")) {
    wp_result_value(r, WP_LIT("{\"ok\":true}"));
  } else {
    wp_result_error(r, WP_LIT("hostile-log-flood has no such command"));
  }
}
