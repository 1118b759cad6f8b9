/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the measurement-list subcommands: input, expected PCRs, names, PCR reports. */
#include <stdlib.h>
#include <string.h>

#include "log.h"

int log_common_opt(const char *cmd, int opt, const char *arg, struct log_input *in,
		   struct log_pcrs *pcrs, struct log_banks *banks)
{
	int algo;

	switch (opt) {
	case OPT_LIST_ALGO:
		return opt_algo(cmd, arg, &in->list_algo) ? -1 : 1;
	case OPT_BIG_ENDIAN:
		in->flags |= VIGIL_MLIST_BIG_ENDIAN;
		return 1;
	case OPT_PCRS:
		if (!pcrs)
			return 0;
		if (pcrs->nfiles == LOG_MAX_PCR_FILES)
			return cli_usage(cmd, "at most %d --pcrs files", LOG_MAX_PCR_FILES), -1;
		pcrs->files[pcrs->nfiles++] = arg;
		return 1;
	case OPT_TPM:
		if (!pcrs)
			return 0;
		pcrs->tpm = true;
		return 1;
	case OPT_TCTI:
		if (!pcrs)
			return 0;
		pcrs->tcti = arg;
		return 1;
	case OPT_BANK:
		if (!banks)
			return 0;
		if (opt_algo(cmd, arg, &algo))
			return -1;
		for (unsigned i = 0; i < banks->n; i++)
			if (banks->algos[i] == algo)
				return cli_usage(cmd, "bank %s given twice", arg), -1;
		if (banks->n == VIGIL_MAX_BANKS)
			return cli_usage(cmd, "at most %d banks", VIGIL_MAX_BANKS), -1;
		banks->algos[banks->n++] = algo;
		return 1;
	}
	return 0;
}

/* binary_runtime_measurements_sha256 (kernels >= 6.12) stores sha256 template digests. */
int log_list_algo(const struct log_input *in)
{
	const char *base, *us;
	const struct vigil_hash_info *info;

	if (in->list_algo >= 0)
		return in->list_algo;
	base = strrchr(in->path, '/');
	base = base ? base + 1 : in->path;
	us = strrchr(base, '_');
	if (strncmp(base, "binary_runtime_measurements_", 28) == 0 && us &&
	    (info = vigil_hash_by_name(us + 1)))
		return info->id;
	return VIGIL_HASH_SHA1;
}

int log_open(const char *cmd, const struct log_input *in, struct vigil_mlist_reader **out)
{
	struct vigil_error err = { 0 };
	int algo = log_list_algo(in), rc;

	if (strcmp(in->path, "-") == 0)
		rc = vigil_mlist_reader_file(stdin, algo, in->flags, out, &err);
	else
		rc = vigil_mlist_reader_path(in->path, algo, in->flags, out, &err);
	if (rc != VIGIL_OK) {
		cli_error(cmd, "%s", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

/* "sha256,FILE" names the bank as evmctl's --pcrs does; a bare FILE is inferred. */
static int load_pcr_file(const char *cmd, const char *spec, struct vigil_pcrs *p)
{
	struct vigil_error err = { 0 };
	const char *comma = strchr(spec, ',');
	const char *path = spec;
	int algo = -1;

	if (comma && comma - spec < 32) {
		char name[32];
		const struct vigil_hash_info *info;

		memcpy(name, spec, (size_t)(comma - spec));
		name[comma - spec] = '\0';
		if ((info = vigil_hash_by_name(name))) {
			algo = info->id;
			path = comma + 1;
		}
	}
	if (vigil_pcrs_load(p, path, algo, &err) != VIGIL_OK) {
		cli_error(cmd, "--pcrs %s", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

int log_load_pcrs(const char *cmd, struct log_pcrs *p)
{
	vigil_pcrs_init(&p->pcrs);
	for (unsigned i = 0; i < p->nfiles; i++)
		if (load_pcr_file(cmd, p->files[i], &p->pcrs))
			return EXIT_USAGE;
	if (p->tpm && log_tpm_read(cmd, p->tcti, &p->pcrs))
		return EXIT_USAGE;
	p->loaded = p->nfiles || p->tpm;
	return 0;
}

void log_default_banks(struct log_banks *b, const struct log_pcrs *p)
{
	if (b->n)
		return;
	for (unsigned i = 0; p && p->loaded && i < p->pcrs.nbanks && b->n < VIGIL_MAX_BANKS; i++)
		if (vigil_hash_available(p->pcrs.banks[i].algo))
			b->algos[b->n++] = p->pcrs.banks[i].algo;
	if (b->n)
		return;
	b->algos[b->n++] = VIGIL_HASH_SHA1;
	b->algos[b->n++] = VIGIL_HASH_SHA256;
}

/* ------------------------------------------------------------------- names */

void log_text_name(FILE *f, const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '\\')
			fputs("\\\\", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

void log_json_name(FILE *f, const char *key, const char *name, size_t len)
{
	char small[512], *s = len < sizeof(small) ? small : malloc(len + 1);
	bool plain = true;

	if (!s) {
		fprintf(f, ",\"%s\":null", key);
		return;
	}
	memcpy(s, name, len);
	s[len] = '\0';
	json_kv_str(f, key, s);
	for (size_t i = 0; i < len; i++)
		plain &= (unsigned char)name[i] >= 0x20 && (unsigned char)name[i] < 0x7f;
	if (!plain) {
		char hkey[64];

		snprintf(hkey, sizeof(hkey), "%s_hex", key);
		json_kv_hex(f, hkey, (const uint8_t *)name, len);
	}
	if (s != small)
		free(s);
}

/* ------------------------------------------------------------- PCR reports */

void log_compare(struct replay_report *rr)
{
	rr->cmp = VIGIL_ERR_NO_DATA;
	memset(&rr->res, 0, sizeof(rr->res));
	if (rr->expected)
		rr->cmp = vigil_replay_compare(rr->rp, rr->expected, &rr->res, &rr->err);
}

static const char *variant_name(int v)
{
	return v == VIGIL_REPLAY_PER_BANK ? "per-bank" : v == VIGIL_REPLAY_PADDED ? "padded" : "none";
}

static const char *variant_words(int v)
{
	return v == VIGIL_REPLAY_PER_BANK ? "per-bank template digests" :
	       "SHA-1 template digests zero-padded";
}

static const struct vigil_replay_bank_result *bank_result(const struct replay_report *rr,
							  int algo)
{
	for (unsigned i = 0; i < rr->res.nbanks; i++)
		if (rr->res.banks[i].algo == algo)
			return &rr->res.banks[i];
	return NULL;
}

static void text_pcr(const struct replay_report *rr, const struct vigil_pcr_bank *per,
		     const struct vigil_pcr_bank *pad, unsigned idx)
{
	const struct vigil_replay_bank_result *br = bank_result(rr, per->algo);
	size_t len = vigil_hash_by_id(per->algo)->digest_len;
	const struct vigil_pcr_bank *x = rr->expected ? vigil_pcrs_find(rr->expected, per->algo) : NULL;
	bool differ = memcmp(per->pcr[idx], pad->pcr[idx], len) != 0;

	printf("%s PCR-%02u ", algo_name(per->algo), idx);
	if (br && br->status == VIGIL_BANK_MATCH) {
		print_hex(stdout, (br->variant == VIGIL_REPLAY_PADDED ? pad : per)->pcr[idx], len);
		printf(": match (%s)\n", variant_words(br->variant));
		return;
	}
	print_hex(stdout, per->pcr[idx], len);
	if (differ) {
		fputs(" (per-bank), ", stdout);
		print_hex(stdout, pad->pcr[idx], len);
		fputs(" (padded SHA-1)", stdout);
	}
	if (br && br->status == VIGIL_BANK_MISMATCH && x && (x->valid & (1u << idx))) {
		fputs(br->mismatch_mask & (1u << idx) ? ": MISMATCH, expected " : ": expected ", stdout);
		print_hex(stdout, x->pcr[idx], len);
	} else if (rr->expected) {
		fputs(": not checked (no expected value)", stdout);
	}
	putchar('\n');
}

void log_print_pcrs_text(const struct replay_report *rr)
{
	struct vigil_pcrs per, pad;
	struct vigil_replay_stats st;

	vigil_replay_get_stats(rr->rp, &st);
	vigil_replay_pcrs(rr->rp, VIGIL_REPLAY_PER_BANK, &per);
	vigil_replay_pcrs(rr->rp, VIGIL_REPLAY_PADDED, &pad);
	for (unsigned b = 0; b < per.nbanks; b++)
		for (unsigned i = 0; i < VIGIL_PCR_COUNT; i++)
			if (st.pcr_mask & (1u << i))
				text_pcr(rr, &per.banks[b], &pad.banks[b], i);
}

static void json_bank(const struct replay_report *rr, const struct vigil_pcr_bank *per,
		      const struct vigil_pcr_bank *pad, uint32_t mask)
{
	const struct vigil_replay_bank_result *br = bank_result(rr, per->algo);
	const struct vigil_pcr_bank *x = rr->expected ? vigil_pcrs_find(rr->expected, per->algo) : NULL;
	size_t len = vigil_hash_by_id(per->algo)->digest_len;
	bool first = true;

	printf("{\"algo\":\"%s\",\"status\":\"%s\",\"variant\":\"%s\",\"pcrs\":{", algo_name(per->algo),
	       !br || br->status == VIGIL_BANK_UNCHECKED ? "unchecked" :
	       br->status == VIGIL_BANK_MATCH ? "match" : "mismatch",
	       variant_name(br ? br->variant : -1));
	for (unsigned i = 0; i < VIGIL_PCR_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		printf("%s\"%u\":{\"per_bank\":\"", first ? "" : ",", i);
		first = false;
		print_hex(stdout, per->pcr[i], len);
		fputs("\"", stdout);
		json_kv_hex(stdout, "padded", pad->pcr[i], len);
		if (x && (x->valid & (1u << i)))
			json_kv_hex(stdout, "expected", x->pcr[i], len);
		putchar('}');
	}
	fputs("}}", stdout);
}

void log_print_pcrs_json(const struct replay_report *rr)
{
	struct vigil_pcrs per, pad;
	struct vigil_replay_stats st;

	vigil_replay_get_stats(rr->rp, &st);
	vigil_replay_pcrs(rr->rp, VIGIL_REPLAY_PER_BANK, &per);
	vigil_replay_pcrs(rr->rp, VIGIL_REPLAY_PADDED, &pad);
	fputs(",\"banks\":[", stdout);
	for (unsigned b = 0; b < per.nbanks; b++) {
		if (b)
			putchar(',');
		json_bank(rr, &per.banks[b], &pad.banks[b], st.pcr_mask);
	}
	putchar(']');
	json_kv_str(stdout, "pcrs_result", !rr->expected ? "unchecked" :
		    rr->cmp == VIGIL_OK ? "match" :
		    rr->cmp == VIGIL_ERR_MISMATCH ? "mismatch" : "unchecked");
	if (rr->expected && rr->cmp != VIGIL_OK)
		json_kv_str(stdout, "pcrs_error", rr->err.msg);
}
