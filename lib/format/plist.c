/* plist.c — STUB: being written. */
#include "format/plist.h"

typedef int plist_placeholder_;
