/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Metrics with the names users alert on, in Prometheus' text exposition
 * format.  One renderer serves both outputs: the textfile for
 * node_exporter's textfile collector, replaced atomically (write a
 * temporary, rename) by the housekeeping thread, and the HTTP endpoint
 * (http.c), which renders into memory.  Neither runs on the threads that
 * answer fanotify events.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigild.h"

/* Labelled series are bounded: past this, failures count under file="(other)". */
#define METRICS_MAX_SERIES 1024
#define METRICS_OTHER "(other)"

struct series {
	char *file;
	const char *reason; /* static kernel words; NULL for EVM */
	uint64_t count;
};

struct family {
	struct series *items;
	size_t count;
};

static const struct {
	const char *name, *type, *help;
} counters[M_COUNT] = {
	[M_MEASUREMENTS] = { "ima_measurement_count", "gauge",
			     "Entries in the measurement list, boot_aggregate included" },
	[M_VIOLATIONS] = { "ima_policy_violations_total", "counter",
			   "ToMToU and open-writers violations recorded" },
	[M_PCR10_EXTENDS] = { "tpm_pcr10_extended_total", "counter",
			      "Extends of the measurement PCR (tpm_pcr, default 10) since start" },
	[M_OVERFLOWS] = { "vigild_fanotify_overflow_total", "counter",
			  "FAN_Q_OVERFLOW events: the kernel dropped events" },
	[M_QUEUE_FULL] = { "vigild_queue_full_total", "counter",
			   "Events answered without a decision because the work queue was full" },
	[M_READ_ERRORS] = { "vigild_fanotify_read_errors_total", "counter",
			    "Events the kernel could not hand over (EMFILE, ENFILE, ENOMEM): it "
			    "denied them" },
	[M_INTERNAL_ERRORS] = { "vigild_internal_errors_total", "counter",
				"Events that could not be decided (denied in enforce mode)" },
	[M_DENIED] = { "vigild_denied_total", "counter", "Opens and execs denied" },
	[M_EVENTS] = { "vigild_events_total", "counter", "Permission events decided" },
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t values[M_COUNT];
static atomic_bool dirty;
static struct family appraisal, evm;
static char *path, *tmp_path;

int metrics_init(const char *p, struct vigil_error *err)
{
	if (!p || !*p)
		return VIGIL_OK;
	path = strdup(p);
	tmp_path = malloc(strlen(p) + 8);
	if (!path || !tmp_path)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for the metrics path");
	sprintf(tmp_path, "%s.tmp", p);
	atomic_store(&dirty, true);
	return metrics_flush(true) == 0
		       ? VIGIL_OK
		       : vd_fail_errno(err, VIGIL_ERR_IO, "cannot write metrics file %s", p);
}

void metrics_inc(int c)
{
	atomic_fetch_add(&values[c], 1);
	atomic_store(&dirty, true);
}

void metrics_set(int c, uint64_t v)
{
	atomic_store(&values[c], v);
	atomic_store(&dirty, true);
}

static struct series *find(struct family *f, const char *file, const char *reason)
{
	for (size_t i = 0; i < f->count; i++)
		if (!strcmp(f->items[i].file, file) &&
		    (f->items[i].reason == reason ||
		     (reason && f->items[i].reason && !strcmp(f->items[i].reason, reason))))
			return &f->items[i];
	return NULL;
}

static struct series *add(struct family *f, const char *file, const char *reason)
{
	struct series *s, *grown;

	if (f->count == METRICS_MAX_SERIES)
		file = METRICS_OTHER;
	if ((s = find(f, file, reason)))
		return s;
	grown = realloc(f->items, (f->count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	f->items = grown;
	s = &f->items[f->count];
	s->file = strdup(file);
	if (!s->file)
		return NULL;
	s->reason = reason;
	s->count = 0;
	f->count++;
	return s;
}

static void bump(struct family *f, const char *file, const char *reason)
{
	struct series *s;

	pthread_mutex_lock(&lock);
	s = add(f, file, reason);
	if (s)
		s->count++;
	pthread_mutex_unlock(&lock);
	atomic_store(&dirty, true);
}

uint64_t metrics_get(int c)
{
	return atomic_load(&values[c]);
}

static uint64_t family_total(const struct family *f)
{
	uint64_t total = 0;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < f->count; i++)
		total += f->items[i].count;
	pthread_mutex_unlock(&lock);
	return total;
}

uint64_t metrics_appraisal_failures(void)
{
	return family_total(&appraisal);
}

uint64_t metrics_evm_failures(void)
{
	return family_total(&evm);
}

void metrics_appraisal_failure(const char *file, const char *reason)
{
	bump(&appraisal, file, reason ? reason : "unknown");
}

void metrics_evm_failure(const char *file)
{
	bump(&evm, file, NULL);
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] < 0x80)
		return 1;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Label values: \ " and newline escaped; control bytes and invalid UTF-8 become '?'. */
static void put_label(FILE *fp, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;

	while (*s) {
		size_t n = utf8_len(s);

		if (*s == '\\' || *s == '"')
			fprintf(fp, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", fp);
		else if (n == 0 || *s < 0x20 || *s == 0x7f)
			fputc('?', fp);
		else
			fwrite(s, 1, n, fp);
		s += n ? n : 1;
	}
}

static void put_header(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_family(FILE *fp, const char *name, const struct family *f, const char *help)
{
	put_header(fp, name, "counter", help);
	for (size_t i = 0; i < f->count; i++) {
		fprintf(fp, "%s{file=\"", name);
		put_label(fp, f->items[i].file);
		if (f->items[i].reason) {
			fputs("\",reason=\"", fp);
			put_label(fp, f->items[i].reason);
		}
		fprintf(fp, "\"} %llu\n", (unsigned long long)f->items[i].count);
	}
}

void metrics_render(FILE *fp)
{
	for (int c = 0; c < M_COUNT; c++) {
		put_header(fp, counters[c].name, counters[c].type, counters[c].help);
		fprintf(fp, "%s %llu\n", counters[c].name,
			(unsigned long long)atomic_load(&values[c]));
	}
	pthread_mutex_lock(&lock);
	put_family(fp, "ima_appraisal_failure_total", &appraisal,
		   "Appraisal failures by file and the kernel's cause");
	put_family(fp, "evm_appraisal_failure_total", &evm, "EVM verification failures by file");
	pthread_mutex_unlock(&lock);
}

int metrics_flush(bool force)
{
	FILE *fp;
	int rc;

	if (!path || (!force && !atomic_exchange(&dirty, false)))
		return 0;
	fp = fopen(tmp_path, "we");
	if (!fp)
		return -1;
	metrics_render(fp);
	rc = ferror(fp) ? -1 : 0;
	if (fclose(fp) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp_path, path) != 0)
		rc = -1;
	if (rc != 0) {
		vlog(VLOG_WARN, "vigild: cannot write metrics %s: %s", path, strerror(errno));
		unlink(tmp_path);
	}
	return rc;
}

static void family_free(struct family *f)
{
	for (size_t i = 0; i < f->count; i++)
		free(f->items[i].file);
	free(f->items);
	memset(f, 0, sizeof(*f));
}

void metrics_free(void)
{
	family_free(&appraisal);
	family_free(&evm);
	free(path);
	free(tmp_path);
	path = tmp_path = NULL;
}
