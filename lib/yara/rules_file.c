/* rules_file.c — see rules_file.h (being written). */
#include "rules_file.h"

typedef int yara_rules_file_placeholder;
