/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Being written: replaced by the real subcommand. */
#include <stdio.h>
#include "cli.h"
int cmd_log(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "vigil log: not implemented yet\n");
	return EXIT_USAGE;
}

int cmd_boot_aggregate(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "vigil boot-aggregate: not implemented yet\n");
	return EXIT_USAGE;
}
