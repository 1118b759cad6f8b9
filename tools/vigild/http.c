/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTP endpoint Prometheus scrapes: GET (or HEAD) /metrics answers the
 * same text exposition as the textfile (metrics_render), 404 for any other
 * path, 405 for any other method, then the connection closes.  HTTP/1.0
 * and 1.1, plain sockets, no library.
 *
 * One connection at a time, on its own thread, from memory only: nothing
 * it does opens a file.  A request is at most HTTP_MAX_REQUEST bytes of
 * request line and headers (a body is never read), and a client has
 * HTTP_TIMEOUT_MS to send it and to take the answer: a slow or silent
 * client delays the next scrape by that much at most and the daemon not
 * at all.  Addresses are numeric (no name service after the marks), and
 * a bare port binds the loopback address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vigild.h"

#define HTTP_MAX_REQUEST 8192
#define HTTP_TIMEOUT_MS 3000
#define HTTP_LINGER_MS 500

static struct {
	int listen_fd, wake_fd;
	pthread_t thread;
	bool running;
	atomic_bool stop;
} http = { .listen_fd = -1, .wake_fd = -1 };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------- addresses */

static int bad_listen(char *why, size_t cap, const char *fmt, const char *what)
{
	snprintf(why, cap, fmt, what);
	return -1;
}

static int parse_port(const char *text, uint16_t *port, char *why, size_t cap)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (!*text || *end || errno || n == 0 || n > 65535 || text[0] == '-' || text[0] == '+')
		return bad_listen(why, cap, "'%s' is not a port from 1 to 65535", text);
	*port = (uint16_t)n;
	return 0;
}

int http_parse_listen(const char *text, struct sockaddr_storage *ss, unsigned *len, char *why,
		      size_t cap)
{
	char host[64] = "127.0.0.1";
	const char *port = text, *colon;
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	uint16_t p;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') { /* [IPV6]:PORT */
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return bad_listen(why, cap, "'%s' is not [IPV6]:PORT", text);
		hl = (size_t)(close - text - 1);
		if (hl >= sizeof(host))
			return bad_listen(why, cap, "'%s': address too long", text);
		memcpy(host, text + 1, hl);
		host[hl] = '\0';
		port = close + 2;
	} else if ((colon = strrchr(text, ':'))) {
		hl = (size_t)(colon - text);
		if (memchr(text, ':', hl))
			return bad_listen(why, cap, "'%s': write an IPv6 address as [ADDRESS]:PORT",
					  text);
		if (hl >= sizeof(host))
			return bad_listen(why, cap, "'%s': address too long", text);
		if (hl) {
			memcpy(host, text, hl);
			host[hl] = '\0';
		}
		port = colon + 1;
	} else if (strspn(text, "0123456789") != strlen(text)) {
		return bad_listen(why, cap, "'%s' is not HOST:PORT (a numeric address and a port, "
				  "e.g. 127.0.0.1:9464) or a port", text);
	}
	if (parse_port(port, &p, why, cap) != 0)
		return -1;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(p);
		*len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(p);
		*len = sizeof(*v6);
	} else {
		return bad_listen(why, cap, "'%s' is not a numeric IPv4 or IPv6 address (vigild "
				  "resolves no names; e.g. 127.0.0.1:9464 or [::1]:9464)", host);
	}
	return 0;
}

/* ------------------------------------------------------------ one client */

/* Waits until fd is ready for events or the deadline passes. */
static bool wait_for(int fd, short events, int64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left;
	int rc;

	do {
		left = deadline - now_ms();
		if (left <= 0)
			return false;
		rc = poll(&p, 1, (int)left);
	} while (rc < 0 && errno == EINTR);
	return rc > 0;
}

static bool headers_complete(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (buf[i] == '\n' && (buf[i + 1] == '\n' ||
				       (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')))
			return true;
	return false;
}

enum read_result { REQ_OK, REQ_TOO_BIG, REQ_TIMEOUT, REQ_GONE };

/* The request line and headers, NUL-terminated. */
static int read_request(int fd, char *buf, size_t cap, int64_t deadline)
{
	size_t len = 0;
	ssize_t n;

	while (!headers_complete(buf, len)) {
		if (len == cap - 1)
			return REQ_TOO_BIG;
		if (!wait_for(fd, POLLIN, deadline))
			return REQ_TIMEOUT;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return REQ_GONE;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return REQ_OK;
}

static bool send_all(int fd, const char *p, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!wait_for(fd, POLLOUT, deadline))
				return false;
			continue;
		}
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void respond(int fd, int status, const char *reason, const char *extra, const char *body,
		    size_t body_len, bool head, int64_t deadline)
{
	char hdr[512], date[64];
	time_t t = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: vigild\r\n"
		     "Content-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
		     status, reason, date,
		     status == 200 ? "text/plain; version=0.0.4; charset=utf-8"
				   : "text/plain; charset=utf-8",
		     body_len, extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return;
	if (send_all(fd, hdr, (size_t)n, deadline) && !head)
		send_all(fd, body, body_len, deadline);
}

static void respond_text(int fd, int status, const char *reason, const char *extra, bool head,
			 int64_t deadline)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason);

	respond(fd, status, reason, extra, body, (size_t)n, head, deadline);
}

static void respond_metrics(int fd, bool head, int64_t deadline)
{
	char *body = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&body, &len);
	bool ok = fp != NULL;

	if (fp) {
		metrics_render(fp);
		ok = !ferror(fp);
		ok = fclose(fp) == 0 && ok;
	}
	if (ok)
		respond(fd, 200, "OK", NULL, body, len, head, deadline);
	else
		respond_text(fd, 500, "Internal Server Error", NULL, head, deadline);
	free(body);
}

/* "METHOD TARGET HTTP/1.x": splits buf in place. */
static bool parse_request_line(char *buf, char **method, char **target)
{
	char *eol = strpbrk(buf, "\r\n"), *sp1, *sp2, *query;

	if (!eol) /* a NUL byte before the end of the line */
		return false;
	*eol = '\0';
	sp1 = strchr(buf, ' ');
	if (!sp1)
		return false;
	*sp1 = '\0';
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || !sp2[8] || sp2[9])
		return false;
	*sp2 = '\0';
	*method = buf;
	*target = sp1 + 1;
	if ((query = strchr(*target, '?')))
		*query = '\0';
	return **method && **target == '/';
}

static void answer(int fd, char *req, int64_t deadline)
{
	char *method, *target;
	bool head;

	if (!parse_request_line(req, &method, &target)) {
		respond_text(fd, 400, "Bad Request", NULL, false, deadline);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (strcmp(target, "/metrics") != 0)
		respond_text(fd, 404, "Not Found", NULL, head, deadline);
	else if (!head && strcmp(method, "GET") != 0)
		respond_text(fd, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n", false, deadline);
	else
		respond_metrics(fd, head, deadline);
}

/* Unread bytes (a body) at close() would reset the connection under the answer. */
static void linger_close(int fd)
{
	int64_t until = now_ms() + HTTP_LINGER_MS;
	char scratch[1024];
	ssize_t n;

	shutdown(fd, SHUT_WR);
	while (wait_for(fd, POLLIN, until)) {
		n = recv(fd, scratch, sizeof(scratch), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	close(fd);
}

static void serve_one(int fd)
{
	static char req[HTTP_MAX_REQUEST + 1];
	int64_t deadline = now_ms() + HTTP_TIMEOUT_MS;

	req[0] = '\0';
	switch (read_request(fd, req, sizeof(req), deadline)) {
	case REQ_OK:
		answer(fd, req, deadline);
		break;
	case REQ_TOO_BIG:
		respond_text(fd, 431, "Request Header Fields Too Large", NULL, false, deadline);
		break;
	case REQ_TIMEOUT:
		respond_text(fd, 408, "Request Timeout", NULL, false, now_ms() + HTTP_LINGER_MS);
		break;
	default:
		break;
	}
	linger_close(fd);
}

/* ------------------------------------------------------------------ loop */

static void *serve(void *arg)
{
	struct pollfd p[2] = { { http.wake_fd, POLLIN, 0 }, { http.listen_fd, POLLIN, 0 } };
	int fd;

	(void)arg;
	pthread_setname_np(pthread_self(), "vigild-http");
	while (!atomic_load(&http.stop)) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			vlog(VLOG_ERR, "vigild: metrics endpoint: poll: %s", strerror(errno));
			break;
		}
		if (!(p[1].revents & POLLIN))
			continue;
		fd = accept4(http.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			serve_one(fd);
	}
	return NULL;
}

/* "127.0.0.1:9464", "[::1]:9464" */
static const char *shown(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		snprintf(buf, cap, "%s:%u", host, ntohs(v4->sin_port));
	} else {
		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		snprintf(buf, cap, "[%s]:%u", host, ntohs(v6->sin6_port));
	}
	return buf;
}

static int listen_on(const struct sockaddr_storage *ss, unsigned len, const char *text,
		     struct vigil_error *err)
{
	int one = 1;

	http.listen_fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (http.listen_fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "metrics_listen %s: socket", text);
	setsockopt(http.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(http.listen_fd, (const struct sockaddr *)ss, (socklen_t)len) != 0 ||
	    listen(http.listen_fd, 16) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "metrics_listen %s: cannot listen", text);
	return VIGIL_OK;
}

static int start_thread(struct vigil_error *err)
{
	int rc;

	http.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (http.wake_fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "metrics endpoint: eventfd");
	if ((rc = pthread_create(&http.thread, NULL, serve, NULL)) != 0) {
		errno = rc;
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot start the metrics endpoint thread");
	}
	http.running = true;
	return VIGIL_OK;
}

int http_start(const char *listen_at, struct vigil_error *err)
{
	struct sockaddr_storage ss;
	unsigned len;
	char why[200];
	int rc;

	if (!listen_at)
		return VIGIL_OK;
	if (http_parse_listen(listen_at, &ss, &len, why, sizeof(why)) != 0)
		return vd_fail(err, VIGIL_ERR_INVALID, "metrics_listen: %s", why);
	if ((rc = listen_on(&ss, len, listen_at, err)) != VIGIL_OK ||
	    (rc = start_thread(err)) != VIGIL_OK) {
		http_stop(); /* nothing half-made stays */
		return rc;
	}
	vlog(VLOG_INFO, "vigild: metrics endpoint http://%s/metrics", shown(&ss, why, sizeof(why)));
	return VIGIL_OK;
}

void http_stop(void)
{
	uint64_t one = 1;

	if (http.running) {
		atomic_store(&http.stop, true);
		if (write(http.wake_fd, &one, sizeof(one)) != sizeof(one))
			vlog(VLOG_ERR, "vigild: cannot wake the metrics thread: %s", strerror(errno));
		pthread_join(http.thread, NULL);
		http.running = false;
	}
	if (http.listen_fd >= 0)
		close(http.listen_fd);
	if (http.wake_fd >= 0)
		close(http.wake_fd);
	http.listen_fd = http.wake_fd = -1;
}
