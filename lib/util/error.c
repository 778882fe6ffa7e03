/* error.c — thread-local last error message (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_message[1024];

int util_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return code;
}

void util_error_clear(void)
{
    last_message[0] = '\0';
}

const char *assay_last_error(void)
{
    return last_message;
}
