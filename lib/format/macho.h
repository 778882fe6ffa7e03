/* macho.h — parser of the macho format for YARA's "macho" module (being written). */
#ifndef ASSAY_FORMAT_MACHO_H
#define ASSAY_FORMAT_MACHO_H

#endif
