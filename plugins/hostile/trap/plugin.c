/* hostile-trap: traps of every kind. See ../README.md. */
#include <limits.h>
#include <stdlib.h>

#include "wasm_plugin.h"

volatile int32_t zero = 0;
volatile int32_t seven = 7;   /* not 1: LLVM rewrites 1 / x as a select, which never traps */
volatile int32_t minus_one = -1;
volatile int32_t int_min = INT_MIN;
volatile int32_t sink;
volatile uintptr_t bad_address = 0xFFFFFFF0u;
volatile uintptr_t bad_function = 0x7FFFFFFFu;
static uint64_t calls;

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  (void)args;
  calls++;
  if (wp_str_eq(id, "unreachable")) {
    __builtin_trap();
  } else if (wp_str_eq(id, "divide-by-zero")) {
    sink = seven / zero;
  } else if (wp_str_eq(id, "int-overflow")) {
    sink = int_min / minus_one;
  } else if (wp_str_eq(id, "out-of-bounds")) {
    sink = *(volatile int32_t *)bad_address;
  } else if (wp_str_eq(id, "bad-indirect-call")) {
    void (*f)(void) = (void (*)(void))bad_function;
    f();
  } else if (wp_str_eq(id, "abort")) {
    abort();
  } else if (wp_str_eq(id, "exit")) {
    exit(3);
  } else if (wp_str_eq(id, "ok")) {
    wp_buf b = { 0 };
    wp_buf_append_c(&b, "{\"ok\":true,\"calls\":");
    wp_buf_append_u64(&b, calls);
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
    wp_buf_free(&b);
    return;
  } else {
    wp_result_error(r, WP_LIT("hostile-trap has no such command"));
    return;
  }
  wp_result_value(r, WP_LIT("\"survived?\""));
}
