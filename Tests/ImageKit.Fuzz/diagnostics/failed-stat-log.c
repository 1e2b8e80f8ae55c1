/*
 * failed-stat-log: an LD_PRELOAD library that logs failed fstat/fstat64 calls (with the descriptor, errno, the path the
 * descriptor names and a backtrace, plus the earlier close() calls of that descriptor on a file named "*index*"), and
 * failed stat64 calls made by SQLite (e_sqlite3) on a path, skipping its routine probes of -wal/-journal files.
 * Written to find where the disk-index-shared target's SQLITE_IOERR_FSTAT came from (docs/fuzzing.md); far lighter
 * than strace, so it does not hide timing-dependent faults.
 *
 *   gcc -O2 -Wall -shared -fPIC -o /tmp/failed-stat-log.so Tests/ImageKit.Fuzz/diagnostics/failed-stat-log.c -ldl
 *   FAILED_STAT_LOG=/tmp/failed-stat.log AFL_PRELOAD=/tmp/failed-stat-log.so afl-fuzz ... (see docs/fuzzing.md)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*fstat_fn)(int, struct stat *);
typedef int (*fstat64_fn)(int, struct stat64 *);
typedef int (*stat64_fn)(const char *, struct stat64 *);
typedef int (*close_fn)(int);

static fstat_fn real_fstat;
static fstat64_fn real_fstat64;
static stat64_fn real_stat64;
static close_fn real_close;

#define RING 4096
struct closed { int fd; int tid; long ns; char path[96]; void *frames[10]; int depth; };
static struct closed ring[RING];
static atomic_uint ring_next;

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int open_log(void)
{
    const char *path = getenv("FAILED_STAT_LOG");
    return path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0644) : 2;
}

static void close_log(int out)
{
    if (out != 2) {
        if (!real_close) real_close = (close_fn)dlsym(RTLD_NEXT, "close");
        real_close(out);
    }
}

static void log_failed_fstat(const char *call, int fd, int err)
{
    int out = open_log();
    if (out < 0) return;
    char line[512], target[256] = "?", link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n >= 0) target[n] = 0;
    int len = snprintf(line, sizeof line, "=== %s failed pid=%d tid=%ld fd=%d errno=%d (%s) names=%s t=%ld\n",
        call, getpid(), (long)syscall(SYS_gettid), fd, err, strerror(err), target, now_ns());
    write(out, line, len);
    void *frames[32];
    backtrace_symbols_fd(frames, backtrace(frames, 32), out);
    unsigned end = atomic_load(&ring_next);
    for (unsigned i = end > RING ? end - RING : 0; i < end; i++) {
        struct closed *c = &ring[i % RING];
        if (c->fd != fd) continue;
        len = snprintf(line, sizeof line, "--- earlier close fd=%d tid=%d t=%ld path=%s\n", c->fd, c->tid, c->ns, c->path);
        write(out, line, len);
        backtrace_symbols_fd(c->frames, c->depth, out);
    }
    close_log(out);
}

int fstat(int fd, struct stat *st)
{
    if (!real_fstat) real_fstat = (fstat_fn)dlsym(RTLD_NEXT, "fstat");
    int r = real_fstat(fd, st);
    if (r != 0) { int e = errno; log_failed_fstat("fstat", fd, e); errno = e; }
    return r;
}

int fstat64(int fd, struct stat64 *st)
{
    if (!real_fstat64) real_fstat64 = (fstat64_fn)dlsym(RTLD_NEXT, "fstat64");
    int r = real_fstat64(fd, st);
    if (r != 0) { int e = errno; log_failed_fstat("fstat64", fd, e); errno = e; }
    return r;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int stat64(const char *path, struct stat64 *st)
{
    if (!real_stat64) real_stat64 = (stat64_fn)dlsym(RTLD_NEXT, "stat64");
    int r = real_stat64(path, st);
    if (r != 0) {
        int e = errno;
        Dl_info caller;
        if (dladdr(__builtin_return_address(0), &caller) && caller.dli_fname && strstr(caller.dli_fname, "e_sqlite3")
            && !ends_with(path, "-wal") && !ends_with(path, "-journal")) {
            int out = open_log();
            if (out >= 0) {
                char line[640];
                int len = snprintf(line, sizeof line, "=== stat64 by SQLite failed pid=%d tid=%ld errno=%d (%s) path=%s t=%ld\n",
                    getpid(), (long)syscall(SYS_gettid), e, strerror(e), path, now_ns());
                write(out, line, len);
                close_log(out);
            }
        }
        errno = e;
    }
    return r;
}

int close(int fd)
{
    if (!real_close) real_close = (close_fn)dlsym(RTLD_NEXT, "close");
    char link[64], target[96] = "";
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n > 0) {
        target[n] = 0;
        if (strstr(target, "index")) {
            struct closed *c = &ring[atomic_fetch_add(&ring_next, 1) % RING];
            c->fd = fd;
            c->tid = (int)syscall(SYS_gettid);
            c->ns = now_ns();
            memcpy(c->path, target, sizeof c->path);
            c->depth = backtrace(c->frames, 10);
        }
    }
    int r = real_close(fd);
    if (r != 0 && errno == EBADF) { log_failed_fstat("close", fd, EBADF); errno = EBADF; }
    return r;
}
