/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text and JSON output.  File names are arbitrary bytes, so both forms
 * escape them:
 *  - text, as coreutils' sha256sum does: a name holding a backslash, a
 *    newline or a carriage return is written with "\\", "\n", "\r" and its
 *    line starts with a backslash;
 *  - JSON strings are UTF-8: valid UTF-8 is copied, control characters,
 *    '"' and '\' are escaped, and each byte that is not part of valid UTF-8
 *    is written as the lone surrogate \udcXX (XX the byte), Python's
 *    "surrogateescape": os.fsencode() of the decoded string gives back the
 *    exact bytes.  Items whose path is not valid UTF-8 also carry
 *    "path_hex", the name's bytes in hex, for parsers that replace lone
 *    surrogates.
 */
#include <string.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (; *p; p += n)
		if ((n = utf8_len(p)) == 0)
			return false;
	return true;
}

void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	for (; *p; p += n) {
		n = utf8_len(p);
		if (n == 0) {
			fprintf(f, "\\udc%02x", *p);
			n = 1;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fwrite(p, 1, n, f);
		}
	}
	fputc('"', f);
}

void json_kv_str(FILE *f, const char *key, const char *value)
{
	fprintf(f, ",\"%s\":", key);
	json_str(f, value);
}

void print_hex(FILE *f, const uint8_t *bytes, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%02x", bytes[i]);
}

void json_kv_hex(FILE *f, const char *key, const uint8_t *bytes, size_t len)
{
	fprintf(f, ",\"%s\":\"", key);
	print_hex(f, bytes, len);
	fputc('"', f);
}

void json_kv_uint(FILE *f, const char *key, unsigned long long value)
{
	fprintf(f, ",\"%s\":%llu", key, value);
}

void json_kv_bool(FILE *f, const char *key, bool value)
{
	fprintf(f, ",\"%s\":%s", key, value ? "true" : "false");
}

void json_kv_keyid(FILE *f, const char *key, uint32_t keyid)
{
	fprintf(f, ",\"%s\":\"%08x\"", key, keyid);
}

static bool path_needs_escape(const char *path)
{
	return strpbrk(path, "\\\n\r") != NULL;
}

void text_path(FILE *f, const char *path)
{
	const char *p;

	for (p = path; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else
			fputc(*p, f);
	}
}

void text_line_start(FILE *f, const char *path)
{
	if (path_needs_escape(path))
		fputc('\\', f);
}

void report_start(struct report *r)
{
	if (r->json)
		printf("{\"command\":\"%s\",\"files\":[", r->cmd);
}

static const char *status_word(int outcome)
{
	return outcome == ITEM_OK ? "ok" : outcome == ITEM_FAILED ? "failed" : "error";
}

void report_json_open(struct report *r, const struct item *it)
{
	printf("%s\n{\"path\":", r->any ? "," : "");
	r->any = true;
	json_str(stdout, it->path);
	if (!valid_utf8(it->path))
		json_kv_hex(stdout, "path_hex", (const uint8_t *)it->path, strlen(it->path));
	json_kv_str(stdout, "status", status_word(it->outcome));
	if (it->outcome == ITEM_OK)
		return;
	if (it->cause && it->outcome == ITEM_FAILED)
		json_kv_str(stdout, "cause", it->cause);
	json_kv_str(stdout, "code", vigil_status_name(it->err.code));
	json_kv_str(stdout, "error", it->err.msg);
}

void report_json_close(void)
{
	putchar('}');
}

void report_finish(struct report *r, const struct walk_stats *st, bool text_summary)
{
	if (r->json) {
		printf("\n],\"summary\":{\"files\":%lu,\"ok\":%lu,\"failed\":%lu,\"errors\":%lu}}\n",
		       st->files, st->ok, st->failed, st->errors);
		return;
	}
	if (!text_summary || r->quiet)
		return;
	fflush(stdout);
	fprintf(stderr, "%lu file%s: %lu ok, %lu failed", st->files, st->files == 1 ? "" : "s",
		st->ok, st->failed);
	if (st->errors)
		fprintf(stderr, ", %lu error%s", st->errors, st->errors == 1 ? "" : "s");
	fputc('\n', stderr);
}

void report_text_error(const struct report *r, const struct item *it)
{
	fflush(stdout);
	fprintf(stderr, "vigil %s: ", r->cmd);
	text_path(stderr, it->path);
	fprintf(stderr, ": %s\n", it->err.msg);
}

void report_text_verdict(const struct report *r, const struct item *it)
{
	if (it->outcome == ITEM_OK && r->quiet)
		return;
	text_line_start(stdout, it->path);
	text_path(stdout, it->path);
	if (it->outcome == ITEM_OK)
		fputs(": ok\n", stdout);
	else if (it->outcome == ITEM_ERROR)
		printf(": ERROR (%s)\n", it->err.msg);
	else if (it->cause)
		printf(": FAILED (%s: %s)\n", it->cause, it->err.msg);
	else
		printf(": FAILED (%s)\n", it->err.msg);
}

int report_exit(const struct report *r, int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vigil %s: cannot write the output\n", r->cmd);
		return EXIT_USAGE;
	}
	return status;
}
