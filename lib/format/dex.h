/* dex.h — parser of the dex format for YARA's "dex" module (being written). */
#ifndef ASSAY_FORMAT_DEX_H
#define ASSAY_FORMAT_DEX_H

#endif
