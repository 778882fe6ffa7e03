/* dex.c — parser of the dex format (being written; see dex.h). */
#include "dex.h"

typedef int format_dex_placeholder;
