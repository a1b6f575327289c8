/*
 * bench-echo-extism: the same echo for the peer benchmark (P6 of `npm run bench`), written by hand against the
 * Extism kernel ABI (imports from "extism:host/env") because no Extism PDK can be installed offline. It does what
 * Extism's own C PDK does (extism-pdk.h: extism_load_input / extism_output_buf_write): read the input 8 bytes per
 * host call, allocate an output block in the host's memory, write it 8 bytes per call, set it as the output.
 * Not a plugin of this host: embedded with `--unchecked` only so that build.mjs can build it with the others.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXTISM_IMPORT(name) __attribute__((import_module("extism:host/env"), import_name(name)))

EXTISM_IMPORT("input_length") uint64_t extism_input_length(void);
EXTISM_IMPORT("input_load_u8") uint32_t extism_input_load_u8(uint64_t offset);
EXTISM_IMPORT("input_load_u64") uint64_t extism_input_load_u64(uint64_t offset);
EXTISM_IMPORT("alloc") uint64_t extism_alloc(uint64_t length);
EXTISM_IMPORT("store_u8") void extism_store_u8(uint64_t addr, uint32_t value);
EXTISM_IMPORT("store_u64") void extism_store_u64(uint64_t addr, uint64_t value);
EXTISM_IMPORT("output_set") void extism_output_set(uint64_t addr, uint64_t length);

__attribute__((export_name("echo")))
int32_t echo(void) {
  uint64_t n = extism_input_length();
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf) __builtin_trap();
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v = extism_input_load_u64(i);
    memcpy(buf + i, &v, 8);
  }
  for (; i < n; i++) buf[i] = (uint8_t)extism_input_load_u8(i);
  uint64_t out = extism_alloc(n);
  for (i = 0; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, buf + i, 8);
    extism_store_u64(out + i, v);
  }
  for (; i < n; i++) extism_store_u8(out + i, buf[i]);
  extism_output_set(out, n);
  free(buf);
  return 0;
}
