/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One entry point per subcommand, each in the file of its name. They take
 * argv from the subcommand's name on and return the exit status.
 */
#ifndef _GVMCTL_SUBCOMMANDS_H
#define _GVMCTL_SUBCOMMANDS_H

int join_main(int argc, char *argv[]);
int leave_main(int argc, char *argv[]);
int status_main(int argc, char *argv[]);
int monitor_main(int argc, char *argv[]);
int genpsk_main(int argc, char *argv[]);

#endif /* _GVMCTL_SUBCOMMANDS_H */
