// wasi-probe: a test fixture for the host's WASI runtime. `wasi-probe <op> [args]` does one thing and reports the
// outcome on stdout (results) or stderr ("error: <strerror>", exit 1), so tests can assert on exact errno texts.
//
//   cat PATH            print a file              write PATH TEXT   create/truncate and write
//   append PATH TEXT    append                    ls DIR            list entries, sorted, one per line
//   mkdir PATH / rmdir PATH / rm PATH / rename FROM TO / symlink TARGET LINK / stat PATH (prints size and type)
//   echo                copy stdin to stdout with read()/write() until EOF, then "eof" on stderr
//   lines               read stdin line by line (fgets), answer each with "got <line>"
//   sleep MS            nanosleep (poll_oneoff with a clock), then "slept"
//   args / env          print argv[1..] / the environment, one per line
//   exit N              exit with code N
//   trap                __builtin_trap()
//   spin                loop forever
//   grow MB             allocate and touch MB mebibytes in 1 MiB blocks; prints "allocated N" or "out of memory after N"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what) {
  fprintf(stderr, "error: %s: %s\n", what, strerror(errno));
  return 1;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int write_file(const char *path, const char *text, const char *mode) {
  FILE *f = fopen(path, mode);
  if (f == NULL) return fail(path);
  if (fputs(text, f) < 0) return fail(path);
  if (fclose(f) != 0) return fail(path);
  puts("ok");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: wasi-probe <op> [args]\n", stderr);
    return 2;
  }
  const char *op = argv[1];
  const char *a = argc > 2 ? argv[2] : "";
  const char *b = argc > 3 ? argv[3] : "";
  if (strcmp(op, "cat") == 0) {
    FILE *f = fopen(a, "rb");
    if (f == NULL) return fail(a);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
    if (ferror(f)) return fail(a);
    fclose(f);
    return 0;
  }
  if (strcmp(op, "write") == 0) return write_file(a, b, "w");
  if (strcmp(op, "append") == 0) return write_file(a, b, "a");
  if (strcmp(op, "ls") == 0) {
    DIR *d = opendir(a);
    if (d == NULL) return fail(a);
    char *names[1024];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && count < 1024) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof names[0], cmp);
    for (int i = 0; i < count; i++) puts(names[i]);
    return 0;
  }
  if (strcmp(op, "mkdir") == 0) return mkdir(a, 0777) == 0 ? (puts("ok"), 0) : fail(a);
  if (strcmp(op, "rmdir") == 0) return rmdir(a) == 0 ? (puts("ok"), 0) : fail(a);
  if (strcmp(op, "rm") == 0) return unlink(a) == 0 ? (puts("ok"), 0) : fail(a);
  if (strcmp(op, "rename") == 0) return rename(a, b) == 0 ? (puts("ok"), 0) : fail(a);
  if (strcmp(op, "symlink") == 0) return symlink(a, b) == 0 ? (puts("ok"), 0) : fail(b);
  if (strcmp(op, "stat") == 0) {
    struct stat st;
    if (stat(a, &st) != 0) return fail(a);
    printf("%lld %s\n", (long long)st.st_size, S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other");
    return 0;
  }
  if (strcmp(op, "echo") == 0) {
    char buf[1000];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
      for (ssize_t at = 0; at < n;) {
        ssize_t w = write(1, buf + at, n - at);
        if (w < 0) return fail("stdout");
        at += w;
      }
    }
    if (n < 0) return fail("stdin");
    fputs("eof\n", stderr);
    return 0;
  }
  if (strcmp(op, "lines") == 0) {
    char line[4096];
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof line, stdin) != NULL) printf("got %s", line);
    return 0;
  }
  if (strcmp(op, "sleep") == 0) {
    long ms = atol(a);
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    if (nanosleep(&t, NULL) != 0) return fail("nanosleep");
    puts("slept");
    return 0;
  }
  if (strcmp(op, "args") == 0) {
    for (int i = 2; i < argc; i++) puts(argv[i]);
    return 0;
  }
  if (strcmp(op, "env") == 0) {
    for (char **e = environ; *e != NULL; e++) puts(*e);
    return 0;
  }
  if (strcmp(op, "exit") == 0) return atoi(a);
  if (strcmp(op, "trap") == 0) __builtin_trap();
  if (strcmp(op, "spin") == 0) {
    fputs("spinning\n", stderr);
    volatile unsigned long n = 0;
    for (;;) n++;
  }
  if (strcmp(op, "grow") == 0) {
    static char *volatile keep[4096];   // volatile: the optimiser must not drop the allocations
    long want = atol(a), got = 0;
    for (; got < want && got < 4096; got++) {
      char *block = malloc(1 << 20);
      if (block == NULL) {
        printf("out of memory after %ld\n", got);
        return 3;
      }
      memset(block, 1, 1 << 20);
      keep[got] = block;
    }
    printf("allocated %ld\n", got);
    return 0;
  }
  fprintf(stderr, "unknown op %s\n", op);
  return 2;
}
