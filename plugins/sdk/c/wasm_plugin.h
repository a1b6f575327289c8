/*
 * WASM Plugin Host — C SDK for plugin API 0.1.0 (wit/since-v0.1.0).
 *
 * Compile wasm_plugin.c together with your plugin (see plugins/README.md):
 *
 *   clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -nostartfiles -Wl,--no-entry -Wl,--strip-all \
 *            -I plugins/sdk/c -o plugin.wasm plugin.c plugins/sdk/c/wasm_plugin.c
 *
 * The SDK owns the canonical ABI: it exports `cabi_realloc`, the world's functions (`activate`, `run-command`, ...)
 * and their `cabi_post_*` companions, lifts arguments into the structs below and frees them after your callback
 * returns, and lowers what you build with the builders. A plugin only implements the `wp_*` callbacks it needs;
 * the others have weak defaults (no actions, empty panel, activation succeeds).
 *
 * Strings. `wp_str` is a borrowed view (pointer + byte length, UTF-8). Views handed to callbacks are valid until the
 * callback returns, and they are also NUL-terminated (`s.ptr[s.len] == 0`), so `s.ptr` can be used as a C string
 * when the text has no embedded NUL. `wp_string` is an owned string (malloc'd, NUL-terminated): release it with
 * `wp_string_free`. Every builder copies what it is given, so passing temporaries is fine.
 *
 * Positions count UTF-16 code units (VS Code's `Position`); `wp_utf16_len` converts UTF-8 byte runs.
 */
#ifndef WASM_PLUGIN_H
#define WASM_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- strings ------------------------------------------------------------------------------------------------- */

typedef struct { const char *ptr; size_t len; } wp_str;   /* borrowed UTF-8; ABI layout of a WIT `string` */
typedef struct { char *ptr; size_t len; } wp_string;      /* owned, NUL-terminated; free with wp_string_free */

#define WP_LIT(s) ((wp_str){ (s), sizeof(s) - 1 })        /* a string literal as wp_str */
wp_str wp_cstr(const char *s);                            /* a NUL-terminated string as wp_str (NULL → empty) */
static inline wp_str wp_view(wp_string s) { return (wp_str){ s.ptr, s.len }; }
bool wp_str_eq(wp_str a, const char *b);                  /* byte equality with a C string */
bool wp_str_starts_with(wp_str a, const char *prefix);
wp_string wp_string_copy(wp_str s);
void wp_string_free(wp_string *s);                        /* frees and resets to {NULL, 0}; NULL-safe */
size_t wp_utf16_len(const char *utf8, size_t len);        /* UTF-16 code units in a UTF-8 byte run */

/* Growable byte buffer for building JSON, HTML and messages. Zero-initialise (`wp_buf b = {0};`), free with
 * wp_buf_free. `data` is always NUL-terminated once anything was appended. */
typedef struct { char *data; size_t len; size_t cap; } wp_buf;
void wp_buf_append(wp_buf *b, wp_str s);
void wp_buf_append_c(wp_buf *b, const char *s);
void wp_buf_append_char(wp_buf *b, char c);
void wp_buf_append_u64(wp_buf *b, uint64_t v);
void wp_buf_append_i64(wp_buf *b, int64_t v);
void wp_buf_append_json_string(wp_buf *b, wp_str s);      /* appends "…" with JSON escapes */
void wp_buf_append_html(wp_buf *b, wp_str s);             /* appends text with &<>"' escaped */
static inline wp_str wp_buf_str(const wp_buf *b) { return (wp_str){ b->data ? b->data : "", b->len }; }
void wp_buf_clear(wp_buf *b);                             /* len = 0, keeps the allocation */
void wp_buf_free(wp_buf *b);

/* Tiny JSON readers, enough for command arguments and panel messages (no full parser). */
/* If `json` (after whitespace) is a JSON string, appends its decoded text to `out` and returns true. */
bool wp_json_parse_string(wp_str json, wp_buf *out);
/* Finds `"key": "<string>"` among the top-level members of a JSON object and appends the decoded value. */
bool wp_json_get_string(wp_str json, const char *key, wp_buf *out);
/* Finds `"key": <integer>` among the top-level members of a JSON object. */
bool wp_json_get_i64(wp_str json, const char *key, int64_t *out);

/* ---- WIT types (interface `types`), in canonical-ABI memory layout --------------------------------------------- */
/* Enums are stored as uint8_t fields (the ABI's discriminant size); the typedef'd enums name the values. */

typedef struct { uint32_t line, character; } wp_position;
typedef struct { wp_position start, end; } wp_range;
typedef struct { wp_position anchor, active; } wp_selection;

typedef struct { wp_range range; wp_str new_text; } wp_text_edit;

typedef struct {
  wp_str uri;
  wp_str language_id;
  uint32_t version;
  uint32_t line_count;
  bool is_dirty;
} wp_document_info;

typedef enum { WP_LOG_TRACE, WP_LOG_DEBUG, WP_LOG_INFO, WP_LOG_WARNING, WP_LOG_ERROR } wp_log_level;
typedef enum { WP_NOTIFY_INFO, WP_NOTIFY_WARNING, WP_NOTIFY_ERROR } wp_notify_level;
typedef enum { WP_SEVERITY_ERROR, WP_SEVERITY_WARNING, WP_SEVERITY_INFORMATION, WP_SEVERITY_HINT } wp_severity;
typedef enum { WP_SCOPE_GLOBAL, WP_SCOPE_WORKSPACE } wp_storage_scope;
typedef enum { WP_SAVE_MANUAL, WP_SAVE_AFTER_DELAY, WP_SAVE_FOCUS_OUT } wp_save_reason;

typedef struct { uint8_t is_some; wp_str value; } wp_option_str;   /* option<string> */

typedef struct {
  wp_range range;
  uint8_t severity;          /* wp_severity */
  wp_str message;
  wp_option_str code;        /* use wp_some / wp_none */
} wp_diagnostic;

static inline wp_option_str wp_some(wp_str s) { return (wp_option_str){ 1, s }; }
static inline wp_option_str wp_none(void) { return (wp_option_str){ 0, { 0, 0 } }; }

typedef struct { wp_range range; wp_str text; } wp_content_change;

/* ---- host calls ------------------------------------------------------------------------------------------------- */

/* Host functions other than log return WP_OK or the host-error case + 1 (denied, not-found, …); wp_last_error() has
 * the case's message (valid until the next host call). */
typedef enum {
  WP_OK = 0,
  WP_ERR_DENIED = 1,      /* the capability is not granted */
  WP_ERR_NOT_FOUND = 2,
  WP_ERR_INVALID = 3,
  WP_ERR_TOO_LARGE = 4,
  WP_ERR_FAILED = 5,
} wp_status;

const char *wp_last_error(void);                 /* message of the last failed host call ("" if none) */
const char *wp_status_name(wp_status s);         /* "ok", "denied", "not-found", "invalid", "too-large", "failed" */

/* log (no capability) */
void wp_log(wp_log_level level, wp_str message);
/* notifications */
wp_status wp_notify(wp_notify_level level, wp_str message);
/* status-bar: empty text hides the item; tooltip NULL = none */
wp_status wp_status_bar_set(wp_str text, const wp_str *tooltip);

/* editor-read. Owned document info: strings are malloc'd; release with wp_document_info_free. */
void wp_document_info_free(wp_document_info *d);
wp_status wp_active_document(wp_document_info *out, bool *present);
wp_status wp_document_text(wp_str uri, wp_string *out);
wp_status wp_selections(wp_selection **out, size_t *count);          /* free(*out) when done */

/* editor-write */
wp_status wp_apply_edit(wp_str uri, const wp_text_edit *edits, size_t count);
/* diagnostics: an empty list clears them */
wp_status wp_diagnostics_set(wp_str uri, const wp_diagnostic *items, size_t count);

/* storage */
typedef struct { wp_string *items; size_t len; } wp_string_list;
void wp_string_list_free(wp_string_list *l);
wp_status wp_storage_get(wp_storage_scope scope, wp_str key, wp_string *value, bool *found);
wp_status wp_storage_set(wp_storage_scope scope, wp_str key, wp_str value);
wp_status wp_storage_remove(wp_storage_scope scope, wp_str key);
wp_status wp_storage_keys(wp_storage_scope scope, wp_string_list *out);

/* workspace-read / workspace-write: paths are relative to the first workspace folder */
wp_status wp_read_file(wp_str path, wp_string *out);
wp_status wp_write_file(wp_str path, wp_str contents);

/* configuration: the setting's value as JSON text */
wp_status wp_config_get(wp_str key, wp_string *value, bool *found);

/* panels */
wp_status wp_panel_post(wp_str panel_id, wp_str json_message);

/* ---- events --------------------------------------------------------------------------------------------------- */

typedef enum {
  WP_EVENT_DOCUMENT_OPENED,
  WP_EVENT_DOCUMENT_SAVED,
  WP_EVENT_DOCUMENT_WILL_SAVE,
  WP_EVENT_DOCUMENT_CHANGED,
  WP_EVENT_DOCUMENT_CLOSED,
  WP_EVENT_ACTIVE_EDITOR_CHANGED,
  WP_EVENT_SELECTION_CHANGED,
  WP_EVENT_CONFIGURATION_CHANGED,
} wp_event_kind;

/* A lifted `editor-event`. Only the fields of its kind are set; everything is borrowed for the callback. */
typedef struct {
  wp_event_kind kind;
  const char *kind_name;              /* "document-opened", … as in the manifest's "events" */
  bool has_document;                  /* opened/saved/will-save/changed/closed; active-editor-changed when some */
  wp_document_info document;
  wp_save_reason reason;              /* document-will-save */
  const wp_content_change *changes;   /* document-changed, oldest first */
  size_t change_count;
  wp_str uri;                         /* selection-changed */
  const wp_selection *selections;     /* selection-changed */
  size_t selection_count;
  const wp_str *sections;             /* configuration-changed */
  size_t section_count;
} wp_event;

const char *wp_event_kind_name(wp_event_kind k);

/* ---- results ---------------------------------------------------------------------------------------------------- */

/* A list of actions for the host to perform (WIT `list<action>`); every function copies its arguments. */
typedef struct wp_actions wp_actions;
void wp_actions_notify(wp_actions *a, wp_notify_level level, wp_str message);
void wp_actions_insert_text(wp_actions *a, wp_str text);          /* replaces every selection of the active editor */
void wp_actions_apply_edit(wp_actions *a, wp_str uri, const wp_text_edit *edits, size_t count);
void wp_actions_set_status(wp_actions *a, wp_str text);
void wp_actions_post_to_panel(wp_actions *a, wp_str panel_id, wp_str json_message);
void wp_actions_open_panel(wp_actions *a, wp_str panel_id);
void wp_actions_set_diagnostics(wp_actions *a, wp_str uri, const wp_diagnostic *items, size_t count);
size_t wp_actions_count(const wp_actions *a);

/* The result of run-command: an optional JSON value plus actions, or an error. */
typedef struct wp_command_result wp_command_result;
void wp_result_value(wp_command_result *r, wp_str json);          /* JSON text for executeCommand's caller */
wp_actions *wp_result_actions(wp_command_result *r);
void wp_result_error(wp_command_result *r, wp_str message);       /* the command fails with this message */

/* ---- what the plugin implements (all optional; weak defaults in wasm_plugin.c) -------------------------------- */

/* Return NULL on success, or an error message (copied; a static string is fine). */
const char *wp_activate(void);
void wp_deactivate(void);
/* `args` is JSON text (`null` from the command palette). Unknown ids: call wp_result_error. */
void wp_run_command(wp_str id, wp_str args, wp_command_result *result);
void wp_handle_event(const wp_event *event, wp_actions *actions);
/* Append the panel's HTML body to `html`. `state` is the JSON the panel last saved (`null` the first time). */
void wp_render_panel(wp_str panel_id, wp_str state, wp_buf *html);
void wp_panel_message(wp_str panel_id, wp_str json_message, wp_actions *actions);

#ifdef __cplusplus
}
#endif
#endif /* WASM_PLUGIN_H */
