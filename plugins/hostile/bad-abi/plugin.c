/* hostile-bad-abi: malformed canonical-ABI data in results, and a sabotaged cabi_realloc. Hand-written ABI (no SDK).
 * See ../README.md. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))

static enum { REALLOC_OK, REALLOC_OOB, REALLOC_NULL, REALLOC_TRAP } realloc_mode;
static bool trap_in_post;
static uint64_t calls;

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  if (new_size == 0) {
    if (old && old_size) free(old);
    return (void *)align;
  }
  switch (realloc_mode) {
    case REALLOC_OOB: return (void *)(uintptr_t)0xFFFFFF00u;
    case REALLOC_NULL: return (void *)0;
    case REALLOC_TRAP: __builtin_trap();
    default: break;
  }
  void *p = (old && old_size) ? realloc(old, new_size) : malloc(new_size);
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

/* result<command-result, string> (24 bytes, +4 spare so a misaligned copy fits) */
static uint32_t ret_run[8];
static uint8_t misaligned_area[32];
static char small[] = "\"small\"";
static char value_ok[64];
/* action: u8 case at 0; notify = { level u8 at 4, message ptr/len at 8/12 } */
static uint32_t one_action[5];
static const char message[] = "hostile-bad-abi";

static void set_value(const char *s) {
  size_t n = strlen(s);
  memcpy(value_ok, s, n);
  ((uint8_t *)ret_run)[4] = 1;
  ret_run[2] = (uint32_t)(uintptr_t)value_ok;
  ret_run[3] = n;
}

EXPORT("run-command")
uint32_t *run_command(char *id, size_t id_len, char *args, size_t args_len) {
  calls++;
  trap_in_post = false;
  memset(ret_run, 0, sizeof(ret_run));
  uint8_t *ret8 = (uint8_t *)ret_run;
  ret_run[4] = 4;   /* empty action list */
  ret_run[5] = 0;
  uint32_t *result = ret_run;
  #define IS(s) (id_len == sizeof(s) - 1 && memcmp(id, s, id_len) == 0)
  if (IS("oob-string")) {
    ret8[4] = 1;
    ret_run[2] = 0xFFFFFF00u;
    ret_run[3] = 1000;
  } else if (IS("huge-len")) {
    ret8[4] = 1;
    ret_run[2] = (uint32_t)(uintptr_t)small;
    ret_run[3] = 0x7FFFFFF0u;
  } else if (IS("bad-result-case")) {
    ret8[0] = 7;
  } else if (IS("bad-option-case")) {
    ret8[4] = 5;
    ret_run[2] = (uint32_t)(uintptr_t)small;
    ret_run[3] = sizeof(small) - 1;
  } else if (IS("bad-action-case") || IS("bad-enum")) {
    memset(one_action, 0, sizeof(one_action));
    ((uint8_t *)one_action)[0] = IS("bad-action-case") ? 42 : 0;
    ((uint8_t *)one_action)[4] = IS("bad-enum") ? 9 : 0;
    one_action[2] = (uint32_t)(uintptr_t)message;
    one_action[3] = sizeof(message) - 1;
    ret_run[4] = (uint32_t)(uintptr_t)one_action;
    ret_run[5] = 1;
  } else if (IS("huge-list")) {
    ret_run[4] = 16;
    ret_run[5] = 0x10000000u;
  } else if (IS("bad-return-ptr")) {
    result = (uint32_t *)(uintptr_t)0xFFFFFFF0u;
  } else if (IS("misaligned-return")) {
    set_value("\"misaligned\"");
    memcpy(misaligned_area + 1, ret_run, 24);
    result = (uint32_t *)(misaligned_area + 1);
  } else if (IS("trap-in-post")) {
    set_value("\"posted\"");
    trap_in_post = true;
  } else if (IS("bad-realloc-next")) {
    realloc_mode = REALLOC_OOB;
    set_value("{\"armed\":\"oob\"}");
  } else if (IS("null-realloc-next")) {
    realloc_mode = REALLOC_NULL;
    set_value("{\"armed\":\"null\"}");
  } else if (IS("trap-realloc-next")) {
    realloc_mode = REALLOC_TRAP;
    set_value("{\"armed\":\"trap\"}");
  } else if (IS("ok")) {
    char buf[48] = "{\"ok\":true,\"calls\":";
    size_t n = strlen(buf);
    char digits[21];
    size_t d = 0;
    uint64_t v = calls;
    do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (d) buf[n++] = digits[--d];
    buf[n++] = '}';
    buf[n] = 0;
    set_value(buf);
  } else {
    static const char e[] = "hostile-bad-abi has no such command";
    ret8[0] = 1;
    ret_run[1] = (uint32_t)(uintptr_t)e;
    ret_run[2] = sizeof(e) - 1;
  }
  /* Arguments are freed only when they are really ours (a sabotaged realloc handed out bogus addresses). */
  if (realloc_mode == REALLOC_OK) {
    if (id_len) free(id);
    if (args_len) free(args);
  }
  return result;
}

EXPORT("cabi_post_run-command")
void post_run_command(uint32_t *ret) {
  (void)ret;   /* everything returned is static */
  if (trap_in_post) __builtin_trap();
}
