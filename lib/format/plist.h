/* plist.h — Apple property lists (XML and binary "bplist00"). STUB: being written. */
#ifndef ASSAY_FORMAT_PLIST_H
#define ASSAY_FORMAT_PLIST_H

#endif
