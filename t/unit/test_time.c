#include "cc_test.h"

/* the consultation window's timestamps (issue 3; being written) */

void
test_time(void)
{
}
