// SPDX-License-Identifier: GPL-2.0
/* The kernel tests' knobs from the environment (gvm_env.h). */
#include <stdlib.h>
#include <time.h>

#include "gvm_env.h"

/*
 * The environment's @name as a number from 1 to @max; @def when unset, -1
 * when it is anything else (empty included): a typo in a knob fails the
 * run rather than quietly meaning the default.
 */
long gvm_env_num(const char *name, long max, long def)
{
	const char *s = getenv(name);
	char *end;
	long n;

	if (!s)
		return def;
	n = strtol(s, &end, 10);
	return *s && !*end && n >= 1 && n <= max ? n : -1;
}

/* @ms stretched by GVM_TIMEOUT_SCALE; main() refused a bad one already. */
long gvm_ms(long ms)
{
	long scale = gvm_env_num("GVM_TIMEOUT_SCALE", 100, 1);

	return scale > 0 ? ms * scale : ms;
}

long gvm_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The gvm_now_ms() time @ms (by gvm_ms()) from now. */
long gvm_deadline(long ms)
{
	return gvm_now_ms() + gvm_ms(ms);
}
