/* pages.h — the resident pages of a read-only file mapping.
 *
 * A file mapped MAP_PRIVATE and never written can drop the pages it has read
 * (MADV_DONTNEED): touching them again re-faults them from the page cache,
 * with the same bytes. Scanning big files and archives this way keeps the
 * process's resident memory flat. Never use it on heap memory: there it
 * would replace the data with zeros.
 *
 * Before a range is read through, it can be mapped in one call
 * (MADV_POPULATE_READ, Linux 5.14): faulting it in page by page costs more
 * (signature-base over the 1 GB corpus: 7% of the scan's CPU, each pass over
 * a big file faulting its pages anew after the last one dropped them). */
#ifndef ASSAY_UTIL_PAGES_H
#define ASSAY_UTIL_PAGES_H

#include <stddef.h>
#include <stdint.h>

/* Drop the whole pages inside [data, data+len). */
void util_release_pages(const uint8_t *data, size_t len);

/* Map the pages of [data, data+len) of a file mapping, ahead of reading
 * them. Best effort: an older kernel, or a file that shrank, leaves them
 * to be faulted in as they are read. */
void util_populate_pages(const uint8_t *data, size_t len);

#endif
