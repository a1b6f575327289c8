/* hostile-memory: grows linear memory until the host's cap (the loader rewrites the memory maximum) refuses.
 * See ../README.md. */
#include <stdlib.h>
#include <string.h>

#include "wasm_plugin.h"

#define MB (1u << 20)

static size_t memory_bytes(void) { return __builtin_wasm_memory_size(0) * 65536u; }

/* An integer argument: a bare JSON number, or the member `key` of an object; `def` otherwise. */
static int64_t arg_int(wp_str args, const char *key, int64_t def) {
  int64_t v;
  if (wp_json_get_i64(args, key, &v)) return v;
  size_t i = 0;
  while (i < args.len && (args.ptr[i] == ' ' || args.ptr[i] == '\n')) i++;
  if (i < args.len && args.ptr[i] >= '0' && args.ptr[i] <= '9') {
    v = 0;
    while (i < args.len && args.ptr[i] >= '0' && args.ptr[i] <= '9') v = v * 10 + (args.ptr[i++] - '0');
    return v;
  }
  return def;
}

/* 1 MiB blocks chained through their first word; every page is written so the memory is really committed. */
static void *chain;
static uint64_t chained_mb;

static bool grab_one(void) {
  void **block = malloc(MB);
  if (!block) return false;
  memset(block, 0xA5, MB);
  *block = chain;
  chain = block;
  chained_mb++;
  return true;
}

static void release_all(void) {
  while (chain) {
    void *next = *(void **)chain;
    free(chain);
    chain = next;
  }
  chained_mb = 0;
}

static volatile uintptr_t sink;

static void value_json2(wp_command_result *r, const char *k1, uint64_t v1, const char *k2, uint64_t v2) {
  wp_buf b = { 0 };
  wp_buf_append_c(&b, "{\"");
  wp_buf_append_c(&b, k1);
  wp_buf_append_c(&b, "\":");
  wp_buf_append_u64(&b, v1);
  wp_buf_append_c(&b, ",\"");
  wp_buf_append_c(&b, k2);
  wp_buf_append_c(&b, "\":");
  wp_buf_append_u64(&b, v2);
  wp_buf_append_char(&b, '}');
  wp_result_value(r, wp_buf_str(&b));
  wp_buf_free(&b);
}

static void *held;
static uint64_t held_mb;

void wp_run_command(wp_str id, wp_str args, wp_command_result *r) {
  if (wp_str_eq(id, "bomb-trap")) {
    while (grab_one()) {}
    __builtin_trap();
  } else if (wp_str_eq(id, "bomb-report")) {
    while (grab_one()) {}
    uint64_t mb = chained_mb;
    release_all();
    value_json2(r, "mb", mb, "memoryBytes", memory_bytes());
  } else if (wp_str_eq(id, "bomb-keep")) {
    while (grab_one()) {}
    /* Refused: try again forever, with smaller and smaller blocks, keeping whatever we get. */
    for (size_t size = MB;; size = size > 1 ? size / 2 : 1) {
      void *p = malloc(size);
      if (p) { memset(p, 1, size); sink = (uintptr_t)p; }
    }
  } else if (wp_str_eq(id, "grow-raw")) {
    /* One huge request first (4 GiB - 64 KiB: must fail under any cap), then page by page until refused. */
    int big = __builtin_wasm_memory_grow(0, 65535);
    uint64_t grown = 0;
    while (__builtin_wasm_memory_grow(0, 1) != (size_t)-1) grown++;
    wp_buf b = { 0 };
    wp_buf_append_c(&b, "{\"grown\":");
    wp_buf_append_u64(&b, grown);
    wp_buf_append_c(&b, ",\"pages\":");
    wp_buf_append_u64(&b, __builtin_wasm_memory_size(0));
    wp_buf_append_c(&b, ",\"bytes\":");
    wp_buf_append_u64(&b, memory_bytes());
    wp_buf_append_c(&b, ",\"bigGrow\":");
    wp_buf_append_i64(&b, big);
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
    wp_buf_free(&b);
  } else if (wp_str_eq(id, "hold")) {
    int64_t mb = arg_int(args, "mb", 64);
    if (mb < 0) mb = 0;
    void *p = malloc((size_t)mb * MB);
    if (!p && mb) {
      wp_result_error(r, WP_LIT("hostile-memory: malloc refused"));
      return;
    }
    memset(p, 0x5A, (size_t)mb * MB);
    free(held);
    held = p;
    held_mb = (uint64_t)mb;
    value_json2(r, "held", held_mb, "memoryBytes", memory_bytes());
  } else if (wp_str_eq(id, "ok")) {
    wp_buf b = { 0 };
    wp_buf_append_c(&b, "{\"ok\":true,\"memoryBytes\":");
    wp_buf_append_u64(&b, memory_bytes());
    wp_buf_append_char(&b, '}');
    wp_result_value(r, wp_buf_str(&b));
    wp_buf_free(&b);
  } else {
    wp_result_error(r, WP_LIT("hostile-memory has no such command"));
  }
}
