/* rules_file_check.c — being split out of rules_file.c. */
#include "rules_file_internal.h"
