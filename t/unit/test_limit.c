#include "cc_test.h"

/* rate-limit arithmetic (issue 3; being written) */

void
test_limit(void)
{
}
