/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vigil clear: remove security.ima and security.evm. */
#include "cli.h"

static const char clear_help[] =
	"Usage: vigil clear [OPTION]... PATH...\n"
	"Remove security.ima and security.evm from files (both unless --ima or --evm\n"
	"narrows it).  An attribute that is absent is not an error.  Note that on a\n"
	"system enforcing IMA appraisal or EVM the kernel may refuse, or the files\n"
	"may no longer be usable afterwards.\n"
	"\n"
	"Options:\n"
	"      --ima              remove security.ima\n"
	"      --evm              remove security.evm\n"
	"      --xattr-user       remove user.ima and user.evm instead\n"
	COMMON_HELP
	"\n"
	"Exit status: 0 every file done, 2 a usage error or a file that could not be\n"
	"changed.\n"
	"\n"
	"Example:\n"
	"  vigil clear -r --evm /srv/export\n";

struct clear_ctx {
	struct report rep;
	bool ima, evm;
	char ima_name[64], evm_name[64];
};

static int clear_one(struct item *it, int fd, void *ctx)
{
	struct clear_ctx *c = ctx;

	/* security.evm first: without it nothing vouches for a stale security.ima. */
	if (c->evm && vigil_removexattr(fd, c->evm_name, &it->err) != VIGIL_OK)
		return ITEM_ERROR;
	if (c->ima && vigil_removexattr(fd, c->ima_name, &it->err) != VIGIL_OK)
		return ITEM_ERROR;
	return ITEM_OK;
}

static void clear_report(const struct item *it, void *ctx)
{
	struct clear_ctx *c = ctx;

	if (c->rep.json) {
		report_json_open(&c->rep, it);
		report_json_close();
	} else if (it->outcome != ITEM_OK) {
		report_text_error(&c->rep, it);
	} else if (c->rep.verbose) {
		text_line_start(stdout, it->path);
		text_path(stdout, it->path);
		puts(": cleared");
	}
}

enum { OPT_IMA = OPT_FIRST_CMD, OPT_EVM };

static const struct option clear_long[] = {
	{ "ima", no_argument, NULL, OPT_IMA },
	{ "evm", no_argument, NULL, OPT_EVM },
	{ "xattr-user", no_argument, NULL, OPT_XATTR_USER },
	COMMON_LONG,
	{ NULL, 0, NULL, 0 }
};

int cmd_clear(int argc, char **argv)
{
	struct common_opts co = { .rep = { .cmd = "clear" } };
	struct clear_ctx c = { 0 };
	struct walk_ops ops = { 0, clear_one, clear_report, &c };
	const char *ns = "security";
	struct walk_stats st;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT, clear_long, NULL)) != -1) {
		if ((rc = common_opt(&co, "clear", opt, optarg))) {
			if (rc < 0)
				return EXIT_USAGE;
			continue;
		}
		switch (opt) {
		case 'h': return cli_help(clear_help);
		case OPT_IMA: c.ima = true; break;
		case OPT_EVM: c.evm = true; break;
		case OPT_XATTR_USER: ns = "user"; break;
		default: return cli_usage("clear", "bad option");
		}
	}
	if ((rc = common_need_paths(&co, argc - optind)))
		return rc;
	if (!c.ima && !c.evm)
		c.ima = c.evm = true;
	vigil_xattr_name(ns, "ima", c.ima_name, sizeof(c.ima_name));
	vigil_xattr_name(ns, "evm", c.evm_name, sizeof(c.evm_name));
	c.rep = co.rep;
	report_start(&c.rep);
	rc = walk_run("clear", &co.walk, argv + optind, argc - optind, &ops, &st);
	report_finish(&c.rep, &st, false);
	return report_exit(&c.rep, rc ? rc : walk_exit(&st));
}
