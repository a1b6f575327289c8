/*
 * WASM Plugin Host — C SDK implementation (plugin API 0.1.0). See wasm_plugin.h and plugins/README.md.
 *
 * Canonical-ABI rules this file implements, as @vscode/wasm-component-model 1.0.2 applies them:
 *  - the host allocates every string/list it passes in (export arguments, and strings/lists inside import results)
 *    through our `cabi_realloc`; we own and free them;
 *  - export results with more than one flat value go through a static return area; the host calls
 *    `cabi_post_<name>(area)` after reading it and we free what the area points to;
 *  - import results with more than one flat value are written by the host to a return area whose pointer we pass
 *    as the last argument;
 *  - zero-length strings and lists may carry a dangling pointer (the alignment): never dereference or free them.
 * Every ABI struct below is laid out exactly like its WIT type; the _Static_asserts pin the layouts.
 */
#include "wasm_plugin.h"

#include <stdlib.h>
#include <string.h>

#define WP_EXPORT(name) __attribute__((export_name(name)))
#define WP_IMPORT(iface, name) __attribute__((import_module("wasm-plugin-host:api/" iface), import_name(name)))

_Static_assert(sizeof(wp_str) == 8, "string layout");
_Static_assert(sizeof(wp_position) == 8, "position layout");
_Static_assert(sizeof(wp_range) == 16, "range layout");
_Static_assert(sizeof(wp_selection) == 16, "selection layout");
_Static_assert(sizeof(wp_text_edit) == 24, "text-edit layout");
_Static_assert(sizeof(wp_document_info) == 28 && offsetof(wp_document_info, is_dirty) == 24, "document-info layout");
_Static_assert(sizeof(wp_option_str) == 12 && offsetof(wp_option_str, value) == 4, "option<string> layout");
_Static_assert(sizeof(wp_diagnostic) == 40 && offsetof(wp_diagnostic, severity) == 16 &&
               offsetof(wp_diagnostic, message) == 20 && offsetof(wp_diagnostic, code) == 28, "diagnostic layout");
_Static_assert(sizeof(wp_content_change) == 24, "content-change layout");
_Static_assert(sizeof(wp_string) == sizeof(wp_str), "owned string layout");

static char wp__empty[1] = { 0 };

static void *wp__xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) __builtin_trap();   /* out of memory inside the SDK: trap, the host reports it */
  return p;
}

/* ---- allocation ------------------------------------------------------------------------------------------------ */

/* Every block gets one extra zero byte so that strings the host writes are NUL-terminated. malloc aligns to 16,
 * more than any WIT type needs. */
WP_EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  if (new_size == 0) {
    if (old && old_size) free(old);
    return (void *)align;
  }
  char *p = (old && old_size) ? realloc(old, new_size + 1) : malloc(new_size + 1);
  if (!p) __builtin_trap();
  p[new_size] = 0;
  return p;
}

/* Frees a host-allocated block of `len` elements (strings: bytes). Zero-length blocks were never allocated. */
static void wp__free_block(const void *ptr, size_t len) {
  if (len) free((void *)ptr);
}

/* A host-written string as a NUL-terminated view (empty strings point at a static ""). */
static wp_str wp__lift_str(uint32_t ptr, uint32_t len) {
  if (len == 0) return (wp_str){ wp__empty, 0 };
  return (wp_str){ (const char *)(uintptr_t)ptr, len };
}

static void wp__free_str(wp_str s) { wp__free_block(s.ptr, s.len); }

/* ---- strings ---------------------------------------------------------------------------------------------------- */

wp_str wp_cstr(const char *s) { return s ? (wp_str){ s, strlen(s) } : (wp_str){ wp__empty, 0 }; }

bool wp_str_eq(wp_str a, const char *b) {
  size_t n = strlen(b);
  return a.len == n && memcmp(a.ptr, b, n) == 0;
}

bool wp_str_starts_with(wp_str a, const char *prefix) {
  size_t n = strlen(prefix);
  return a.len >= n && memcmp(a.ptr, prefix, n) == 0;
}

wp_string wp_string_copy(wp_str s) {
  if (s.len == 0) return (wp_string){ wp__empty, 0 };
  char *p = wp__xmalloc(s.len + 1);
  memcpy(p, s.ptr, s.len);
  p[s.len] = 0;
  return (wp_string){ p, s.len };
}

void wp_string_free(wp_string *s) {
  if (!s) return;
  if (s->len) free(s->ptr);
  s->ptr = NULL;
  s->len = 0;
}

/* An owned copy stored in an ABI `string` slot: freed with wp__free_str (length 0 owns nothing). */
static wp_str wp__dup(wp_str s) {
  wp_string c = wp_string_copy(s);
  return (wp_str){ c.ptr, c.len };
}

size_t wp_utf16_len(const char *s, size_t len) {
  size_t units = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c & 0xC0) == 0x80) continue;      /* continuation byte */
    units += (c >= 0xF0) ? 2 : 1;          /* 4-byte sequences are surrogate pairs */
  }
  return units;
}

/* ---- buffers ---------------------------------------------------------------------------------------------------- */

static void wp__buf_reserve(wp_buf *b, size_t extra) {
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) __builtin_trap();
  b->data = p;
  b->cap = cap;
}

void wp_buf_append(wp_buf *b, wp_str s) {
  wp__buf_reserve(b, s.len);
  if (s.len) memcpy(b->data + b->len, s.ptr, s.len);
  b->len += s.len;
  b->data[b->len] = 0;
}

void wp_buf_append_c(wp_buf *b, const char *s) { wp_buf_append(b, wp_cstr(s)); }

void wp_buf_append_char(wp_buf *b, char c) {
  wp__buf_reserve(b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = 0;
}

void wp_buf_append_u64(wp_buf *b, uint64_t v) {
  char tmp[21];
  size_t i = sizeof(tmp);
  do { tmp[--i] = (char)('0' + v % 10); v /= 10; } while (v);
  wp_buf_append(b, (wp_str){ tmp + i, sizeof(tmp) - i });
}

void wp_buf_append_i64(wp_buf *b, int64_t v) {
  if (v < 0) {
    wp_buf_append_char(b, '-');
    wp_buf_append_u64(b, (uint64_t)0 - (uint64_t)v);
  } else {
    wp_buf_append_u64(b, (uint64_t)v);
  }
}

void wp_buf_append_json_string(wp_buf *b, wp_str s) {
  static const char hex[] = "0123456789abcdef";
  wp__buf_reserve(b, s.len + 2);
  wp_buf_append_char(b, '"');
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.ptr[i];
    switch (c) {
      case '"': wp_buf_append(b, WP_LIT("\\\"")); break;
      case '\\': wp_buf_append(b, WP_LIT("\\\\")); break;
      case '\n': wp_buf_append(b, WP_LIT("\\n")); break;
      case '\r': wp_buf_append(b, WP_LIT("\\r")); break;
      case '\t': wp_buf_append(b, WP_LIT("\\t")); break;
      case '\b': wp_buf_append(b, WP_LIT("\\b")); break;
      case '\f': wp_buf_append(b, WP_LIT("\\f")); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
          wp_buf_append(b, (wp_str){ u, 6 });
        } else {
          wp_buf_append_char(b, (char)c);   /* UTF-8 passes through */
        }
    }
  }
  wp_buf_append_char(b, '"');
}

void wp_buf_append_html(wp_buf *b, wp_str s) {
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    switch (c) {
      case '&': wp_buf_append(b, WP_LIT("&amp;")); break;
      case '<': wp_buf_append(b, WP_LIT("&lt;")); break;
      case '>': wp_buf_append(b, WP_LIT("&gt;")); break;
      case '"': wp_buf_append(b, WP_LIT("&quot;")); break;
      case '\'': wp_buf_append(b, WP_LIT("&#39;")); break;
      default: wp_buf_append_char(b, c);
    }
  }
}

void wp_buf_clear(wp_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = 0;
}

void wp_buf_free(wp_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* ---- tiny JSON reader --------------------------------------------------------------------------------------------- */

typedef struct { const char *p, *end; } wp__json;

static void wp__ws(wp__json *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static int wp__hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return -1;
  }
  return v;
}

static void wp__utf8(wp_buf *out, uint32_t cp) {
  if (cp < 0x80) {
    wp_buf_append_char(out, (char)cp);
  } else if (cp < 0x800) {
    wp_buf_append_char(out, (char)(0xC0 | (cp >> 6)));
    wp_buf_append_char(out, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    wp_buf_append_char(out, (char)(0xE0 | (cp >> 12)));
    wp_buf_append_char(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
    wp_buf_append_char(out, (char)(0x80 | (cp & 0x3F)));
  } else {
    wp_buf_append_char(out, (char)(0xF0 | (cp >> 18)));
    wp_buf_append_char(out, (char)(0x80 | ((cp >> 12) & 0x3F)));
    wp_buf_append_char(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
    wp_buf_append_char(out, (char)(0x80 | (cp & 0x3F)));
  }
}

/* Parses a JSON string at j->p; decoded text goes to `out` when non-NULL. */
static bool wp__string(wp__json *j, wp_buf *out) {
  if (j->p >= j->end || *j->p != '"') return false;
  j->p++;
  while (j->p < j->end) {
    char c = *j->p++;
    if (c == '"') return true;
    if (c != '\\') {
      if (out) wp_buf_append_char(out, c);
      continue;
    }
    if (j->p >= j->end) return false;
    char e = *j->p++;
    char simple = 0;
    switch (e) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      case 'u': {
        if (j->end - j->p < 4) return false;
        int u = wp__hex4(j->p);
        if (u < 0) return false;
        j->p += 4;
        uint32_t cp = (uint32_t)u;
        if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
          int lo = wp__hex4(j->p + 2);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
            j->p += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;   /* lone surrogate */
        if (out) wp__utf8(out, cp);
        continue;
      }
      default: return false;
    }
    if (out) wp_buf_append_char(out, simple);
  }
  return false;
}

/* Skips any JSON value (strings, numbers, literals, nested objects and arrays). */
static bool wp__skip(wp__json *j) {
  wp__ws(j);
  if (j->p >= j->end) return false;
  if (*j->p == '"') return wp__string(j, NULL);
  if (*j->p == '{' || *j->p == '[') {
    int depth = 0;
    while (j->p < j->end) {
      char c = *j->p;
      if (c == '"') { if (!wp__string(j, NULL)) return false; continue; }
      j->p++;
      if (c == '{' || c == '[') depth++;
      else if ((c == '}' || c == ']') && --depth == 0) return true;
    }
    return false;
  }
  const char *start = j->p;
  while (j->p < j->end && *j->p != ',' && *j->p != '}' && *j->p != ']' && *j->p != ' ' && *j->p != '\n' &&
         *j->p != '\r' && *j->p != '\t')
    j->p++;
  return j->p > start;
}

bool wp_json_parse_string(wp_str json, wp_buf *out) {
  wp__json j = { json.ptr, json.ptr + json.len };
  wp__ws(&j);
  size_t mark = out->len;
  if (wp__string(&j, out)) return true;
  out->len = mark;
  if (out->data) out->data[mark] = 0;
  return false;
}

/* Positions j at the value of top-level member `key`. */
static bool wp__find_member(wp__json *j, const char *key) {
  wp_buf name = { 0 };
  bool found = false;
  wp__ws(j);
  if (j->p >= j->end || *j->p != '{') return false;
  j->p++;
  for (;;) {
    wp__ws(j);
    if (j->p < j->end && *j->p == '}') break;
    wp_buf_clear(&name);
    if (!wp__string(j, &name)) break;
    wp__ws(j);
    if (j->p >= j->end || *j->p != ':') break;
    j->p++;
    wp__ws(j);
    if (wp_str_eq(wp_buf_str(&name), key)) { found = true; break; }
    if (!wp__skip(j)) break;
    wp__ws(j);
    if (j->p < j->end && *j->p == ',') { j->p++; continue; }
    break;
  }
  wp_buf_free(&name);
  return found;
}

bool wp_json_get_string(wp_str json, const char *key, wp_buf *out) {
  wp__json j = { json.ptr, json.ptr + json.len };
  if (!wp__find_member(&j, key)) return false;
  size_t mark = out->len;
  if (wp__string(&j, out)) return true;
  out->len = mark;
  if (out->data) out->data[mark] = 0;
  return false;
}

bool wp_json_get_i64(wp_str json, const char *key, int64_t *out) {
  wp__json j = { json.ptr, json.ptr + json.len };
  if (!wp__find_member(&j, key)) return false;
  bool neg = false;
  if (j.p < j.end && *j.p == '-') { neg = true; j.p++; }
  if (j.p >= j.end || *j.p < '0' || *j.p > '9') return false;
  int64_t v = 0;
  while (j.p < j.end && *j.p >= '0' && *j.p <= '9') v = v * 10 + (*j.p++ - '0');
  *out = neg ? -v : v;
  return true;
}

/* ---- host imports ------------------------------------------------------------------------------------------------- */

WP_IMPORT("log", "write") extern void wpi_log_write(int32_t level, const char *p, size_t n);
WP_IMPORT("notifications", "show") extern void wpi_notify(int32_t level, const char *p, size_t n, void *ret);
WP_IMPORT("status-bar", "set-text")
extern void wpi_status_set_text(const char *p, size_t n, int32_t has_tip, const char *tp, size_t tn, void *ret);
WP_IMPORT("editor-read", "active-document") extern void wpi_active_document(void *ret);
WP_IMPORT("editor-read", "document-text") extern void wpi_document_text(const char *p, size_t n, void *ret);
WP_IMPORT("editor-read", "selections") extern void wpi_selections(void *ret);
WP_IMPORT("editor-write", "apply-edit")
extern void wpi_apply_edit(const char *up, size_t un, const void *edits, size_t count, void *ret);
WP_IMPORT("diagnostics", "set")
extern void wpi_diagnostics_set(const char *up, size_t un, const void *items, size_t count, void *ret);
WP_IMPORT("storage", "get") extern void wpi_storage_get(int32_t scope, const char *p, size_t n, void *ret);
WP_IMPORT("storage", "set")
extern void wpi_storage_set(int32_t scope, const char *kp, size_t kn, const char *vp, size_t vn, void *ret);
WP_IMPORT("storage", "remove") extern void wpi_storage_remove(int32_t scope, const char *p, size_t n, void *ret);
WP_IMPORT("storage", "keys") extern void wpi_storage_keys(int32_t scope, void *ret);
WP_IMPORT("workspace-read", "read-file") extern void wpi_read_file(const char *p, size_t n, void *ret);
WP_IMPORT("workspace-write", "write-file")
extern void wpi_write_file(const char *pp, size_t pn, const char *cp, size_t cn, void *ret);
WP_IMPORT("configuration", "get") extern void wpi_config_get(const char *p, size_t n, void *ret);
WP_IMPORT("panels", "post-message")
extern void wpi_panel_post(const char *ip, size_t in, const char *mp, size_t mn, void *ret);

/* Return area for import results: the largest is result<option<document-info>, host-error> (36 bytes).
 * Layout of every result<T, host-error>: u8 case at 0; payload at 4 (host-error is a variant whose case is the error
 * kind: u8 at 4, its string at 8/12). */
static union { uint8_t u8[40]; uint32_t u32[10]; } wp__iret;

static wp_string wp__last_error = { NULL, 0 };

static void wp__begin_call(void) {
  memset(&wp__iret, 0, sizeof(wp__iret));
  wp_string_free(&wp__last_error);
}

static wp_status wp__status(void) {
  if (wp__iret.u8[0] == 0) return WP_OK;
  uint8_t kind = wp__iret.u8[4];
  wp_str msg = wp__lift_str(wp__iret.u32[2], wp__iret.u32[3]);
  wp__last_error = (wp_string){ (char *)msg.ptr, msg.len };   /* host-allocated: now ours, freed at the next call */
  return (wp_status)(kind + 1);
}

const char *wp_last_error(void) { return wp__last_error.len ? wp__last_error.ptr : ""; }

const char *wp_status_name(wp_status s) {
  static const char *names[] = { "ok", "denied", "not-found", "invalid", "too-large", "failed" };
  return (unsigned)s < 6 ? names[s] : "unknown";
}

void wp_log(wp_log_level level, wp_str message) { wpi_log_write((int32_t)level, message.ptr, message.len); }

wp_status wp_notify(wp_notify_level level, wp_str message) {
  wp__begin_call();
  wpi_notify((int32_t)level, message.ptr, message.len, &wp__iret);
  return wp__status();
}

wp_status wp_status_bar_set(wp_str text, const wp_str *tooltip) {
  wp__begin_call();
  wpi_status_set_text(text.ptr, text.len, tooltip ? 1 : 0, tooltip ? tooltip->ptr : NULL, tooltip ? tooltip->len : 0,
                      &wp__iret);
  return wp__status();
}

void wp_document_info_free(wp_document_info *d) {
  wp__free_str(d->uri);
  wp__free_str(d->language_id);
  d->uri = d->language_id = (wp_str){ wp__empty, 0 };
}

/* Lifts a document-info from its 7 flat values or from memory; strings stay host-allocated (owned by the caller). */
static wp_document_info wp__doc(uint32_t up, uint32_t un, uint32_t lp, uint32_t ln, uint32_t ver, uint32_t lines,
                                uint32_t dirty) {
  wp_document_info d;
  d.uri = wp__lift_str(up, un);
  d.language_id = wp__lift_str(lp, ln);
  d.version = ver;
  d.line_count = lines;
  d.is_dirty = (dirty & 0xff) != 0;
  return d;
}

wp_status wp_active_document(wp_document_info *out, bool *present) {
  wp__begin_call();
  wpi_active_document(&wp__iret);
  wp_status s = wp__status();
  *present = false;
  if (s != WP_OK) return s;
  if (wp__iret.u8[4]) {   /* option: case at 4, document-info at 8 */
    const uint32_t *w = wp__iret.u32;
    *out = wp__doc(w[2], w[3], w[4], w[5], w[6], w[7], wp__iret.u8[32]);
    *present = true;
  }
  return s;
}

wp_status wp_document_text(wp_str uri, wp_string *out) {
  wp__begin_call();
  wpi_document_text(uri.ptr, uri.len, &wp__iret);
  wp_status s = wp__status();
  if (s == WP_OK) {
    wp_str t = wp__lift_str(wp__iret.u32[1], wp__iret.u32[2]);
    *out = (wp_string){ (char *)t.ptr, t.len };
  }
  return s;
}

wp_status wp_selections(wp_selection **out, size_t *count) {
  wp__begin_call();
  wpi_selections(&wp__iret);
  wp_status s = wp__status();
  *out = NULL;
  *count = 0;
  if (s == WP_OK && wp__iret.u32[2]) {
    *out = (wp_selection *)(uintptr_t)wp__iret.u32[1];
    *count = wp__iret.u32[2];
  }
  return s;
}

wp_status wp_apply_edit(wp_str uri, const wp_text_edit *edits, size_t count) {
  wp__begin_call();
  wpi_apply_edit(uri.ptr, uri.len, edits, count, &wp__iret);
  return wp__status();
}

wp_status wp_diagnostics_set(wp_str uri, const wp_diagnostic *items, size_t count) {
  wp__begin_call();
  wpi_diagnostics_set(uri.ptr, uri.len, items, count, &wp__iret);
  return wp__status();
}

void wp_string_list_free(wp_string_list *l) {
  for (size_t i = 0; i < l->len; i++) wp_string_free(&l->items[i]);
  if (l->len) free(l->items);
  l->items = NULL;
  l->len = 0;
}

/* result<option<string>, host-error>: option case at 4, string at 8/12. */
static wp_status wp__option_string_result(wp_string *value, bool *found) {
  wp_status s = wp__status();
  *found = false;
  if (s == WP_OK && wp__iret.u8[4]) {
    wp_str v = wp__lift_str(wp__iret.u32[2], wp__iret.u32[3]);
    *value = (wp_string){ (char *)v.ptr, v.len };
    *found = true;
  }
  return s;
}

wp_status wp_storage_get(wp_storage_scope scope, wp_str key, wp_string *value, bool *found) {
  wp__begin_call();
  wpi_storage_get((int32_t)scope, key.ptr, key.len, &wp__iret);
  return wp__option_string_result(value, found);
}

wp_status wp_storage_set(wp_storage_scope scope, wp_str key, wp_str value) {
  wp__begin_call();
  wpi_storage_set((int32_t)scope, key.ptr, key.len, value.ptr, value.len, &wp__iret);
  return wp__status();
}

wp_status wp_storage_remove(wp_storage_scope scope, wp_str key) {
  wp__begin_call();
  wpi_storage_remove((int32_t)scope, key.ptr, key.len, &wp__iret);
  return wp__status();
}

wp_status wp_storage_keys(wp_storage_scope scope, wp_string_list *out) {
  wp__begin_call();
  wpi_storage_keys((int32_t)scope, &wp__iret);
  wp_status s = wp__status();
  out->items = NULL;
  out->len = 0;
  if (s == WP_OK && wp__iret.u32[2]) {
    wp_string *items = (wp_string *)(uintptr_t)wp__iret.u32[1];
    size_t n = wp__iret.u32[2];
    for (size_t i = 0; i < n; i++)
      if (items[i].len == 0) items[i].ptr = wp__empty;   /* dangling pointer of an empty string */
    out->items = items;
    out->len = n;
  }
  return s;
}

wp_status wp_read_file(wp_str path, wp_string *out) {
  wp__begin_call();
  wpi_read_file(path.ptr, path.len, &wp__iret);
  wp_status s = wp__status();
  if (s == WP_OK) {
    wp_str t = wp__lift_str(wp__iret.u32[1], wp__iret.u32[2]);
    *out = (wp_string){ (char *)t.ptr, t.len };
  }
  return s;
}

wp_status wp_write_file(wp_str path, wp_str contents) {
  wp__begin_call();
  wpi_write_file(path.ptr, path.len, contents.ptr, contents.len, &wp__iret);
  return wp__status();
}

wp_status wp_config_get(wp_str key, wp_string *value, bool *found) {
  wp__begin_call();
  wpi_config_get(key.ptr, key.len, &wp__iret);
  return wp__option_string_result(value, found);
}

wp_status wp_panel_post(wp_str panel_id, wp_str json_message) {
  wp__begin_call();
  wpi_panel_post(panel_id.ptr, panel_id.len, json_message.ptr, json_message.len, &wp__iret);
  return wp__status();
}

/* ---- actions ------------------------------------------------------------------------------------------------------ */

enum { WP__NOTIFY, WP__INSERT_TEXT, WP__APPLY_EDIT, WP__SET_STATUS, WP__POST_TO_PANEL, WP__OPEN_PANEL, WP__SET_DIAGNOSTICS };

/* variant action: u8 case at 0, payload at 4 (max payload 16 bytes) → 20 bytes, align 4. */
typedef struct {
  uint8_t tag;
  union {
    struct { uint8_t level; wp_str message; } notify;
    wp_str text;   /* insert-text, set-status, open-panel */
    struct { wp_str uri; wp_text_edit *edits; size_t count; } edit;
    struct { wp_str panel_id; wp_str message; } post;
    struct { wp_str uri; wp_diagnostic *items; size_t count; } diags;
  } u;
} wp__action;
_Static_assert(sizeof(wp__action) == 20 && offsetof(wp__action, u) == 4, "action layout");

struct wp_actions { wp__action *items; size_t len, cap; };

static wp__action *wp__push(wp_actions *a, uint8_t tag) {
  if (a->len == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 4;
    wp__action *p = realloc(a->items, cap * sizeof(wp__action));
    if (!p) __builtin_trap();
    a->items = p;
    a->cap = cap;
  }
  wp__action *x = &a->items[a->len++];
  memset(x, 0, sizeof(*x));
  x->tag = tag;
  return x;
}

void wp_actions_notify(wp_actions *a, wp_notify_level level, wp_str message) {
  wp__action *x = wp__push(a, WP__NOTIFY);
  x->u.notify.level = (uint8_t)level;
  x->u.notify.message = wp__dup(message);
}

void wp_actions_insert_text(wp_actions *a, wp_str text) { wp__push(a, WP__INSERT_TEXT)->u.text = wp__dup(text); }
void wp_actions_set_status(wp_actions *a, wp_str text) { wp__push(a, WP__SET_STATUS)->u.text = wp__dup(text); }
void wp_actions_open_panel(wp_actions *a, wp_str id) { wp__push(a, WP__OPEN_PANEL)->u.text = wp__dup(id); }

void wp_actions_apply_edit(wp_actions *a, wp_str uri, const wp_text_edit *edits, size_t count) {
  wp__action *x = wp__push(a, WP__APPLY_EDIT);
  x->u.edit.uri = wp__dup(uri);
  x->u.edit.count = count;
  x->u.edit.edits = count ? wp__xmalloc(count * sizeof(wp_text_edit)) : (wp_text_edit *)4;
  for (size_t i = 0; i < count; i++) {
    x->u.edit.edits[i].range = edits[i].range;
    x->u.edit.edits[i].new_text = wp__dup(edits[i].new_text);
  }
}

void wp_actions_post_to_panel(wp_actions *a, wp_str panel_id, wp_str json_message) {
  wp__action *x = wp__push(a, WP__POST_TO_PANEL);
  x->u.post.panel_id = wp__dup(panel_id);
  x->u.post.message = wp__dup(json_message);
}

static void wp__copy_diagnostics(wp_diagnostic **dst, const wp_diagnostic *src, size_t count) {
  *dst = count ? wp__xmalloc(count * sizeof(wp_diagnostic)) : (wp_diagnostic *)4;
  for (size_t i = 0; i < count; i++) {
    wp_diagnostic *d = &(*dst)[i];
    d->range = src[i].range;
    d->severity = src[i].severity;
    d->message = wp__dup(src[i].message);
    d->code = src[i].code.is_some ? wp_some(wp__dup(src[i].code.value)) : wp_none();
  }
}

void wp_actions_set_diagnostics(wp_actions *a, wp_str uri, const wp_diagnostic *items, size_t count) {
  wp__action *x = wp__push(a, WP__SET_DIAGNOSTICS);
  x->u.diags.uri = wp__dup(uri);
  x->u.diags.count = count;
  wp__copy_diagnostics(&x->u.diags.items, items, count);
}

size_t wp_actions_count(const wp_actions *a) { return a->len; }

static void wp__free_action(wp__action *x) {
  switch (x->tag) {
    case WP__NOTIFY: wp__free_str(x->u.notify.message); break;
    case WP__INSERT_TEXT:
    case WP__SET_STATUS:
    case WP__OPEN_PANEL: wp__free_str(x->u.text); break;
    case WP__APPLY_EDIT:
      wp__free_str(x->u.edit.uri);
      for (size_t i = 0; i < x->u.edit.count; i++) wp__free_str(x->u.edit.edits[i].new_text);
      wp__free_block(x->u.edit.edits, x->u.edit.count);
      break;
    case WP__POST_TO_PANEL:
      wp__free_str(x->u.post.panel_id);
      wp__free_str(x->u.post.message);
      break;
    case WP__SET_DIAGNOSTICS:
      wp__free_str(x->u.diags.uri);
      for (size_t i = 0; i < x->u.diags.count; i++) {
        wp__free_str(x->u.diags.items[i].message);
        if (x->u.diags.items[i].code.is_some) wp__free_str(x->u.diags.items[i].code.value);
      }
      wp__free_block(x->u.diags.items, x->u.diags.count);
      break;
  }
}

static void wp__free_action_list(wp__action *items, size_t len) {
  for (size_t i = 0; i < len; i++) wp__free_action(&items[i]);
  wp__free_block(items, len);
}

/* Hands the list over to a return area (ptr, len) and resets the builder. */
static void wp__lower_actions(wp_actions *a, uint32_t *ret) {
  if (a->len == 0) {
    free(a->items);
    ret[0] = 4;   /* empty list: any aligned pointer */
    ret[1] = 0;
  } else {
    ret[0] = (uint32_t)(uintptr_t)a->items;
    ret[1] = (uint32_t)a->len;
  }
  a->items = NULL;
  a->len = a->cap = 0;
}

/* ---- command results ---------------------------------------------------------------------------------------------- */

struct wp_command_result {
  bool failed;
  wp_str error;
  bool has_value;
  wp_str value;
  wp_actions actions;
};

void wp_result_value(wp_command_result *r, wp_str json) {
  if (r->has_value) wp__free_str(r->value);
  r->value = wp__dup(json);
  r->has_value = true;
}

wp_actions *wp_result_actions(wp_command_result *r) { return &r->actions; }

void wp_result_error(wp_command_result *r, wp_str message) {
  if (r->failed) wp__free_str(r->error);
  r->error = wp__dup(message);
  r->failed = true;
}

/* ---- events ------------------------------------------------------------------------------------------------------- */

static const char *const wp__event_names[] = {
  "document-opened", "document-saved", "document-will-save", "document-changed",
  "document-closed", "active-editor-changed", "selection-changed", "configuration-changed",
};

const char *wp_event_kind_name(wp_event_kind k) { return (unsigned)k < 8 ? wp__event_names[k] : "unknown"; }

/* ---- weak defaults for the plugin's callbacks --------------------------------------------------------------------- */

__attribute__((weak)) const char *wp_activate(void) { return NULL; }
__attribute__((weak)) void wp_deactivate(void) {}
__attribute__((weak)) void wp_run_command(wp_str id, wp_str args, wp_command_result *result) {
  (void)args;
  wp_buf msg = { 0 };
  wp_buf_append_c(&msg, "unknown command: ");
  wp_buf_append(&msg, id);
  wp_result_error(result, wp_buf_str(&msg));
  wp_buf_free(&msg);
}
__attribute__((weak)) void wp_handle_event(const wp_event *event, wp_actions *actions) { (void)event; (void)actions; }
__attribute__((weak)) void wp_render_panel(wp_str panel_id, wp_str state, wp_buf *html) {
  (void)panel_id; (void)state; (void)html;
}
__attribute__((weak)) void wp_panel_message(wp_str panel_id, wp_str json_message, wp_actions *actions) {
  (void)panel_id; (void)json_message; (void)actions;
}

/* ---- exports ------------------------------------------------------------------------------------------------------ */

/* activate: func() -> result<_, string>   area: u8 case at 0, string at 4/8 */
static uint32_t wp__ret_activate[3];

WP_EXPORT("activate")
uint32_t *wp__export_activate(void) {
  const char *err = wp_activate();
  memset(wp__ret_activate, 0, sizeof(wp__ret_activate));
  if (err) {
    wp_str e = wp__dup(wp_cstr(err));
    ((uint8_t *)wp__ret_activate)[0] = 1;
    wp__ret_activate[1] = (uint32_t)(uintptr_t)e.ptr;
    wp__ret_activate[2] = (uint32_t)e.len;
  }
  return wp__ret_activate;
}

WP_EXPORT("cabi_post_activate")
void wp__post_activate(uint32_t *ret) {
  if (((uint8_t *)ret)[0] == 1) wp__free_block((void *)(uintptr_t)ret[1], ret[2]);
}

WP_EXPORT("deactivate")
void wp__export_deactivate(void) { wp_deactivate(); }

/* run-command: func(id: string, args: string) -> result<command-result, string>
 * area (24 bytes): u8 case at 0; ok: option<string> value (u8 case at 4, string at 8/12), list<action> at 16/20;
 * error: string at 4/8. */
static uint32_t wp__ret_run[6];

WP_EXPORT("run-command")
uint32_t *wp__export_run_command(char *id_ptr, size_t id_len, char *args_ptr, size_t args_len) {
  wp_str id = wp__lift_str((uint32_t)(uintptr_t)id_ptr, id_len);
  wp_str args = wp__lift_str((uint32_t)(uintptr_t)args_ptr, args_len);
  wp_command_result r;
  memset(&r, 0, sizeof(r));
  wp_run_command(id, args, &r);
  wp__free_str(id);
  wp__free_str(args);

  uint32_t *ret = wp__ret_run;
  memset(ret, 0, sizeof(wp__ret_run));
  if (r.failed) {
    ((uint8_t *)ret)[0] = 1;
    ret[1] = (uint32_t)(uintptr_t)r.error.ptr;
    ret[2] = (uint32_t)r.error.len;
    if (r.has_value) wp__free_str(r.value);
    wp__free_action_list(r.actions.items, r.actions.len);
    return ret;
  }
  if (r.has_value) {
    ((uint8_t *)ret)[4] = 1;
    ret[2] = (uint32_t)(uintptr_t)r.value.ptr;
    ret[3] = (uint32_t)r.value.len;
  }
  wp__lower_actions(&r.actions, ret + 4);
  return ret;
}

WP_EXPORT("cabi_post_run-command")
void wp__post_run_command(uint32_t *ret) {
  if (((uint8_t *)ret)[0] == 1) {
    wp__free_block((void *)(uintptr_t)ret[1], ret[2]);
    return;
  }
  if (((uint8_t *)ret)[4] == 1) wp__free_block((void *)(uintptr_t)ret[2], ret[3]);
  wp__free_action_list((wp__action *)(uintptr_t)ret[4], ret[5]);
}

/* handle-event: func(event: editor-event) -> list<action>
 * The variant flattens to 10 i32: the case, then the joined payload (document-info takes 7 values: uri ptr/len,
 * language-id ptr/len, version, line-count, is-dirty; will-save adds the reason, document-change adds the change list
 * ptr/len; option<document-info> is a case value then the 7; selection-change is uri ptr/len + list ptr/len;
 * list<string> is ptr/len). */
static uint32_t wp__ret_event[2];

WP_EXPORT("handle-event")
uint32_t *wp__export_handle_event(int32_t tag, uint32_t p0, uint32_t p1, uint32_t p2, uint32_t p3, uint32_t p4,
                                  uint32_t p5, uint32_t p6, uint32_t p7, uint32_t p8) {
  wp_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.kind = (wp_event_kind)tag;
  ev.kind_name = wp_event_kind_name(ev.kind);
  ev.document = wp__doc(0, 0, 0, 0, 0, 0, 0);
  ev.uri = wp__lift_str(0, 0);
  wp_content_change *changes = NULL;
  wp_selection *selections = NULL;
  wp_str *sections = NULL;
  switch (ev.kind) {
    case WP_EVENT_DOCUMENT_OPENED:
    case WP_EVENT_DOCUMENT_SAVED:
    case WP_EVENT_DOCUMENT_CLOSED:
      ev.has_document = true;
      ev.document = wp__doc(p0, p1, p2, p3, p4, p5, p6);
      break;
    case WP_EVENT_DOCUMENT_WILL_SAVE:
      ev.has_document = true;
      ev.document = wp__doc(p0, p1, p2, p3, p4, p5, p6);
      ev.reason = (wp_save_reason)(p7 & 0xff);
      break;
    case WP_EVENT_DOCUMENT_CHANGED:
      ev.has_document = true;
      ev.document = wp__doc(p0, p1, p2, p3, p4, p5, p6);
      changes = (wp_content_change *)(uintptr_t)p7;
      ev.change_count = p8;
      for (size_t i = 0; i < ev.change_count; i++)
        changes[i].text = wp__lift_str((uint32_t)(uintptr_t)changes[i].text.ptr, changes[i].text.len);
      ev.changes = ev.change_count ? changes : NULL;
      break;
    case WP_EVENT_ACTIVE_EDITOR_CHANGED:
      if (p0 & 0xff) {
        ev.has_document = true;
        ev.document = wp__doc(p1, p2, p3, p4, p5, p6, p7);
      }
      break;
    case WP_EVENT_SELECTION_CHANGED:
      ev.uri = wp__lift_str(p0, p1);
      selections = (wp_selection *)(uintptr_t)p2;
      ev.selection_count = p3;
      ev.selections = ev.selection_count ? selections : NULL;
      break;
    case WP_EVENT_CONFIGURATION_CHANGED:
      sections = (wp_str *)(uintptr_t)p0;
      ev.section_count = p1;
      for (size_t i = 0; i < ev.section_count; i++)
        sections[i] = wp__lift_str((uint32_t)(uintptr_t)sections[i].ptr, sections[i].len);
      ev.sections = ev.section_count ? sections : NULL;
      break;
    default:
      __builtin_trap();   /* a case this SDK does not know: the host speaks a newer API */
  }

  wp_actions actions = { 0 };
  wp_handle_event(&ev, &actions);

  /* the callee owns lowered arguments: free them all */
  if (ev.has_document) wp_document_info_free(&ev.document);
  wp__free_str(ev.uri);
  for (size_t i = 0; i < ev.change_count; i++) wp__free_str(changes[i].text);
  wp__free_block(changes, ev.change_count);
  wp__free_block(selections, ev.selection_count);
  for (size_t i = 0; i < ev.section_count; i++) wp__free_str(sections[i]);
  wp__free_block(sections, ev.section_count);

  wp__lower_actions(&actions, wp__ret_event);
  return wp__ret_event;
}

WP_EXPORT("cabi_post_handle-event")
void wp__post_handle_event(uint32_t *ret) { wp__free_action_list((wp__action *)(uintptr_t)ret[0], ret[1]); }

/* render-panel: func(panel-id: string, state: string) -> string   area: ptr, len */
static uint32_t wp__ret_render[2];

WP_EXPORT("render-panel")
uint32_t *wp__export_render_panel(char *id_ptr, size_t id_len, char *state_ptr, size_t state_len) {
  wp_str id = wp__lift_str((uint32_t)(uintptr_t)id_ptr, id_len);
  wp_str state = wp__lift_str((uint32_t)(uintptr_t)state_ptr, state_len);
  wp_buf html = { 0 };
  wp_render_panel(id, state, &html);
  wp__free_str(id);
  wp__free_str(state);
  if (html.len == 0) {
    wp_buf_free(&html);
    wp__ret_render[0] = 1;
    wp__ret_render[1] = 0;
  } else {
    wp__ret_render[0] = (uint32_t)(uintptr_t)html.data;
    wp__ret_render[1] = (uint32_t)html.len;
  }
  return wp__ret_render;
}

WP_EXPORT("cabi_post_render-panel")
void wp__post_render_panel(uint32_t *ret) { wp__free_block((void *)(uintptr_t)ret[0], ret[1]); }

/* panel-message: func(panel-id: string, message: string) -> list<action> */
static uint32_t wp__ret_panel[2];

WP_EXPORT("panel-message")
uint32_t *wp__export_panel_message(char *id_ptr, size_t id_len, char *msg_ptr, size_t msg_len) {
  wp_str id = wp__lift_str((uint32_t)(uintptr_t)id_ptr, id_len);
  wp_str msg = wp__lift_str((uint32_t)(uintptr_t)msg_ptr, msg_len);
  wp_actions actions = { 0 };
  wp_panel_message(id, msg, &actions);
  wp__free_str(id);
  wp__free_str(msg);
  wp__lower_actions(&actions, wp__ret_panel);
  return wp__ret_panel;
}

WP_EXPORT("cabi_post_panel-message")
void wp__post_panel_message(uint32_t *ret) { wp__free_action_list((wp__action *)(uintptr_t)ret[0], ret[1]); }
