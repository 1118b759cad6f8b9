/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigil status: ask a running vigild over its control socket (one line
 * "status", one JSON line back) and print a summary or the JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"

#define DEFAULT_CONTROL_SOCKET "/run/vigil/control"
#define STATUS_TIMEOUT_S 5
#define STATUS_MAX_ANSWER (1 << 20)

enum { EXIT_NOT_RUNNING = 1 };

static const char status_help[] =
	"Usage: vigil status [--socket PATH] [--json]\n"
	"Ask the running vigild for its state over its control socket: appraisal\n"
	"mode, policy, the marked filesystems with the funcs enforced on each and\n"
	"those it cannot observe, event and measurement counters, the work queue\n"
	"and the inode cache.\n"
	"\n"
	"Options:\n"
	"  -s, --socket PATH  vigild's control socket (default " DEFAULT_CONTROL_SOCKET ";\n"
	"                     vigild's control_socket setting, else RUN_DIR/control)\n"
	"      --json         print vigild's answer as JSON instead of the summary\n"
	"  -h, --help         show this help\n"
	"\n"
	"The socket is root's only (mode 0600, and vigild checks the caller's uid).\n"
	"Counters count since vigild started; 'measurements' is the number of\n"
	"entries in the measurement list, boot_aggregate included.  The cache hit\n"
	"rate counts the events that reached vigild: files whose decision the\n"
	"kernel keeps (ignore marks) cause no event at all.\n"
	"\n"
	"Exit status: 0 vigild answered, 1 vigild is not running (no socket, or\n"
	"nothing listening on it), 2 a usage error, access denied, no answer in\n"
	"5 s, or an error answer.\n"
	"\n"
	"Examples:\n"
	"  vigil status\n"
	"  vigil status --json | jq .counters\n";

/* ------------------------------------------------------------ the socket */

static int connect_to(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = STATUS_TIMEOUT_S };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path))
		return cli_usage("status", "socket path '%s' is longer than %zu bytes", path,
				 sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		cli_error("status", "socket: %s", strerror(errno));
		return EXIT_USAGE;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		*out = fd;
		return 0;
	}
	e = errno;
	close(fd);
	if (e == ENOENT)
		cli_error("status", "no control socket at %s: vigild is not running (or its "
			  "control_socket is elsewhere: --socket)", path);
	else if (e == ECONNREFUSED)
		cli_error("status", "nothing listens on %s: vigild is not running (the socket is "
			  "left from an earlier run)", path);
	else if (e == EACCES || e == EPERM)
		cli_error("status", "permission denied on %s: the control socket is root's only; "
			  "run as root", path);
	else
		cli_error("status", "cannot connect to %s: %s", path, strerror(e));
	return e == ENOENT || e == ECONNREFUSED ? EXIT_NOT_RUNNING : EXIT_USAGE;
}

static bool send_request(int fd)
{
	static const char req[] = "status\n";

	return send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof(req) - 1);
}

/* The whole answer, NUL-terminated; NULL after an error message. */
static char *read_answer(int fd, const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *grown;
	ssize_t n;

	while (buf) {
		if (len + 1 == cap) {
			if (cap >= STATUS_MAX_ANSWER) {
				cli_error("status", "the answer from %s is longer than %d bytes", path,
					  STATUS_MAX_ANSWER);
				break;
			}
			if (!(grown = realloc(buf, cap * 2)))
				break;
			buf = grown;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n == 0) {
			buf[len] = '\0';
			return buf;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				cli_error("status", "vigild did not answer on %s within %d s", path,
					  STATUS_TIMEOUT_S);
			else
				cli_error("status", "reading from %s: %s", path, strerror(errno));
			break;
		}
		len += (size_t)n;
	}
	if (!buf)
		cli_error("status", "out of memory");
	free(buf);
	return NULL;
}

/* ------------------------------------------------------------ the answer */

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static uint64_t num(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_uint64(v) : 0;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "?";
}

/* "a, b, c" from a JSON array of strings. */
static void join(struct json_object *arr, char *out, size_t cap)
{
	size_t n = 0, count = arr && json_object_is_type(arr, json_type_array)
				     ? json_object_array_length(arr)
				     : 0;

	out[0] = '\0';
	for (size_t i = 0; i < count && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "",
				      json_object_get_string(json_object_array_get_idx(arr, i)));
}

static void print_uptime(uint64_t s)
{
	if (s >= 86400)
		printf("%" PRIu64 "d %" PRIu64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		printf("%" PRIu64 "h %" PRIu64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		printf("%" PRIu64 "m %" PRIu64 "s", s / 60, s % 60);
	else
		printf("%" PRIu64 "s", s);
}

static void print_mark(struct json_object *m)
{
	struct json_object *enforced = get(m, "enforced");
	char list[512];
	bool any = false;

	printf("mark:          %s (%s, dev %s, fsmagic %s, %s mark)\n", str(m, "mount"),
	       str(m, "fs_type"), str(m, "dev"), str(m, "fsmagic"), str(m, "mark_type"));
	if (enforced && json_object_is_type(enforced, json_type_object)) {
		json_object_object_foreach(enforced, func, acts) {
			join(acts, list, sizeof(list));
			printf("  enforced:    %s (%s)\n", func, list);
			any = true;
		}
	}
	if (!any)
		printf("  enforced:    nothing (no rule of the policy applies to an observed func)\n");
	if (get(m, "mmap_via"))
		printf("  MMAP_CHECK via: %s\n", str(m, "mmap_via"));
	join(get(m, "not_observed"), list, sizeof(list));
	if (list[0])
		printf("  not observed: %s (their rules have no effect)\n", list);
}

static void print_cache(struct json_object *c)
{
	uint64_t hits = num(c, "hits"), misses = num(c, "misses");

	printf("cache:         %" PRIu64 " of %" PRIu64 " entries; ", num(c, "entries"),
	       num(c, "capacity"));
	if (hits + misses)
		printf("hit rate %.1f%% (hits %" PRIu64 ", misses %" PRIu64 ")\n",
		       100.0 * (double)hits / (double)(hits + misses), hits, misses);
	else
		printf("no lookups yet\n");
}

static void print_tpm(struct json_object *t)
{
	char banks[256];

	if (!t || !json_object_is_type(t, json_type_object)) {
		printf("tpm:           none (software PCRs only)\n");
		return;
	}
	join(get(t, "banks"), banks, sizeof(banks));
	printf("tpm:           %s, PCR %" PRIu64 ", banks %s; %s\n", str(t, "tcti"), num(t, "pcr"),
	       banks, str(t, "kernel"));
}

static bool is_known(const char *key)
{
	static const char *const known[] = {
		"version", "pid", "uptime_seconds", "mode", "policy", "marks", "counters",
		"queue", "cache", "measurement_list", "tpm",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(key, known[i]))
			return true;
	return false;
}

static void print_summary(struct json_object *o)
{
	struct json_object *p = get(o, "policy"), *c = get(o, "counters"), *q = get(o, "queue");
	struct json_object *marks = get(o, "marks");
	size_t nmarks = marks && json_object_is_type(marks, json_type_array)
				? json_object_array_length(marks)
				: 0;

	printf("vigild %s (pid %" PRIu64 "), up ", str(o, "version"), num(o, "pid"));
	print_uptime(num(o, "uptime_seconds"));
	printf("\nmode:          %s\n", str(o, "mode"));
	printf("policy:        %s (%" PRIu64 " rules, %" PRIu64 " IMA keys, EVM %s)\n",
	       str(p, "source"), num(p, "rules"), num(p, "ima_keys"), str(p, "evm"));
	for (size_t i = 0; i < nmarks; i++)
		print_mark(json_object_array_get_idx(marks, i));
	printf("events:        %" PRIu64 " decided, %" PRIu64 " denied\n", num(c, "events"),
	       num(c, "denied"));
	printf("measurements:  %" PRIu64 " in %s\n", num(c, "measurements"),
	       str(o, "measurement_list"));
	printf("appraisal:     %" PRIu64 " failures, %" PRIu64 " EVM failures\n",
	       num(c, "appraisal_failures"), num(c, "evm_failures"));
	printf("violations:    %" PRIu64 "\n", num(c, "violations"));
	printf("queue:         %" PRIu64 " of %" PRIu64 " waiting, %" PRIu64 " workers; full "
	       "%" PRIu64 " times\n", num(q, "depth"), num(q, "capacity"), num(q, "workers"),
	       num(c, "queue_full"));
	printf("errors:        %" PRIu64 " internal, %" PRIu64 " fanotify overflows, %" PRIu64
	       " unreadable events\n", num(c, "internal_errors"), num(c, "overflows"),
	       num(c, "read_errors"));
	print_cache(get(o, "cache"));
	print_tpm(get(o, "tpm"));
	/* Sections added later: shown as they come. */
	json_object_object_foreach(o, key, val) {
		if (!is_known(key))
			printf("%-14s %s\n", key,
			       json_object_to_json_string_ext(val, JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	}
}

static int show(const char *text, const char *path, bool json)
{
	enum json_tokener_error jerr;
	struct json_object *o = json_tokener_parse_verbose(text, &jerr), *e;
	int rc = 0;

	if (!o || !json_object_is_type(o, json_type_object)) {
		cli_error("status", "malformed answer from %s: %s", path,
			  o ? "not a JSON object" : json_tokener_error_desc(jerr));
		json_object_put(o);
		return EXIT_USAGE;
	}
	if ((e = get(o, "error"))) {
		cli_error("status", "vigild refused: %s", json_object_get_string(e));
		rc = EXIT_USAGE;
	} else if (json) {
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		print_summary(o);
	}
	json_object_put(o);
	if (fflush(stdout) != 0)
		rc = EXIT_USAGE;
	return rc;
}

int cmd_status(int argc, char **argv)
{
	enum { OPT_STATUS_JSON = OPT_FIRST_CMD };
	static const struct option longs[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, OPT_STATUS_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONTROL_SOCKET;
	bool json = false;
	char *answer;
	int opt, fd = -1, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:h", longs, NULL)) != -1) {
		switch (opt) {
		case 's': path = optarg; break;
		case OPT_STATUS_JSON: json = true; break;
		case 'h': return cli_help(status_help);
		default: return cli_usage("status", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage("status", "unexpected argument '%s'", argv[optind]);
	if ((rc = connect_to(path, &fd)) != 0)
		return rc;
	if (!send_request(fd)) {
		cli_error("status", "cannot send to %s: %s", path, strerror(errno));
		close(fd);
		return EXIT_USAGE;
	}
	answer = read_answer(fd, path);
	close(fd);
	if (!answer)
		return EXIT_USAGE;
	rc = show(answer, path, json);
	free(answer);
	return rc;
}
