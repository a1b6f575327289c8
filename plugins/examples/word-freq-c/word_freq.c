// word-freq: a WASI command-line program. Reads text from stdin (or the files named on the command line) and prints
// its line, word, character and byte counts and its most frequent words.
//
//   word-freq [--top N] [--json] [-o OUTPUT] [FILE...]
//
// A word is a run of letters, digits, apostrophes and non-ASCII characters; ASCII letters are folded to lower case.
// Characters are Unicode code points (UTF-8 continuation bytes are not counted). Exit status: 0 on success, 1 when a
// file could not be read or the report not written, 2 on a usage error. Plain C with wasi-libc: file access goes
// through the directories the host preopened (workspace folders, when the plugin was granted access).

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *word;
  size_t len;
  uint64_t count;
} entry;

typedef struct {
  entry *slots;
  size_t cap;    // power of two
  size_t used;
} table;

typedef struct {
  uint64_t lines, words, chars, bytes;
  int in_word;
  char *word;
  size_t word_len, word_cap;
  table words_seen;
} counter;

static _Noreturn void out_of_memory(void) {
  fputs("word-freq: out of memory\n", stderr);
  exit(3);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (q == NULL) out_of_memory();
  return q;
}

static uint64_t hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;   // FNV-1a
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static void table_grow(table *t);

static void table_add(table *t, const char *w, size_t n) {
  if ((t->used + 1) * 4 > t->cap * 3) table_grow(t);
  size_t i = hash(w, n) & (t->cap - 1);
  for (;;) {
    entry *e = &t->slots[i];
    if (e->word == NULL) {
      e->word = xrealloc(NULL, n);
      memcpy(e->word, w, n);
      e->len = n;
      e->count = 1;
      t->used++;
      return;
    }
    if (e->len == n && memcmp(e->word, w, n) == 0) {
      e->count++;
      return;
    }
    i = (i + 1) & (t->cap - 1);
  }
}

static void table_grow(table *t) {
  table bigger = { calloc(t->cap ? t->cap * 2 : 256, sizeof(entry)), t->cap ? t->cap * 2 : 256, 0 };
  if (bigger.slots == NULL) out_of_memory();
  for (size_t i = 0; i < t->cap; i++) {
    entry *e = &t->slots[i];
    if (e->word == NULL) continue;
    size_t j = hash(e->word, e->len) & (bigger.cap - 1);
    while (bigger.slots[j].word != NULL) j = (j + 1) & (bigger.cap - 1);
    bigger.slots[j] = *e;
    bigger.used++;
  }
  free(t->slots);
  *t = bigger;
}

static int is_word_byte(unsigned char c) {
  return isalnum(c) || c == '\'' || c >= 0x80;
}

static void end_word(counter *c) {
  if (!c->in_word) return;
  // Apostrophes only join words ("don't"); leading/trailing ones are quotes.
  size_t start = 0, end = c->word_len;
  while (start < end && c->word[start] == '\'') start++;
  while (end > start && c->word[end - 1] == '\'') end--;
  if (end > start) {
    c->words++;
    table_add(&c->words_seen, c->word + start, end - start);
  }
  c->in_word = 0;
  c->word_len = 0;
}

static void feed(counter *c, const unsigned char *buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char b = buf[i];
    c->bytes++;
    if ((b & 0xC0) != 0x80) c->chars++;
    if (b == '\n') c->lines++;
    if (is_word_byte(b)) {
      if (c->word_len == c->word_cap) {
        c->word_cap = c->word_cap ? c->word_cap * 2 : 64;
        c->word = xrealloc(c->word, c->word_cap);
      }
      c->word[c->word_len++] = (char)tolower(b);
      c->in_word = 1;
    } else {
      end_word(c);
    }
  }
}

static int feed_stream(counter *c, FILE *f) {
  unsigned char buf[16384];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) feed(c, buf, n);
  return ferror(f) ? -1 : 0;
}

static int by_count(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->count != y->count) return x->count < y->count ? 1 : -1;
  size_t n = x->len < y->len ? x->len : y->len;
  int r = memcmp(x->word, y->word, n);
  return r != 0 ? r : (x->len > y->len) - (x->len < y->len);
}

static void json_string(FILE *out, const char *s, size_t n) {
  fputc('"', out);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"' || ch == '\\') fprintf(out, "\\%c", ch);
    else if (ch < 0x20) fprintf(out, "\\u%04x", ch);
    else fputc(ch, out);
  }
  fputc('"', out);
}

static void report(counter *c, FILE *out, size_t top, int json) {
  table *t = &c->words_seen;
  entry *sorted = xrealloc(NULL, (t->used ? t->used : 1) * sizeof(entry));
  size_t k = 0;
  for (size_t i = 0; i < t->cap; i++) if (t->slots[i].word != NULL) sorted[k++] = t->slots[i];
  qsort(sorted, k, sizeof(entry), by_count);
  if (top > k) top = k;
  if (json) {
    fprintf(out, "{\"lines\":%llu,\"words\":%llu,\"chars\":%llu,\"bytes\":%llu,\"unique\":%zu,\"top\":[",
            (unsigned long long)c->lines, (unsigned long long)c->words, (unsigned long long)c->chars,
            (unsigned long long)c->bytes, k);
    for (size_t i = 0; i < top; i++) {
      fprintf(out, "%s{\"word\":", i ? "," : "");
      json_string(out, sorted[i].word, sorted[i].len);
      fprintf(out, ",\"count\":%llu}", (unsigned long long)sorted[i].count);
    }
    fputs("]}\n", out);
  } else {
    fprintf(out, "lines %llu\nwords %llu\nchars %llu\nbytes %llu\nunique words %zu\n",
            (unsigned long long)c->lines, (unsigned long long)c->words, (unsigned long long)c->chars,
            (unsigned long long)c->bytes, k);
    if (top > 0) fprintf(out, "top %zu:\n", top);
    for (size_t i = 0; i < top; i++) fprintf(out, "%8llu  %.*s\n", (unsigned long long)sorted[i].count, (int)sorted[i].len, sorted[i].word);
  }
  free(sorted);
}

static int usage(const char *message) {
  fprintf(stderr, "word-freq: %s\nusage: word-freq [--top N] [--json] [-o OUTPUT] [FILE...]\n", message);
  return 2;
}

int main(int argc, char **argv) {
  size_t top = 10;
  int json = 0;
  const char *output = NULL;
  const char *files[64];
  int nfiles = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--top") == 0 || strcmp(a, "-n") == 0) {
      char *end;
      if (i + 1 >= argc) return usage("--top needs a number");
      long n = strtol(argv[++i], &end, 10);
      if (*end != '\0' || n < 0 || n > 100000) return usage("--top needs a number between 0 and 100000");
      top = (size_t)n;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (i + 1 >= argc) return usage("-o needs a file name");
      output = argv[++i];
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage("unknown option");
    } else if (nfiles < 64) {
      files[nfiles++] = a;
    } else {
      return usage("at most 64 files");
    }
  }

  counter c = {0};
  int status = 0;
  if (nfiles == 0) {
    if (feed_stream(&c, stdin) != 0) {
      fprintf(stderr, "word-freq: reading stdin: %s\n", strerror(errno));
      status = 1;
    }
  }
  for (int i = 0; i < nfiles; i++) {
    FILE *f = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "rb");
    if (f == NULL) {
      fprintf(stderr, "word-freq: %s: %s\n", files[i], strerror(errno));
      status = 1;
      continue;
    }
    if (feed_stream(&c, f) != 0) {
      fprintf(stderr, "word-freq: %s: %s\n", files[i], strerror(errno));
      status = 1;
    }
    end_word(&c);   // a word never continues into the next file
    if (f != stdin) fclose(f);
  }
  end_word(&c);

  FILE *out = stdout;
  if (output != NULL) {
    out = fopen(output, "w");
    if (out == NULL) {
      fprintf(stderr, "word-freq: %s: %s\n", output, strerror(errno));
      return 1;
    }
  }
  report(&c, out, top, json);
  if (out != stdout && fclose(out) != 0) {
    fprintf(stderr, "word-freq: %s: %s\n", output, strerror(errno));
    return 1;
  }
  return status;
}
