#include "cc_test.h"

/* signed form tokens (issue 3; being written) */

void
test_token(void)
{
}
