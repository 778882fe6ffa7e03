/* db.h — the public assay_db handle: an engine plus how it was loaded
 * (from sources, or mapped from a compiled file by dbfile.c). */
#ifndef ASSAY_ENGINE_DB_H
#define ASSAY_ENGINE_DB_H

#include "assay.h"
#include "engine.h"

struct assay_db {
    struct engine engine;
    void *map;                 /* compiled database mapping, or NULL */
    size_t map_len;
    bool finalized;
    size_t sources_loaded;
};

/* Compiled databases (dbfile.c). */
bool dbfile_is_compiled(const uint8_t *data, size_t len);
/* Adopt the mapping: fills db->engine views, Vectorscan databases and YARA
 * rules (whose regex programs stay in the mapping). The payload checksum is
 * computed by reading `fd` (so checking it does not make the whole mapping
 * resident), or from the mapping itself when fd < 0. fd >= 0 also says that
 * `map` is a read-only file mapping, whose pages loading may give back; fd < 0
 * (e.g. a copy on the heap) keeps every page. */
int dbfile_load(struct assay_db *db, const char *path, void *map, size_t len, int fd);
int dbfile_save(const struct assay_db *db, const char *path);

#endif
