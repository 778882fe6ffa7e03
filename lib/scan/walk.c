/* walk.c — turning the paths a user names into a stream of regular files.
 *
 * Rules (documented in docs/scanning.md):
 *   - a path named on the command line is followed even if it is a symlink;
 *     symlinks met inside folders are skipped unless follow_symlinks is set;
 *   - with follow_symlinks every folder is entered once, by (device, inode),
 *     so loops end; a link back to a folder being walked is reported;
 *   - one_file_system keeps the walk on the device of the named path;
 *   - FIFOs, sockets and devices are never opened (a FIFO would block) and
 *     are counted as skipped; so are excluded paths and oversized files;
 *   - folders deeper than WALK_MAX_DEPTH are reported, not entered;
 *   - a folder met inside the walk that is on a kernel pseudo file system
 *     (/proc, /sys, cgroups, debugfs...) is not entered and counted as
 *     skipped: its "files" are kernel state (/proc/kcore is the size of the
 *     address space), not content. Named explicitly, such a path is walked. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <linux/magic.h>

#include "../util/idset.h"
#include "scan.h"

#define WALK_MAX_DEPTH 4096

struct walker {
    struct scan_run *run;
    dev_t root_dev;
    struct util_idset visited;
};

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static bool excluded(const struct scan_run *run, const char *path)
{
    for (size_t i = 0; i < run->opt->exclude_count; i++) {
        const char *g = run->opt->excludes[i];
        if (fnmatch(g, path, 0) == 0 || fnmatch(g, base_name(path), 0) == 0)
            return true;
    }
    return false;
}

static void walk_entry(struct walker *w, char *path, bool named, unsigned depth);

static void walk_dir(struct walker *w, const char *path, const struct stat *st, unsigned depth)
{
    struct scan_run *run = w->run;
    if (depth > WALK_MAX_DEPTH) {
        scan_problem(run, path, ASSAY_ELIMIT, "folder nesting deeper than %d; not entered", WALK_MAX_DEPTH);
        return;
    }
    if (run->opt->follow_symlinks) {
        int added = util_idset_add(&w->visited, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
        if (added == 0) {
            scan_problem(run, path, ASSAY_ELIMIT, "symlink loop or folder reached twice; not entered again");
            return;
        }
    }
    DIR *d = opendir(path);
    if (!d) {
        scan_problem(run, path, ASSAY_EIO, "cannot open folder: %s", strerror(errno));
        return;
    }
    size_t plen = strlen(path);
    bool slash = plen > 0 && path[plen - 1] == '/';
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t n = plen + strlen(e->d_name) + 2;
        char *child = malloc(n);
        if (!child) {
            scan_problem(run, path, ASSAY_ENOMEM, "out of memory");
            break;
        }
        snprintf(child, n, "%s%s%s", path, slash ? "" : "/", e->d_name);
        walk_entry(w, child, false, depth + 1);
        errno = 0;
    }
    if (errno)
        scan_problem(run, path, ASSAY_EIO, "error reading folder: %s", strerror(errno));
    closedir(d);
}

/* Takes ownership of path. */
/* Kernel pseudo file systems, by statfs magic. tmpfs is not one of them:
 * /tmp and /dev/shm hold real files. */
static bool pseudo_file_system(const char *path)
{
    static const long magics[] = {
        PROC_SUPER_MAGIC,   SYSFS_MAGIC,       DEVPTS_SUPER_MAGIC, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
        DEBUGFS_MAGIC,      TRACEFS_MAGIC,     SECURITYFS_MAGIC,   PSTOREFS_MAGIC,     BPF_FS_MAGIC,
        EFIVARFS_MAGIC,     NSFS_MAGIC,        BINFMTFS_MAGIC,     SELINUX_MAGIC,      HUGETLBFS_MAGIC,
        AUTOFS_SUPER_MAGIC, 0x62656570 /* configfs */, 0x65735543 /* fusectl */, 0x19800202 /* mqueue */,
    };
    struct statfs sf;
    if (statfs(path, &sf) != 0)
        return false;
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if ((long)sf.f_type == magics[i])
            return true;
    return false;
}

static void walk_entry(struct walker *w, char *path, bool named, unsigned depth)
{
    struct scan_run *run = w->run;
    if (!named && excluded(run, path)) {
        scan_skipped(run);
        free(path);
        return;
    }
    struct stat st;
    if (lstat(path, &st) != 0) {
        scan_problem(run, path, ASSAY_EIO, "%s", strerror(errno));
        free(path);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        if (!named && !run->opt->follow_symlinks) {
            scan_skipped(run);
            free(path);
            return;
        }
        if (stat(path, &st) != 0) {
            scan_problem(run, path, ASSAY_EIO, "broken symlink: %s", strerror(errno));
            free(path);
            return;
        }
    }
    if (named)
        w->root_dev = st.st_dev;
    if (run->opt->one_file_system && st.st_dev != w->root_dev) {
        scan_skipped(run);
        free(path);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        /* a mount point below the named path: only then can the file system change */
        if (!named && (run->opt->no_subfolders || (st.st_dev != w->root_dev && pseudo_file_system(path))))
            scan_skipped(run);
        else
            walk_dir(w, path, &st, depth);
        free(path);
    } else if (S_ISREG(st.st_mode)) {
        if (run->opt->max_filesize && (uint64_t)st.st_size > run->opt->max_filesize) {
            scan_skipped(run);
            free(path);
            return;
        }
        scan_queue_push(run->queue, path);
    } else {
        scan_skipped(run); /* FIFO, socket, character or block device */
        free(path);
    }
}

void scan_walk(struct scan_run *run, const char *path)
{
    struct walker w = {.run = run};
    char *copy = strdup(path);
    if (!copy) {
        scan_problem(run, path, ASSAY_ENOMEM, "out of memory");
        return;
    }
    walk_entry(&w, copy, true, 0);
    util_idset_free(&w.visited);
}
