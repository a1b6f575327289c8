/* hostile-huge: results of 100 MB and a million actions. The ABI is written by hand (no SDK) so that a 100 MB result
 * costs 100 MB of linear memory, not twice that. Layouts as in plugins/README.md ("The ABI in one page").
 * See ../README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define MB ((size_t)1 << 20)

__attribute__((import_module("wasm-plugin-host:api/log"), import_name("write")))
extern void log_write(int32_t level, const char *p, size_t n);
__attribute__((import_module("wasm-plugin-host:api/notifications"), import_name("show")))
extern void notifications_show(int32_t level, const char *p, size_t n, uint32_t *ret);

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  if (new_size == 0) {
    if (old && old_size) free(old);
    return (void *)align;
  }
  void *p = (old && old_size) ? realloc(old, new_size) : malloc(new_size);
  if (!p) __builtin_trap();
  return p;
}

static void take(char *p, size_t n) {
  if (n) free(p);
}

/* The first run of digits in the args JSON (`100`, `{"mb":100}`), or `def`. */
static uint64_t arg_int(const char *p, size_t n, uint64_t def) {
  size_t i = 0;
  while (i < n && (p[i] < '0' || p[i] > '9')) i++;
  if (i == n) return def;
  uint64_t v = 0;
  while (i < n && p[i] >= '0' && p[i] <= '9') v = v * 10 + (uint64_t)(p[i++] - '0');
  return v;
}

/* n bytes of `fill` between prefix and suffix, malloc'd; traps when memory runs out. */
static char *filled(const char *prefix, size_t n, char fill, const char *suffix, size_t *len) {
  size_t a = strlen(prefix), c = strlen(suffix);
  char *s = malloc(a + n + c);
  if (!s) __builtin_trap();
  memcpy(s, prefix, a);
  memset(s + a, fill, n);
  memcpy(s + a + n, suffix, c);
  *len = a + n + c;
  return s;
}

static uint32_t ret_activate[3];

EXPORT("activate") uint32_t *activate(void) {
  memset(ret_activate, 0, sizeof(ret_activate));
  return ret_activate;
}
EXPORT("cabi_post_activate") void post_activate(uint32_t *ret) { (void)ret; }
EXPORT("deactivate") void deactivate(void) {}

/* result<command-result, string>: u8 case at 0; ok: option<string> (u8 at 4, ptr/len at 8/12), actions at 16/20;
 * err: ptr/len at 4/8. */
static uint32_t ret_run[6];
/* action: u8 case at 0; notify = { level u8 at 4, message ptr/len at 8/12 } */
typedef struct { uint8_t tag, pad0[3]; uint8_t level, pad1[3]; const char *msg; size_t len; uint32_t unused; } action;
_Static_assert(sizeof(action) == 20, "action layout");
static const char shared_message[] = "hostile-huge: one of a million";

EXPORT("run-command")
uint32_t *run_command(char *id, size_t id_len, char *args, size_t args_len) {
  memset(ret_run, 0, sizeof(ret_run));
  uint8_t *ret8 = (uint8_t *)ret_run;
  #define IS(s) (id_len == sizeof(s) - 1 && memcmp(id, s, id_len) == 0)
  if (IS("huge")) {
    size_t len;
    char *s = filled("\"", arg_int(args, args_len, 100) * MB, 'a', "\"", &len);
    ret8[4] = 1;
    ret_run[2] = (uint32_t)(uintptr_t)s;
    ret_run[3] = len;
  } else if (IS("huge-error")) {
    size_t len;
    char *s = filled("", arg_int(args, args_len, 100) * MB, 'e', "", &len);
    ret8[0] = 1;
    ret_run[1] = (uint32_t)(uintptr_t)s;
    ret_run[2] = len;
  } else if (IS("huge-actions")) {
    size_t count = arg_int(args, args_len, 1000000);
    action *list = count ? calloc(count, sizeof(action)) : (action *)4;
    if (!list) __builtin_trap();
    for (size_t i = 0; i < count; i++) {
      list[i].tag = 0;      /* notify */
      list[i].level = 0;    /* info */
      list[i].msg = shared_message;
      list[i].len = sizeof(shared_message) - 1;
    }
    ret_run[4] = (uint32_t)(uintptr_t)list;
    ret_run[5] = count;
  } else if (IS("huge-log")) {
    size_t len;
    char *s = filled("", arg_int(args, args_len, 100) * MB, 'l', "", &len);
    log_write(2, s, len);
    free(s);
    static const char v[] = "{\"logged\":true}";
    char *copy = malloc(sizeof(v));
    memcpy(copy, v, sizeof(v));
    ret8[4] = 1;
    ret_run[2] = (uint32_t)(uintptr_t)copy;
    ret_run[3] = sizeof(v) - 1;
  } else if (IS("huge-notify")) {
    /* result<_, host-error>: u8 case at 0; host-error: u8 kind at 4, message ptr/len at 8/12 (ours to free) */
    size_t len;
    char *s = filled("", arg_int(args, args_len, 100) * MB, 'n', "", &len);
    uint32_t area[4] = { 0, 0, 0, 0 };
    notifications_show(0, s, len, area);
    free(s);
    static const char kinds[][10] = { "denied", "not-found", "invalid", "too-large", "failed" };
    uint8_t is_err = ((uint8_t *)area)[0], kind = ((uint8_t *)area)[4];
    char *v = malloc(64);
    strcpy(v, "{\"status\":\"");
    strcat(v, is_err ? (kind < 5 ? kinds[kind] : "?") : "ok");
    strcat(v, "\"}");
    if (is_err) take((char *)(uintptr_t)area[2], area[3]);
    ret8[4] = 1;
    ret_run[2] = (uint32_t)(uintptr_t)v;
    ret_run[3] = strlen(v);
  } else if (IS("ok")) {
    static const char v[] = "{\"ok\":true}";
    char *copy = malloc(sizeof(v));
    memcpy(copy, v, sizeof(v));
    ret8[4] = 1;
    ret_run[2] = (uint32_t)(uintptr_t)copy;
    ret_run[3] = sizeof(v) - 1;
  } else {
    static const char e[] = "hostile-huge has no such command";
    char *copy = malloc(sizeof(e));
    memcpy(copy, e, sizeof(e));
    ret8[0] = 1;
    ret_run[1] = (uint32_t)(uintptr_t)copy;
    ret_run[2] = sizeof(e) - 1;
  }
  take(id, id_len);
  take(args, args_len);
  return ret_run;
}

EXPORT("cabi_post_run-command")
void post_run_command(uint32_t *ret) {
  uint8_t *ret8 = (uint8_t *)ret;
  if (ret8[0] == 1) {
    take((char *)(uintptr_t)ret[1], ret[2]);
    return;
  }
  if (ret8[4] == 1) take((char *)(uintptr_t)ret[2], ret[3]);
  if (ret[5]) free((void *)(uintptr_t)ret[4]);   /* the shared message is static */
}

static uint32_t ret_render[2];

EXPORT("render-panel")
uint32_t *render_panel(char *id, size_t id_len, char *state, size_t state_len) {
  take(id, id_len);
  take(state, state_len);
  size_t len;
  char *s = filled("<p>", 100 * MB, 'h', "</p>", &len);
  ret_render[0] = (uint32_t)(uintptr_t)s;
  ret_render[1] = len;
  return ret_render;
}

EXPORT("cabi_post_render-panel")
void post_render_panel(uint32_t *ret) { take((char *)(uintptr_t)ret[0], ret[1]); }

static uint32_t ret_panel[2];

EXPORT("panel-message")
uint32_t *panel_message(char *id, size_t id_len, char *msg, size_t msg_len) {
  take(id, id_len);
  take(msg, msg_len);
  ret_panel[0] = 4;
  ret_panel[1] = 0;
  return ret_panel;
}

EXPORT("cabi_post_panel-message")
void post_panel_message(uint32_t *ret) { (void)ret; }
