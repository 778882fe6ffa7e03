/* policy.c — STUB: being written. */
#include "policy/policy.h"

typedef int policy_policy_placeholder_;
