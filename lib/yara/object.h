/* object.h — the values YARA modules expose to conditions.
 *
 * A module is described twice:
 *   - a schema, `struct yobj_decl`, static const data written once per module:
 *     which members exist (`pe.sections`, `pe.sections[i].name`, ...), their
 *     types, and the functions with their argument signatures. The compiler
 *     resolves `pe.foo` and `pe.exports(1, 2)` against it, so an unknown member
 *     or a wrong signature is a compile-time error, as in YARA;
 *   - per scanned object, a tree of `struct yobj` values the module fills
 *     (lazily, if it likes) following that schema. Every value can be
 *     undefined (YARA's `defined` operator and its undefined propagation).
 *
 * Values live in an arena that is reset per object (yobj_arena_reset), so a
 * module can allocate freely while it fills them.
 *
 * Argument signatures of functions use one letter per argument, as YARA's
 * manual writes them: 'i' integer, 'f' float, 's' string, 'r' regular
 * expression; "" is no argument. */
#ifndef ASSAY_YARA_OBJECT_H
#define ASSAY_YARA_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yobj_type {
    YOBJ_INT = 1,
    YOBJ_FLOAT,
    YOBJ_STRING,
    YOBJ_STRUCT,
    YOBJ_ARRAY,      /* of one element type */
    YOBJ_DICT,       /* string keys to one element type */
    YOBJ_FUNC,       /* overloaded by argument signature */
};

struct yobj;
struct yobj_call;

/* A function's result; `defined` false is YARA's undefined. */
struct yobj_result {
    enum yobj_type type;  /* INT, FLOAT or STRING */
    bool defined;
    int64_t i;
    double f;
    const uint8_t *s;     /* valid until the object's arena is reset */
    size_t n;
};

struct yobj_arg {
    int64_t i;
    double f;
    const uint8_t *s;
    size_t n;
    const void *regex;    /* 'r': the compiled regular expression */
};

typedef void (*yobj_fn)(const struct yobj_call *call, const struct yobj_arg *args, struct yobj_result *out);

struct yobj_overload {
    const char *args;     /* signature, e.g. "ii", "s", "" */
    enum yobj_type result;
    yobj_fn fn;
};

struct yobj_decl {
    const char *name;
    enum yobj_type type;
    const struct yobj_decl *members;         /* STRUCT: terminated by a NULL name */
    const struct yobj_decl *element;         /* ARRAY, DICT: the element's declaration */
    const struct yobj_overload *overloads;   /* FUNC: terminated by a NULL args */
};

/* ---- function results -------------------------------------------------- */

/* Set a function's result (defined). yobj_ret_string copies the NUL-terminated
 * text into the call's arena; out of memory leaves the result undefined. */
void yobj_ret_int(struct yobj_result *out, int64_t v);
void yobj_ret_float(struct yobj_result *out, double v);
void yobj_ret_string(const struct yobj_call *call, struct yobj_result *out, const char *s);

/* ---- schema lookups (compile time) ------------------------------------- */

const struct yobj_decl *yobj_decl_member(const struct yobj_decl *d, const char *name);
/* The overload of function `d` taking `signature`, or NULL. */
const struct yobj_overload *yobj_decl_overload(const struct yobj_decl *d, const char *signature);

/* ---- values (scan time) ------------------------------------------------ */

struct yobj_arena {
    struct yobj_arena_block *head;
};

struct yobj {
    const struct yobj_decl *decl;
    bool defined;
    int64_t i;               /* INT */
    double f;                /* FLOAT */
    const uint8_t *s;        /* STRING (may hold NUL bytes) */
    size_t n;                /* STRING length; ARRAY/DICT element count */
    struct yobj *members;    /* STRUCT: one per decl member, in decl order */
    struct yobj *items;      /* ARRAY, DICT: n elements */
    const char **keys;       /* DICT: n keys */
};

/* Context handed to module functions: the module's own per-object state. */
struct yobj_call {
    void *module_state;
    struct yobj *self;       /* the structure holding the function (YARA's parent
                                object), e.g. pe.signatures[i] for valid_on() */
    const uint8_t *data;     /* the scanned object */
    size_t len;
    struct yobj_arena *arena;/* for results that need memory */
    /* console output for the scanned object (may be NULL) */
    void (*log)(void *user, const char *text, size_t n);
    void *log_user;
};

/* A fresh, all-undefined value tree for declaration `d` (structs get their
 * members; arrays and dicts start empty). NULL on ENOMEM. */
struct yobj *yobj_new(struct yobj_arena *a, const struct yobj_decl *d);
/* Setters mark the value defined. Strings are copied into the arena. */
void yobj_set_int(struct yobj *o, int64_t v);
void yobj_set_float(struct yobj *o, double v);
int yobj_set_string(struct yobj_arena *a, struct yobj *o, const void *s, size_t n);
/* Member `name` of a struct value (NULL if the schema has no such member). */
struct yobj *yobj_member(struct yobj *o, const char *name);
/* Resize an array to n all-undefined elements; returns the items or NULL. */
struct yobj *yobj_array_resize(struct yobj_arena *a, struct yobj *o, size_t n);
/* Add key to a dictionary; returns the new all-undefined element or NULL. */
struct yobj *yobj_dict_add(struct yobj_arena *a, struct yobj *o, const char *key);
/* Element lookups for conditions: NULL (undefined) when out of range / absent. */
struct yobj *yobj_index(struct yobj *o, int64_t i);
struct yobj *yobj_lookup(struct yobj *o, const uint8_t *key, size_t n);

void *yobj_arena_alloc(struct yobj_arena *a, size_t size); /* zeroed; NULL on ENOMEM */
void yobj_arena_reset(struct yobj_arena *a);                /* keeps one block for reuse */
void yobj_arena_free(struct yobj_arena *a);

#endif
