/* pages.c — see pages.h. */
#include "pages.h"

#include <sys/mman.h>
#include <unistd.h>

void util_release_pages(const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)data + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)data + len) & ~(page - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_DONTNEED);
}

void util_populate_pages(const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)data & ~(page - 1);
    (void)madvise((void *)start, (uintptr_t)data + len - start, MADV_POPULATE_READ);
}
