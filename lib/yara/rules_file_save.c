/* rules_file_save.c — being split out of rules_file.c. */
#include "rules_file_internal.h"
