/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What cmd_policy.c (check, show) and policy_simulate.c (simulate) share. */
#ifndef VIGIL_POLICY_CMD_H
#define VIGIL_POLICY_CMD_H

#include <vigil/policy.h>

/*
 * A policy from FILE ("-": standard input) or from built-in NAMES (exactly
 * one of the two).  An invalid policy's diagnostics go to standard error,
 * one line each.  Returns 0 or EXIT_USAGE.
 */
int policy_load(const char *cmd, const char *file, const char *builtin,
		struct vigil_policy **out);

/* vigil policy simulate; argv[0] is "simulate". */
int policy_simulate(int argc, char **argv);

#endif
