/* default_db.h — the bundled sample database, used when no -d is given. */
#ifndef ASSAY_SIG_DEFAULT_DB_H
#define ASSAY_SIG_DEFAULT_DB_H

struct default_db_file {
    const char *name;   /* chooses the format and appears in evidence */
    const char *text;
};

extern const struct default_db_file default_db_files[];
extern const unsigned default_db_file_count;

#endif
