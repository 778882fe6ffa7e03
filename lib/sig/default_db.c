/* default_db.c — the bundled sample signatures, so `assay scan DIR` is useful
 * out of the box and the set-up command can show a detection:
 *   - the EICAR anti-malware test string, anywhere in a file;
 *   - the ClamAV test file clam.exe (Debian package clamav-testfiles) by
 *     SHA-256 and size. */
#include "default_db.h"

const struct default_db_file default_db_files[] = {
    {"builtin:assay-default.ndb",
     "Eicar-Test-Signature:0:*:"
     "58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d"
     "544553542d46494c452124482b482a\n"},
    {"builtin:assay-default.hsb",
     "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"},
};

const unsigned default_db_file_count = sizeof default_db_files / sizeof default_db_files[0];
