/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GVM_HARNESS_MAIN: kselftest_harness.h's main, with every test's timeout
 * multiplied by GVM_TIMEOUT_SCALE from the environment (1 to 100): the VM
 * runner sets it for a slow kernel (make vmtest-debug), where a handoff of
 * thousands of pages outlasts the harness's 30 s. Include after
 * kselftest_harness.h: it walks the harness's own list of tests.
 */
#ifndef _GVM_HARNESS_H
#define _GVM_HARNESS_H

#include <stdio.h>
#include <stdlib.h>

#include "gvm_env.h"

static inline int gvm_scale_timeouts(void)
{
	long n = gvm_env_num("GVM_TIMEOUT_SCALE", 100, 1);
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	if (n < 0) {
		fprintf(stderr, "GVM_TIMEOUT_SCALE=%s: not a number from 1 to 100\n",
			getenv("GVM_TIMEOUT_SCALE"));
		return -1;
	}
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= n;
	return 0;
}

#define GVM_HARNESS_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		if (gvm_scale_timeouts())				\
			return KSFT_FAIL;				\
		return test_harness_run(argc, argv);			\
	}

#endif /* _GVM_HARNESS_H */
