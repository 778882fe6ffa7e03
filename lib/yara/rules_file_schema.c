/* rules_file_schema.c — being split out of rules_file.c. */
#include "rules_file_internal.h"
