/* policy.h — review policies (format: docs/policy.md). STUB: being written. */
#ifndef ASSAY_POLICY_H
#define ASSAY_POLICY_H

#endif
