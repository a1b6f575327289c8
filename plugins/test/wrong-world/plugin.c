/* wrong-world: implements a different world — the reference minimal plugin's `run: func(name: string) -> string`
 * (memory, cabi_realloc, run, cabi_post_run) — with a valid manifest declaring a command. The loader must refuse it
 * with a "missing export" error. Built without the SDK; unlike the reference plugin it imports nothing, so the only
 * problem is the world. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  void *p = realloc(old, new_size);
  if (!p) __builtin_trap();
  return p;
}

static uint32_t ret_area[2];

__attribute__((export_name("run")))
uint32_t *run(char *name, size_t len) {
  static const char pre[] = "Hello, ";
  size_t n = sizeof(pre) - 1 + len + 1;
  char *out = malloc(n);
  if (!out) __builtin_trap();
  memcpy(out, pre, sizeof(pre) - 1);
  memcpy(out + sizeof(pre) - 1, name, len);
  out[n - 1] = '!';
  if (len) free(name);
  ret_area[0] = (uint32_t)(uintptr_t)out;
  ret_area[1] = n;
  return ret_area;
}

__attribute__((export_name("cabi_post_run")))
void cabi_post_run(uint32_t *ret) { free((void *)(uintptr_t)ret[0]); }
