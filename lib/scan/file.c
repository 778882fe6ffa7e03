/* file.c — getting a file's bytes to scan_object() safely.
 *
 * Files up to SCAN_READ_MAX are read into the worker's buffer: copying them
 * costs less than mapping their pages, which every pass over a big object
 * faults in anew (signature-base over the 1 GB corpus, files of 64 KB to
 * 4 MB read instead of mapped: 3% less CPU). Bigger ones are mapped, not
 * read: no buffer sized to the largest file. A mapped file that shrinks while we read it raises
 * SIGBUS; a thread-local guard turns that into a reported problem ("file
 * changed during scan") instead of a crash. A file whose size or mtime
 * differs after the scan is reported the same way: its result may not
 * describe what is on disk now. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"

static _Thread_local sigjmp_buf *bus_guard;
static struct sigaction previous_bus;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
    if (bus_guard)
        siglongjmp(*bus_guard, 1);
    /* Not ours: behave as if we had never been installed. */
    if (previous_bus.sa_flags & SA_SIGINFO) {
        previous_bus.sa_sigaction(sig, info, uctx);
    } else if (previous_bus.sa_handler != SIG_IGN && previous_bus.sa_handler != SIG_DFL) {
        previous_bus.sa_handler(sig);
    } else {
        signal(SIGBUS, SIG_DFL);
        raise(SIGBUS);
    }
}

static void install_bus_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &previous_bus);
}

static bool read_all(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

static bool changed(const struct stat *a, const struct stat *b)
{
    return a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
           a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

static void scan_read(struct scan_worker *w, const char *path, int fd, size_t len)
{
    if (!w->read_buf && !(w->read_buf = malloc(SCAN_READ_MAX))) {
        scan_problem(w->run, path, ASSAY_ENOMEM, "out of memory reading the file");
        return;
    }
    errno = 0;
    if (!read_all(fd, w->read_buf, len)) {
        scan_problem(w->run, path, ASSAY_EIO, "read failed or file shrank: %s", errno ? strerror(errno) : "short read");
        return;
    }
    scan_object(w, path, w->read_buf, len, 0);
}

static void scan_mapped(struct scan_worker *w, const char *path, int fd, size_t len)
{
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        scan_problem(w->run, path, ASSAY_EIO, "cannot map: %s", strerror(errno));
        return;
    }
    madvise(map, len, MADV_SEQUENTIAL);
    pthread_once(&bus_once, install_bus_handler);
    sigjmp_buf jb;
    if (sigsetjmp(jb, 1) == 0) {
        bus_guard = &jb;
        w->file_backed = true;
        scan_object(w, path, map, len, 0);
    } else {
        scan_problem(w->run, path, ASSAY_EIO, "file was truncated while being scanned");
    }
    bus_guard = NULL;
    w->file_backed = false;
    munmap(map, len);
}

void scan_file(struct scan_worker *w, const char *path)
{
    struct scan_run *run = w->run;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        scan_problem(run, path, ASSAY_EIO, "cannot open: %s", strerror(errno));
        return;
    }
    struct stat before, after;
    if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
        /* Replaced by something else between the walk and now. */
        if (S_ISREG(before.st_mode))
            scan_problem(run, path, ASSAY_EIO, "cannot stat: %s", strerror(errno));
        else
            scan_skipped(run);
        close(fd);
        return;
    }
    if (run->opt->max_filesize && (uint64_t)before.st_size > run->opt->max_filesize) {
        scan_skipped(run);
        close(fd);
        return;
    }
    size_t len = (size_t)before.st_size;
    w->top_extracted = 0;
    if (len <= SCAN_READ_MAX)
        scan_read(w, path, fd, len);
    else
        scan_mapped(w, path, fd, len);
    if (fstat(fd, &after) == 0 && changed(&before, &after))
        scan_problem(run, path, ASSAY_EIO, "file changed while being scanned; the result may not match its current content");
    close(fd);
}

void scan_stdin(struct scan_worker *w)
{
    struct util_buf b = {0};
    for (;;) {
        if (util_buf_reserve(&b, 1 << 16) != 0) {
            scan_problem(w->run, "stdin", ASSAY_ENOMEM, "out of memory reading standard input");
            util_buf_free(&b);
            return;
        }
        ssize_t n = read(STDIN_FILENO, b.data + b.len, b.cap - b.len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            scan_problem(w->run, "stdin", ASSAY_EIO, "read failed: %s", strerror(errno));
            util_buf_free(&b);
            return;
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
    }
    w->top_extracted = 0;
    scan_object(w, "stdin", b.data ? b.data : (const uint8_t *)"", b.len, 0);
    util_buf_free(&b);
}
