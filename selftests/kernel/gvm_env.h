/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel tests' knobs from the environment. GVM_TIMEOUT_SCALE (1 to
 * 100) stretches every time the tests give the kernel, for a slow one
 * (make vmtest-debug): the harness's timeouts (gvm_harness.h) and, through
 * gvm_ms(), the domains' heartbeat and timeout and the bounds and waits
 * derived from them.
 */
#ifndef _GVM_ENV_TEST_H
#define _GVM_ENV_TEST_H

long gvm_env_num(const char *name, long max, long def);
long gvm_ms(long ms);
long gvm_now_ms(void);
long gvm_deadline(long ms);

#endif /* _GVM_ENV_TEST_H */
