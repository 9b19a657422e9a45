// SPDX-License-Identifier: GPL-2.0
/*
 * gvm-exit N: end the test VM with a result. QEMU's isa-debug-exit device
 * (iobase 0xf4) exits the emulator with status (N << 1) | 1 when N is
 * written to its port, so the runner reads the guest's failure count from
 * QEMU's exit status. Busybox has no way to write an I/O port, hence this.
 * Static, so it runs in the bare initramfs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 0) : 0;

	/* The status is 8 bits wide: keep (n << 1) | 1 in range. */
	if (n < 0 || n > 127)
		n = 127;
	if (ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		perror("gvm-exit: ioperm");
		return 1;
	}
	fflush(NULL);
	sync();
	outb((unsigned char)n, DEBUG_EXIT_PORT);
	/* Only reached when the device is missing. */
	fprintf(stderr, "gvm-exit: no isa-debug-exit device\n");
	return 1;
}
