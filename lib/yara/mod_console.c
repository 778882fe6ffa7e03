/* mod_console.c — YARA's "console" module: console.log() and console.hex()
 * print a message for the scanned object (to the scan's message callback)
 * and are always true, so they can sit anywhere in a condition. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "module.h"
#include "util/buf.h"

static void emit(const struct yobj_call *c, const char *text, size_t n, struct yobj_result *o)
{
    if (c->log)
        c->log(c->log_user, text, n);
    o->type = YOBJ_INT;
    o->i = 1;
    o->defined = true;
}

/* Non-printable bytes of a string argument as \xHH, as YARA prints them. */
static void put_text(struct util_buf *b, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 32 && s[i] <= 126)
            util_buf_append_byte(b, s[i]);
        else
            util_buf_printf(b, "\\x%02x", s[i]);
    }
}

static void finish(const struct yobj_call *c, struct util_buf *b, struct yobj_result *o)
{
    emit(c, b->data ? (const char *)b->data : "", b->len, o);
    util_buf_free(b);
}

static void log_s(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct util_buf b = {0};
    put_text(&b, a[0].s, a[0].n);
    finish(c, &b, o);
}

static void log_ss(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct util_buf b = {0};
    put_text(&b, a[0].s, a[0].n);
    put_text(&b, a[1].s, a[1].n);
    finish(c, &b, o);
}

static void log_i(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct util_buf b = {0};
    util_buf_printf(&b, "%" PRId64, a[0].i);
    finish(c, &b, o);
}

static void log_si(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct util_buf b = {0};
    put_text(&b, a[0].s, a[0].n);
    util_buf_printf(&b, "%" PRId64, a[1].i);
    finish(c, &b, o);
}

static void log_f(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct util_buf b = {0};
    util_buf_printf(&b, "%f", a[0].f);
    finish(c, &b, o);
}

static void log_sf(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct util_buf b = {0};
    put_text(&b, a[0].s, a[0].n);
    util_buf_printf(&b, "%f", a[1].f);
    finish(c, &b, o);
}

static void hex_i(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct util_buf b = {0};
    util_buf_printf(&b, "0x%" PRIx64, (uint64_t)a[0].i);
    finish(c, &b, o);
}

static void hex_si(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct util_buf b = {0};
    put_text(&b, a[0].s, a[0].n);
    util_buf_printf(&b, "0x%" PRIx64, (uint64_t)a[1].i);
    finish(c, &b, o);
}

static const struct yobj_overload o_log[] = {{"s", YOBJ_INT, log_s},  {"ss", YOBJ_INT, log_ss}, {"i", YOBJ_INT, log_i},
                                             {"si", YOBJ_INT, log_si}, {"f", YOBJ_INT, log_f},   {"sf", YOBJ_INT, log_sf},
                                             {0}};
static const struct yobj_overload o_hex[] = {{"i", YOBJ_INT, hex_i}, {"si", YOBJ_INT, hex_si}, {0}};
static const struct yobj_decl console_members[] = {{.name = "log", .type = YOBJ_FUNC, .overloads = o_log},
                                                   {.name = "hex", .type = YOBJ_FUNC, .overloads = o_hex},
                                                   {0}};
static const struct yobj_decl console_decl = {.name = "console", .type = YOBJ_STRUCT, .members = console_members};

const struct yara_module yara_module_console = {"console", &console_decl, NULL, NULL};
