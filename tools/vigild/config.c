/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration file: "key = value" lines, '#' comments, blank lines.
 * Every error names file:line and the key, and the first one stops the
 * load: a daemon that enforces must not start on a half-read config.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vigild.h"

#define CONFIG_MAX_LINE 4096

static const char *const mode_names[] = {
	[MODE_OFF] = "off", [MODE_LOG] = "log", [MODE_FIX] = "fix", [MODE_ENFORCE] = "enforce",
};

const char *mode_name(int mode)
{
	if (mode < 0 || mode > MODE_ENFORCE)
		return "?";
	return mode_names[mode];
}

int mode_by_name(const char *name)
{
	for (int i = 0; i <= MODE_ENFORCE; i++)
		if (strcmp(name, mode_names[i]) == 0)
			return i;
	return -1;
}

void config_defaults(struct vigild_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_LOG;
	c->mark_type = MARK_FILESYSTEM;
	c->state_dir = strdup("/var/lib/vigil");
	c->run_dir = strdup("/run/vigil");
	c->hash_algo = VIGIL_HASH_SHA256;
	c->template_name = strdup("ima-ng");
	c->banks[0] = VIGIL_HASH_SHA1;
	c->banks[1] = VIGIL_HASH_SHA256;
	c->nbanks = 2;
	c->workers = 4;
	c->queue_size = 4096;
	c->cache_size = 65536;
	c->unlimited_queue = true;
	c->audit = true;
	c->tpm_pcr = 10;
}

void config_free(struct vigild_config *c)
{
	free(c->file);
	free(c->policy);
	free(c->policy_builtin);
	free(c->keys);
	free(c->evm_keys);
	free(c->evm_hmac_key);
	for (unsigned i = 0; i < c->nmarks; i++)
		free(c->marks[i]);
	free(c->state_dir);
	free(c->run_dir);
	free(c->metrics);
	free(c->template_name);
	free(c->control_socket);
	free(c->metrics_listen);
	free(c->agent_listen);
	free(c->tpm_tcti);
	memset(c, 0, sizeof(*c));
}

struct where {
	const char *file;
	unsigned line;
	const char *key;
};

static int bad(struct vigil_error *err, const struct where *w, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct vigil_error *err, const struct where *w, const char *fmt, ...)
{
	char what[VIGIL_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return vd_fail(err, VIGIL_ERR_INVALID, "%s:%u: %s: %s", w->file, w->line, w->key, what);
}

static int set_str(char **slot, const char *v, struct vigil_error *err, const struct where *w)
{
	char *s = strdup(v);

	if (!s)
		return vd_fail(err, VIGIL_ERR_NOMEM, "%s:%u: out of memory", w->file, w->line);
	free(*slot);
	*slot = s;
	return VIGIL_OK;
}

/* "off" clears an optional setting. */
static int set_optional_str(char **slot, const char *v, struct vigil_error *err,
			    const struct where *w)
{
	if (!strcmp(v, "off")) {
		free(*slot);
		*slot = NULL;
		return VIGIL_OK;
	}
	return set_str(slot, v, err, w);
}

/* "host:port" with a numeric host, checked now so that the error has its line. */
static int set_listen(char **slot, const char *v, struct vigil_error *err, const struct where *w)
{
	struct sockaddr_storage ss;
	unsigned len;
	char why[200];

	if (strcmp(v, "off") != 0 && http_parse_listen(v, &ss, &len, why, sizeof(why)) != 0)
		return bad(err, w, "%s", why);
	return set_optional_str(slot, v, err, w);
}

/* Absolute paths only: the daemon's working directory is "/". */
static int set_path(char **slot, const char *v, struct vigil_error *err, const struct where *w)
{
	if (v[0] != '/')
		return bad(err, w, "'%s' is not an absolute path", v);
	return set_str(slot, v, err, w);
}

static int set_uint(unsigned *slot, const char *v, unsigned lo, unsigned hi,
		    struct vigil_error *err, const struct where *w)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return bad(err, w, "'%s' is not a number from %u to %u", v, lo, hi);
	*slot = (unsigned)n;
	return VIGIL_OK;
}

static int set_bool(bool *slot, const char *v, struct vigil_error *err, const struct where *w)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
		*slot = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
		*slot = false;
	else
		return bad(err, w, "'%s' is not yes or no", v);
	return VIGIL_OK;
}

static int set_algo(int *slot, const char *v, struct vigil_error *err, const struct where *w)
{
	const struct vigil_hash_info *h = vigil_hash_by_name(v);

	if (!h)
		return bad(err, w, "unknown hash algorithm '%s'", v);
	if (!vigil_hash_available(h->id))
		return bad(err, w, "unsupported hash algorithm '%s' (OpenSSL has none)", v);
	*slot = h->id;
	return VIGIL_OK;
}

static int set_banks(struct vigild_config *c, const char *v, struct vigil_error *err,
		     const struct where *w)
{
	char buf[256], *save = NULL, *tok;
	int rc;

	if (strlen(v) >= sizeof(buf))
		return bad(err, w, "list too long: '%s'", v);
	strcpy(buf, v);
	c->nbanks = 0;
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (c->nbanks == VIGIL_MAX_BANKS)
			return bad(err, w, "more than %d banks", VIGIL_MAX_BANKS);
		if ((rc = set_algo(&c->banks[c->nbanks], tok, err, w)) != VIGIL_OK)
			return rc;
		c->nbanks++;
	}
	if (c->nbanks == 0)
		return bad(err, w, "no bank in '%s'", v);
	return VIGIL_OK;
}

static int set_template(struct vigild_config *c, const char *v, struct vigil_error *err,
			const struct where *w)
{
	struct vigil_template t;
	struct vigil_error terr;

	if (vigil_template_lookup(v, strlen(v), &t, &terr) != VIGIL_OK)
		return bad(err, w, "%s", terr.msg);
	return set_str(&c->template_name, v, err, w);
}

static int set_mode(int *slot, const char *v, struct vigil_error *err, const struct where *w)
{
	int m = mode_by_name(v);

	if (m < 0)
		return bad(err, w, "'%s' is not enforce, log, fix or off", v);
	*slot = m;
	return VIGIL_OK;
}

static int add_mark(struct vigild_config *c, const char *v, struct vigil_error *err,
		    const struct where *w)
{
	if (c->nmarks == VIGILD_MAX_MARKS)
		return bad(err, w, "more than %d marks", VIGILD_MAX_MARKS);
	c->marks[c->nmarks] = NULL;
	if (set_path(&c->marks[c->nmarks], v, err, w) != VIGIL_OK)
		return err->code;
	c->nmarks++;
	return VIGIL_OK;
}

static int set_mark_type(int *slot, const char *v, struct vigil_error *err, const struct where *w)
{
	if (!strcmp(v, "mount"))
		*slot = MARK_MOUNT;
	else if (!strcmp(v, "filesystem"))
		*slot = MARK_FILESYSTEM;
	else
		return bad(err, w, "'%s' is not mount or filesystem", v);
	return VIGIL_OK;
}

static int apply(struct vigild_config *c, const char *k, const char *v, struct vigil_error *err,
		 const struct where *w)
{
	if (!strcmp(k, "policy"))
		return set_path(&c->policy, v, err, w);
	if (!strcmp(k, "policy_builtin"))
		return set_str(&c->policy_builtin, v, err, w);
	if (!strcmp(k, "keys"))
		return set_str(&c->keys, v, err, w);
	if (!strcmp(k, "evm_keys"))
		return set_str(&c->evm_keys, v, err, w);
	if (!strcmp(k, "evm_hmac_key"))
		return set_path(&c->evm_hmac_key, v, err, w);
	if (!strcmp(k, "mode"))
		return set_mode(&c->mode, v, err, w);
	if (!strcmp(k, "mark"))
		return add_mark(c, v, err, w);
	if (!strcmp(k, "mark_type"))
		return set_mark_type(&c->mark_type, v, err, w);
	if (!strcmp(k, "state_dir"))
		return set_path(&c->state_dir, v, err, w);
	if (!strcmp(k, "run_dir"))
		return set_path(&c->run_dir, v, err, w);
	if (!strcmp(k, "metrics"))
		return strcmp(v, "off") ? set_path(&c->metrics, v, err, w)
					: set_str(&c->metrics, "", err, w);
	if (!strcmp(k, "hash"))
		return set_algo(&c->hash_algo, v, err, w);
	if (!strcmp(k, "template"))
		return set_template(c, v, err, w);
	if (!strcmp(k, "banks"))
		return set_banks(c, v, err, w);
	if (!strcmp(k, "workers"))
		return set_uint(&c->workers, v, 1, VIGILD_MAX_THREADS - 2, err, w);
	if (!strcmp(k, "queue_size"))
		return set_uint(&c->queue_size, v, 16, 1u << 20, err, w);
	if (!strcmp(k, "cache_size"))
		return set_uint(&c->cache_size, v, 64, 1u << 24, err, w);
	if (!strcmp(k, "unlimited_queue"))
		return set_bool(&c->unlimited_queue, v, err, w);
	if (!strcmp(k, "audit"))
		return set_bool(&c->audit, v, err, w);
	if (!strcmp(k, "control_socket"))
		return strcmp(v, "off") ? set_path(&c->control_socket, v, err, w)
					: set_str(&c->control_socket, "", err, w);
	if (!strcmp(k, "metrics_listen"))
		return set_listen(&c->metrics_listen, v, err, w);
	if (!strcmp(k, "agent_listen"))
		return set_optional_str(&c->agent_listen, v, err, w);
	if (!strcmp(k, "tpm"))
		return set_optional_str(&c->tpm_tcti, v, err, w);
	if (!strcmp(k, "tpm_pcr"))
		return set_uint(&c->tpm_pcr, v, 0, 23, err, w);
	return bad(err, w, "unknown key");
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_line(struct vigild_config *c, char *line, struct where *w,
		      struct vigil_error *err)
{
	char *eq, *key, *val;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return VIGIL_OK;
	eq = strchr(line, '=');
	if (!eq)
		return vd_fail(err, VIGIL_ERR_INVALID, "%s:%u: expected 'key = value'", w->file,
				  w->line);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	w->key = key;
	if (*key == '\0')
		return vd_fail(err, VIGIL_ERR_INVALID, "%s:%u: missing key before '='", w->file,
				  w->line);
	if (*val == '\0')
		return bad(err, w, "missing value");
	return apply(c, key, val, err, w);
}

static int check_whole(const struct vigild_config *c, struct vigil_error *err)
{
	if (c->policy && c->policy_builtin)
		return vd_fail(err, VIGIL_ERR_INVALID,
				  "%s: 'policy' and 'policy_builtin' are exclusive", c->file);
	return VIGIL_OK;
}

static int read_lines(struct vigild_config *c, FILE *fp, struct vigil_error *err)
{
	char line[CONFIG_MAX_LINE];
	struct where w = { c->file, 0, "" };
	int rc;

	while (fgets(line, sizeof(line), fp)) {
		w.line++;
		if (!strchr(line, '\n') && !feof(fp))
			return vd_fail(err, VIGIL_ERR_TOO_BIG, "%s:%u: line longer than %d bytes",
					  c->file, w.line, CONFIG_MAX_LINE - 2);
		if ((rc = parse_line(c, line, &w, err)) != VIGIL_OK)
			return rc;
	}
	if (ferror(fp))
		return vd_fail_errno(err, VIGIL_ERR_IO, "%s: read error", c->file);
	return VIGIL_OK;
}

int config_load(struct vigild_config *c, const char *path, bool optional, struct vigil_error *err)
{
	FILE *fp;
	int rc;

	free(c->file);
	c->file = strdup(path);
	if (!c->file)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory");
	fp = fopen(path, "re");
	if (!fp) {
		if (optional && errno == ENOENT)
			return VIGIL_OK;
		return vd_fail(err, VIGIL_ERR_IO, "cannot open config %s: %s", path,
				  strerror(errno));
	}
	rc = read_lines(c, fp, err);
	fclose(fp);
	return rc == VIGIL_OK ? check_whole(c, err) : rc;
}
