/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Being written: replaced by the real subcommand. */
#include <stdio.h>
#include "cli.h"
int cmd_policy(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "vigil policy: not implemented yet\n");
	return EXIT_USAGE;
}
