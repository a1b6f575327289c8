/* hostile-stack: three ways to run out of stack. See ../README.md. */
#include "wasm_plugin.h"

volatile int32_t depth_sink;
volatile int32_t stop_at = -1;   /* never reached: the recursion has no bound the compiler can see */

/* The engine's own call stack: no address-taken locals, so nothing goes to the linear-memory stack. The volatile
 * store after the call keeps it from being a tail call (and from being turned into a loop). */
__attribute__((noinline)) static int32_t native(int32_t n) {
  if (n == stop_at) return 0;
  int32_t r = native(n + 1);
  depth_sink = r + n;
  return r + 1;
}

/* The C (shadow) stack in linear memory: 64 KiB by default, placed after the static data; it grows down into the
 * data and then below address 0 (wrapping to ~4 GiB, out of bounds). */
__attribute__((noinline)) static int32_t shadow(int32_t n) {
  volatile char frame[1024];
  frame[0] = (char)n;
  frame[1023] = (char)n;
  if (n == stop_at) return frame[0];
  int32_t r = shadow(n + 1);
  depth_sink = r + frame[1023];
  return r + 1;
}

/* One frame of `n` bytes (n read from a volatile, so the compiler cannot shrink it); every page is written through
 * volatile stores, which cannot be elided. */
volatile size_t huge_frame_bytes = (size_t)16 << 20;

__attribute__((noinline)) static int32_t huge_frame(size_t n) {
  volatile char frame[n];
  for (size_t i = 0; i < n; i += 4096) frame[i] = 0x11;
  return frame[n - 1];
}

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  if (wp_str_eq(id, "overflow")) {
    depth_sink = native(0);
    wp_result_value(r, WP_LIT("\"returned?\""));
  } else if (wp_str_eq(id, "overflow-shadow")) {
    depth_sink = shadow(0);
    wp_result_value(r, WP_LIT("\"returned?\""));
  } else if (wp_str_eq(id, "overflow-alloca")) {
    depth_sink = huge_frame(huge_frame_bytes);
    wp_result_value(r, WP_LIT("\"returned?\""));
  } else if (wp_str_eq(id, "ok")) {
    wp_result_value(r, WP_LIT("{\"ok\":true}"));
  } else {
    wp_result_error(r, WP_LIT("hostile-stack has no such command"));
  }
}
