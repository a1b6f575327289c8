/* hostile-no-realloc: the world's exports without `cabi_realloc`, so the host has no way to pass strings in.
 * Built without the SDK (which exports cabi_realloc). See ../README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* The allocator exists, under another name: only the export the ABI looks for is missing. */
EXPORT("my_realloc")
void *my_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  void *p = realloc(old, new_size);
  if (!p) __builtin_trap();
  return p;
}

static uint32_t ret_activate[3];
EXPORT("activate") uint32_t *activate(void) {
  memset(ret_activate, 0, sizeof(ret_activate));
  return ret_activate;
}
EXPORT("cabi_post_activate") void post_activate(uint32_t *ret) { (void)ret; }
EXPORT("deactivate") void deactivate(void) {}

static uint32_t ret_run[6];
static const char hello[] = "\"hello\"";

EXPORT("run-command")
uint32_t *run_command(char *id, size_t id_len, char *args, size_t args_len) {
  if (id_len) free(id);
  if (args_len) free(args);
  memset(ret_run, 0, sizeof(ret_run));
  ((uint8_t *)ret_run)[4] = 1;
  ret_run[2] = (uint32_t)(uintptr_t)hello;
  ret_run[3] = sizeof(hello) - 1;
  ret_run[4] = 4;
  return ret_run;
}
EXPORT("cabi_post_run-command") void post_run_command(uint32_t *ret) { (void)ret; }
