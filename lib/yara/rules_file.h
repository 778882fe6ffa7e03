/* rules_file.h — a compiled YARA rule set written to and read back from a
 * compiled database (being written). */
#ifndef ASSAY_YARA_RULES_FILE_H
#define ASSAY_YARA_RULES_FILE_H

#endif
