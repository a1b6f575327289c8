/* hostile-no-run-command: declares a command, exports no run-command. Built without the SDK (which always exports
 * run-command). See ../README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  if (new_size == 0) {
    if (old && old_size) free(old);
    return (void *)align;
  }
  void *p = (old && old_size) ? realloc(old, new_size) : malloc(new_size);
  if (!p) __builtin_trap();
  return p;
}

static uint32_t ret_activate[3];

__attribute__((export_name("activate"))) uint32_t *activate(void) {
  memset(ret_activate, 0, sizeof(ret_activate));
  return ret_activate;
}
__attribute__((export_name("cabi_post_activate"))) void post_activate(uint32_t *ret) { (void)ret; }
__attribute__((export_name("deactivate"))) void deactivate(void) {}
