/* lint.c — STUB: being written. */
#include "policy/policy.h"

typedef int policy_lint_placeholder_;
