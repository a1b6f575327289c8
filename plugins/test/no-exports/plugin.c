/* no-exports: a valid module with a valid manifest that exports only `memory` and `cabi_realloc` — none of the
 * world's functions. The loader must refuse it with a "missing export" error. (Deliberately built without the SDK.) */
#include <stdlib.h>

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  void *p = realloc(old, new_size);
  if (!p) __builtin_trap();
  return p;
}
