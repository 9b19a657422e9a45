/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/giantvm: the data plane (regions arrive with the next issue). */
#ifndef _GVM_DEVICE_H
#define _GVM_DEVICE_H

int gvm_device_init(void);
void gvm_device_exit(void);

#endif /* _GVM_DEVICE_H */
