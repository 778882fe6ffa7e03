/* pages.h — giving back resident pages of a read-only file mapping.
 *
 * A file mapped MAP_PRIVATE and never written can drop the pages it has read
 * (MADV_DONTNEED): touching them again re-faults them from the page cache,
 * with the same bytes. Scanning big files and archives this way keeps the
 * process's resident memory flat. Never use it on heap memory: there it
 * would replace the data with zeros. */
#ifndef ASSAY_UTIL_PAGES_H
#define ASSAY_UTIL_PAGES_H

#include <stddef.h>
#include <stdint.h>

/* Drop the whole pages inside [data, data+len). */
void util_release_pages(const uint8_t *data, size_t len);

#endif
