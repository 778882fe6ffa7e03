/* macho.c — parser of the macho format (being written; see macho.h). */
#include "macho.h"

typedef int format_macho_placeholder;
