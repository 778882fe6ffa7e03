/* rules_file_internal.h — shared by the parts of rules_file (being split out of rules_file.c). */
#ifndef ASSAY_YARA_RULES_FILE_INTERNAL_H
#define ASSAY_YARA_RULES_FILE_INTERNAL_H

typedef int rules_file_placeholder;

#endif
