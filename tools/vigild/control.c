/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket `vigil status` asks: a unix stream socket, mode 0600,
 * answering root (SO_PEERCRED uid 0) only.  The protocol is one request
 * line ("status") and one answer line (a JSON object), then the
 * connection closes; errors are {"error": "..."}.
 *
 * The server has its own thread, which answers from memory only (counters,
 * the marks' facts, the current rules): after start-up it opens nothing on
 * any filesystem, so it can never wait on a marked one.  Clients are
 * served side by side from one poll() loop with non-blocking sockets; each
 * has CTL_TIMEOUT_MS to ask and to take its answer, and a request is at
 * most CTL_MAX_REQUEST bytes.  A client that connects and says nothing
 * holds one slot of CTL_MAX_CLIENTS until its time is up, not the others.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vigild.h"

#define CTL_MAX_REQUEST 256
#define CTL_MAX_CLIENTS 8
#define CTL_TIMEOUT_MS 2000
/* After the answer: how long the rest of a too long request is read and dropped. */
#define CTL_LINGER_MS 500

enum client_state {
	C_READING,   /* the request */
	C_ANSWERING, /* out is being sent */
	C_DRAINING,  /* answered and shut down for writing: read until the peer closes */
};

struct client {
	int fd;                       /* -1: a free slot */
	int state;                    /* enum client_state */
	char in[CTL_MAX_REQUEST + 1];
	size_t in_len;
	char *out;                    /* the answer */
	size_t out_len, out_off;
	int64_t deadline;             /* CLOCK_MONOTONIC, ms */
};

static struct {
	int listen_fd, wake_fd;
	struct sockaddr_un addr;
	const struct vigild_config *cfg;
	int64_t started;              /* CLOCK_MONOTONIC, ms */
	bool bound;                   /* the socket file is ours to remove */
	pthread_t thread;
	bool running;
	atomic_bool stop;
	struct client clients[CTL_MAX_CLIENTS];
} ctl = { .listen_fd = -1, .wake_fd = -1 };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------- the report */

static const struct {
	int vfunc, func;
	uint64_t event;    /* the fanotify event that carries it; MMAP_CHECK: per mark */
} observed_funcs[] = {
	{ VFUNC_BPRM, VIGIL_FUNC_BPRM_CHECK, FAN_OPEN_EXEC_PERM },
	{ VFUNC_FILE, VIGIL_FUNC_FILE_CHECK, FAN_OPEN_PERM },
	{ VFUNC_MMAP, VIGIL_FUNC_MMAP_CHECK, 0 },
};

#define N_OBSERVED (sizeof(observed_funcs) / sizeof(observed_funcs[0]))

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	add(o, key, json_object_new_uint64(v));
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	add(o, key, v ? json_object_new_string(v) : NULL);
}

static struct json_object *actions_array(unsigned actions)
{
	struct json_object *a = json_object_new_array();

	if (actions & VIGIL_POLICY_MEASURE)
		json_object_array_add(a, json_object_new_string("measure"));
	if (actions & VIGIL_POLICY_APPRAISE)
		json_object_array_add(a, json_object_new_string("appraise"));
	if (actions & VIGIL_POLICY_AUDIT)
		json_object_array_add(a, json_object_new_string("audit"));
	return a;
}

/* MMAP_CHECK is seen per mark: FAN_PRE_ACCESS where the filesystem has it, else the loader. */
static bool observed_on(const struct vigild_fsinfo *fs, int vfunc, uint64_t event)
{
	if (vfunc == VFUNC_MMAP)
		return fs->mmap_via != MMAP_VIA_NONE;
	return (fan_event_mask() & event) != 0;
}

/* Per mark: the funcs with rules it enforces, and those it cannot see. */
static struct json_object *mark_json(const struct vigild_fsinfo *fs, const struct vigild_rules *r)
{
	struct json_object *m = json_object_new_object(), *enforced = json_object_new_object();
	struct json_object *blind = json_object_new_array();
	char dev[32], magic[24];

	snprintf(dev, sizeof(dev), "%u:%u", major(fs->dev), minor(fs->dev));
	snprintf(magic, sizeof(magic), "0x%llx", (unsigned long long)fs->fsmagic);
	add_str(m, "mount", fs->mount);
	add_str(m, "fs_type", fs->fsname);
	add_str(m, "dev", dev);
	add_str(m, "fsmagic", magic);
	add_str(m, "mark_type", ctl.cfg->mark_type == MARK_FILESYSTEM ? "filesystem" : "mount");
	for (size_t i = 0; i < N_OBSERVED; i++) {
		const char *name = vigil_policy_func_name(observed_funcs[i].func);
		unsigned acts = r->actions[observed_funcs[i].vfunc];

		if (!acts)
			continue;
		if (observed_on(fs, observed_funcs[i].vfunc, observed_funcs[i].event))
			add(enforced, name, actions_array(acts));
		else
			json_object_array_add(blind, json_object_new_string(name));
	}
	for (int f = 1; f < VIGIL_FUNC_COUNT; f++)
		if (r->unobservable & (1u << f))
			json_object_array_add(blind, json_object_new_string(vigil_policy_func_name(f)));
	add(m, "enforced", enforced);
	add(m, "not_observed", blind);
	if (r->actions[VFUNC_MMAP])
		add_str(m, "mmap_via", fan_mmap_via_name(fs->mmap_via));
	return m;
}

static struct json_object *policy_json(const struct vigild_rules *r)
{
	const struct vigild_config *c = ctl.cfg;
	struct json_object *p = json_object_new_object();
	char source[PATH_MAX + 16];

	if (c->policy)
		snprintf(source, sizeof(source), "%s", c->policy);
	else if (c->policy_builtin)
		snprintf(source, sizeof(source), "builtin:%s", c->policy_builtin);
	else
		snprintf(source, sizeof(source), "default (tcb + exec appraisal)");
	add_str(p, "source", source);
	add_u64(p, "rules", vigil_policy_count(r->policy));
	add_u64(p, "ima_keys", r->keys ? vigil_keyset_count(r->keys) : 0);
	add_str(p, "evm", !r->evm ? "off" : r->evm_hmac_len ? "hmac key + certificates"
							     : "certificates");
	return p;
}

static struct json_object *counters_json(void)
{
	static const struct {
		const char *key;
		int counter;
	} map[] = {
		{ "events", M_EVENTS }, { "measurements", M_MEASUREMENTS },
		{ "denied", M_DENIED }, { "violations", M_VIOLATIONS },
		{ "pcr10_extends", M_PCR10_EXTENDS }, { "overflows", M_OVERFLOWS },
		{ "queue_full", M_QUEUE_FULL }, { "read_errors", M_READ_ERRORS },
		{ "internal_errors", M_INTERNAL_ERRORS },
	};
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		add_u64(o, map[i].key, metrics_get(map[i].counter));
	add_u64(o, "appraisal_failures", metrics_appraisal_failures());
	add_u64(o, "evm_failures", metrics_evm_failures());
	return o;
}

static struct json_object *queue_json(void)
{
	struct json_object *o = json_object_new_object();
	unsigned depth, cap, workers;

	workers_stats(&depth, &cap, &workers);
	add_u64(o, "depth", depth);
	add_u64(o, "capacity", cap);
	add_u64(o, "workers", workers);
	return o;
}

static struct json_object *cache_json(void)
{
	struct json_object *o = json_object_new_object();
	struct vigild_cache_stats s;
	uint64_t lookups;
	char rate[16];

	cache_stats(&s);
	lookups = s.hits + s.misses;
	add_u64(o, "entries", s.entries);
	add_u64(o, "capacity", s.capacity);
	add_u64(o, "hits", s.hits);
	add_u64(o, "misses", s.misses);
	if (lookups) {
		snprintf(rate, sizeof(rate), "%.4f", (double)s.hits / (double)lookups);
		add(o, "hit_rate", json_object_new_double_s((double)s.hits / (double)lookups, rate));
	} else {
		add(o, "hit_rate", NULL);
	}
	return o;
}

/* null without a TPM: the PCRs are software only. */
static struct json_object *tpm_json(void)
{
	struct json_object *o, *banks;
	int algos[VIGIL_MAX_BANKS];
	unsigned n;

	if (!tpm_enabled())
		return NULL;
	o = json_object_new_object();
	banks = json_object_new_array();
	n = tpm_banks(algos, VIGIL_MAX_BANKS);
	for (unsigned i = 0; i < n; i++)
		json_object_array_add(banks, json_object_new_string(vigil_hash_by_id(algos[i])->name));
	add_str(o, "tcti", ctl.cfg->tpm_tcti);
	add_u64(o, "pcr", ctl.cfg->tpm_pcr);
	add(o, "banks", banks);
	add_str(o, "kernel", tpm_kernel_view());
	return o;
}

static struct json_object *status_json(void)
{
	struct json_object *o = json_object_new_object(), *marks = json_object_new_array();
	struct vigild_rules *r = rules_get();
	char list[PATH_MAX + 64];

	add_str(o, "version", "0.1.0");
	add_u64(o, "pid", (uint64_t)getpid());
	add_u64(o, "uptime_seconds", (uint64_t)(now_ms() - ctl.started) / 1000);
	add_str(o, "mode", mode_name(ctl.cfg->mode));
	if (r) {
		add(o, "policy", policy_json(r));
		for (unsigned i = 0; i < fan_nfs(); i++)
			json_object_array_add(marks, mark_json(fan_fs_at(i), r));
		rules_put(r);
	}
	add(o, "marks", marks);
	add(o, "counters", counters_json());
	add(o, "queue", queue_json());
	add(o, "cache", cache_json());
	snprintf(list, sizeof(list), "%s/binary_runtime_measurements", ctl.cfg->run_dir);
	add_str(o, "measurement_list", list);
	add(o, "tpm", tpm_json());
	return o;
}

/* ---------------------------------------------------------------- answers */

/* Takes o; the answer is one line. */
static void answer(struct client *c, struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = text ? strlen(text) : 0;

	c->state = C_ANSWERING;
	c->out = malloc(n + 2);
	c->out_len = c->out_off = 0;
	if (c->out) {
		memcpy(c->out, text, n);
		c->out[n] = '\n';
		c->out_len = n + 1;
	}
	json_object_put(o);
}

static void answer_error(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void answer_error(struct client *c, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add_str(o, "error", msg);
	answer(c, o);
}

/* What a client sent, quoted in an error: printable ASCII, bounded. */
static void printable(const char *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 4 < cap; i++)
		out[n++] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	if (n + 4 >= cap && len > n)
		memcpy(out + n, "...", 3), n += 3;
	out[n] = '\0';
}

static void handle_request(struct client *c, size_t len)
{
	char shown[48];

	while (len && (c->in[len - 1] == '\r' || c->in[len - 1] == ' ' || c->in[len - 1] == '\t'))
		len--;
	if (len == 6 && !memcmp(c->in, "status", 6)) {
		answer(c, status_json());
		return;
	}
	printable(c->in, len, shown, sizeof(shown));
	answer_error(c, "unknown request '%s': the only request is 'status'", shown);
}

/* --------------------------------------------------------------- clients */

static void drop(struct client *c)
{
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static bool peer_is_root(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
		*uid = (uid_t)-1;
		return false;
	}
	*uid = cred.uid;
	return cred.uid == 0;
}

static void accept_client(void)
{
	struct client *c = NULL;
	uid_t uid;
	int fd;

	for (unsigned i = 0; i < CTL_MAX_CLIENTS && !c; i++)
		if (ctl.clients[i].fd < 0)
			c = &ctl.clients[i];
	if (!c)
		return; /* not polled for when full; a spurious wake-up */
	fd = accept4(ctl.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c->fd = fd;
	c->state = C_READING;
	c->deadline = now_ms() + CTL_TIMEOUT_MS;
	if (!peer_is_root(fd, &uid)) {
		vlog(VLOG_WARN, "vigild: control socket: refused a client of uid %d (root only)",
		     (int)uid);
		answer_error(c, "permission denied: uid %d is not root", (int)uid);
	}
}

static void read_request(struct client *c)
{
	ssize_t n = recv(c->fd, c->in + c->in_len, CTL_MAX_REQUEST + 1 - c->in_len, 0);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The peer finished: a request without its newline still counts. */
		if (n == 0 && c->in_len)
			handle_request(c, c->in_len);
		else
			drop(c);
		return;
	}
	c->in_len += (size_t)n;
	if ((nl = memchr(c->in, '\n', c->in_len)))
		handle_request(c, (size_t)(nl - c->in));
	else if (c->in_len > CTL_MAX_REQUEST)
		answer_error(c, "request longer than %d bytes", CTL_MAX_REQUEST);
}

/*
 * Unread bytes at close() make the kernel send a reset, which can destroy
 * the answer before the client reads it: shut down for writing and read
 * what is left first.
 */
static void linger(struct client *c)
{
	int64_t until = now_ms() + CTL_LINGER_MS;

	shutdown(c->fd, SHUT_WR);
	c->state = C_DRAINING;
	if (until < c->deadline)
		c->deadline = until;
}

static void drain(struct client *c)
{
	char scratch[1024];
	ssize_t n = recv(c->fd, scratch, sizeof(scratch), 0);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		drop(c);
}

static void write_answer(struct client *c)
{
	ssize_t n;

	if (!c->out) { /* no memory for the answer */
		drop(c);
		return;
	}
	n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		drop(c);
		return;
	}
	c->out_off += (size_t)n;
	if (c->out_off == c->out_len)
		linger(c);
}

static void serve_client(struct client *c)
{
	if (c->state == C_READING)
		read_request(c);
	/* An answer is ready: try to send it right away. */
	if (c->fd >= 0 && c->state == C_ANSWERING)
		write_answer(c);
	else if (c->fd >= 0 && c->state == C_DRAINING)
		drain(c);
}

static void expire(int64_t now)
{
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct client *c = &ctl.clients[i];

		if (c->fd >= 0 && now >= c->deadline) {
			vlog(VLOG_DEBUG, "vigild: control socket: a client took longer than %d ms",
			     CTL_TIMEOUT_MS);
			drop(c);
		}
	}
}

/* ------------------------------------------------------------------ loop */

/* pollfd 0 is the wake-up, 1 the listener (when a slot is free), then clients. */
static int build_poll(struct pollfd *p, struct client **who, int64_t now, int *timeout)
{
	bool free_slot = false;
	int n = 2;

	*timeout = -1;
	p[0] = (struct pollfd){ ctl.wake_fd, POLLIN, 0 };
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct client *c = &ctl.clients[i];
		int left;

		if (c->fd < 0) {
			free_slot = true;
			continue;
		}
		p[n] = (struct pollfd){ c->fd, c->state == C_ANSWERING ? POLLOUT : POLLIN, 0 };
		who[n++] = c;
		left = c->deadline > now ? (int)(c->deadline - now) : 0;
		if (*timeout < 0 || left < *timeout)
			*timeout = left;
	}
	p[1] = (struct pollfd){ free_slot ? ctl.listen_fd : -1, POLLIN, 0 };
	return n;
}

static void *serve(void *arg)
{
	struct pollfd p[CTL_MAX_CLIENTS + 2];
	struct client *who[CTL_MAX_CLIENTS + 2];
	int n, timeout;

	(void)arg;
	pthread_setname_np(pthread_self(), "vigild-control");
	while (!atomic_load(&ctl.stop)) {
		n = build_poll(p, who, now_ms(), &timeout);
		if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			vlog(VLOG_ERR, "vigild: control socket: poll: %s", strerror(errno));
			break;
		}
		for (int i = 2; i < n; i++) {
			if (p[i].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR))
				serve_client(who[i]);
		}
		if (p[1].revents & POLLIN)
			accept_client();
		expire(now_ms());
	}
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl.clients[i].fd >= 0)
			drop(&ctl.clients[i]);
	return NULL;
}

/* --------------------------------------------------------------- start-up */

static bool someone_answers(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool yes = fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;

	if (fd >= 0)
		close(fd);
	return yes;
}

static int fill_addr(const char *path, struct sockaddr_un *sa, struct vigil_error *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return vd_fail(err, VIGIL_ERR_INVALID, "control socket %s: longer than %zu bytes "
			       "(a unix socket's limit); set a shorter control_socket", path,
			       sizeof(sa->sun_path) - 1);
	memcpy(sa->sun_path, path, strlen(path));
	return VIGIL_OK;
}

/*
 * A socket left by a vigild that died is replaced; one that answers
 * belongs to a running vigild; anything else at the path is not ours.
 */
static int clear_path(const struct sockaddr_un *sa, struct vigil_error *err)
{
	struct stat st;

	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT ? VIGIL_OK
				       : vd_fail_errno(err, VIGIL_ERR_IO, "control socket %s",
						       sa->sun_path);
	if (!S_ISSOCK(st.st_mode))
		return vd_fail(err, VIGIL_ERR_INVALID, "control socket %s: exists and is not a "
			       "socket; remove it or set control_socket", sa->sun_path);
	if (someone_answers(sa))
		return vd_fail(err, VIGIL_ERR_INVALID, "control socket %s: another vigild answers "
			       "there", sa->sun_path);
	if (unlink(sa->sun_path) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot remove the stale control socket %s",
				     sa->sun_path);
	return VIGIL_OK;
}

int control_probe(const struct vigild_config *c, struct vigil_error *err)
{
	char buf[PATH_MAX];
	const char *path = control_path(c, buf, sizeof(buf));
	struct sockaddr_un sa;
	int rc;

	if (!path)
		return VIGIL_OK;
	if ((rc = fill_addr(path, &sa, err)) != VIGIL_OK)
		return rc;
	if (someone_answers(&sa))
		return vd_fail(err, VIGIL_ERR_INVALID, "control socket %s: another vigild answers "
			       "there (two daemons would write the same measurement list)", path);
	return VIGIL_OK;
}

static int listen_at(const char *path, struct vigil_error *err)
{
	struct sockaddr_un *sa = &ctl.addr;
	int rc;

	if ((rc = fill_addr(path, sa, err)) != VIGIL_OK ||
	    (rc = clear_path(sa, err)) != VIGIL_OK)
		return rc;
	ctl.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl.listen_fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "control socket");
	/* Linux creates the socket file with the socket's mode: 0600 from the start. */
	if (fchmod(ctl.listen_fd, 0600) != 0 ||
	    bind(ctl.listen_fd, (struct sockaddr *)sa, sizeof(*sa)) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "control socket %s", path);
	ctl.bound = true;
	if (chmod(path, 0600) != 0 || listen(ctl.listen_fd, CTL_MAX_CLIENTS) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "control socket %s", path);
	return VIGIL_OK;
}

const char *control_path(const struct vigild_config *c, char *buf, size_t cap)
{
	if (c->control_socket && !*c->control_socket)
		return NULL;
	if (c->control_socket)
		return c->control_socket;
	snprintf(buf, cap, "%s/control", c->run_dir);
	return buf;
}

static int start_thread(struct vigil_error *err)
{
	int rc;

	ctl.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctl.wake_fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "control socket: eventfd");
	if ((rc = pthread_create(&ctl.thread, NULL, serve, NULL)) != 0) {
		errno = rc;
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot start the control socket thread");
	}
	ctl.running = true;
	return VIGIL_OK;
}

int control_start(const struct vigild_config *c, struct vigil_error *err)
{
	char buf[PATH_MAX];
	const char *path = control_path(c, buf, sizeof(buf));
	int rc;

	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl.clients[i].fd = -1;
	ctl.cfg = c;
	ctl.started = now_ms();
	if (!path)
		return VIGIL_OK;
	if ((rc = listen_at(path, err)) != VIGIL_OK || (rc = start_thread(err)) != VIGIL_OK) {
		control_stop(); /* nothing half-made stays */
		return rc;
	}
	vlog(VLOG_INFO, "vigild: control socket %s (root only)", path);
	return VIGIL_OK;
}

void control_stop(void)
{
	uint64_t one = 1;

	if (ctl.running) {
		atomic_store(&ctl.stop, true);
		if (write(ctl.wake_fd, &one, sizeof(one)) != sizeof(one))
			vlog(VLOG_ERR, "vigild: cannot wake the control thread: %s", strerror(errno));
		pthread_join(ctl.thread, NULL);
		ctl.running = false;
	}
	if (ctl.listen_fd >= 0)
		close(ctl.listen_fd);
	if (ctl.bound)
		unlink(ctl.addr.sun_path);
	ctl.bound = false;
	if (ctl.wake_fd >= 0)
		close(ctl.wake_fd);
	ctl.listen_fd = ctl.wake_fd = -1;
}
