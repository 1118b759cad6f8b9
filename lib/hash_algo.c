/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's hash algorithm table mapped onto OpenSSL digests. */
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include <vigil/hash.h>
#include "internal.h"

static const struct vigil_hash_info hash_table[VIGIL_HASH_ALGO_COUNT] = {
	{ VIGIL_HASH_MD4, "md4", 16, "MD4" },
	{ VIGIL_HASH_MD5, "md5", 16, "MD5" },
	{ VIGIL_HASH_SHA1, "sha1", 20, "SHA1" },
	{ VIGIL_HASH_RMD160, "rmd160", 20, "RIPEMD160" },
	{ VIGIL_HASH_SHA256, "sha256", 32, "SHA256" },
	{ VIGIL_HASH_SHA384, "sha384", 48, "SHA384" },
	{ VIGIL_HASH_SHA512, "sha512", 64, "SHA512" },
	{ VIGIL_HASH_SHA224, "sha224", 28, "SHA224" },
	{ VIGIL_HASH_RMD128, "rmd128", 16, NULL },
	{ VIGIL_HASH_RMD256, "rmd256", 32, NULL },
	{ VIGIL_HASH_RMD320, "rmd320", 40, NULL },
	{ VIGIL_HASH_WP256, "wp256", 32, NULL },
	{ VIGIL_HASH_WP384, "wp384", 48, NULL },
	{ VIGIL_HASH_WP512, "wp512", 64, "WHIRLPOOL" },
	{ VIGIL_HASH_TGR128, "tgr128", 16, NULL },
	{ VIGIL_HASH_TGR160, "tgr160", 20, NULL },
	{ VIGIL_HASH_TGR192, "tgr192", 24, NULL },
	{ VIGIL_HASH_SM3_256, "sm3", 32, "SM3" },
	{ VIGIL_HASH_STREEBOG_256, "streebog256", 32, NULL },
	{ VIGIL_HASH_STREEBOG_512, "streebog512", 64, NULL },
	{ VIGIL_HASH_SHA3_256, "sha3-256", 32, "SHA3-256" },
	{ VIGIL_HASH_SHA3_384, "sha3-384", 48, "SHA3-384" },
	{ VIGIL_HASH_SHA3_512, "sha3-512", 64, "SHA3-512" },
};

static const struct {
	const char *alias;
	int id;
} hash_aliases[] = {
	{ "sm3-256", VIGIL_HASH_SM3_256 },
	{ "ripemd160", VIGIL_HASH_RMD160 },
	{ "whirlpool", VIGIL_HASH_WP512 },
	{ "sha3_256", VIGIL_HASH_SHA3_256 },
	{ "sha3_384", VIGIL_HASH_SHA3_384 },
	{ "sha3_512", VIGIL_HASH_SHA3_512 },
};

const struct vigil_hash_info *vigil_hash_by_id(int id)
{
	if (id < 0 || id >= VIGIL_HASH_ALGO_COUNT)
		return NULL;
	return &hash_table[id];
}

const struct vigil_hash_info *vigil_hash_by_name(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < VIGIL_HASH_ALGO_COUNT; i++)
		if (strcasecmp(name, hash_table[i].name) == 0)
			return &hash_table[i];
	for (i = 0; i < sizeof(hash_aliases) / sizeof(hash_aliases[0]); i++)
		if (strcasecmp(name, hash_aliases[i].alias) == 0)
			return &hash_table[hash_aliases[i].id];
	return NULL;
}

/*
 * Digests are fetched once: implicit fetching on every EVP_DigestInit costs
 * a lock and a lookup per file.  MD4 and Whirlpool live in OpenSSL's legacy
 * provider, which is loaded into a private library context so that the
 * application's default context is left as the application set it up.
 */
static const EVP_MD *fetched[VIGIL_HASH_ALGO_COUNT];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
	OSSL_LIB_CTX *legacy_ctx = NULL;
	size_t i;

	for (i = 0; i < VIGIL_HASH_ALGO_COUNT; i++) {
		const char *name = hash_table[i].evp_name;

		if (!name)
			continue;
		fetched[i] = EVP_MD_fetch(NULL, name, NULL);
		if (fetched[i])
			continue;
		if (!legacy_ctx) {
			legacy_ctx = OSSL_LIB_CTX_new();
			if (!legacy_ctx || !OSSL_PROVIDER_load(legacy_ctx, "legacy") ||
			    !OSSL_PROVIDER_load(legacy_ctx, "default"))
				continue;
		}
		fetched[i] = EVP_MD_fetch(legacy_ctx, name, NULL);
	}
	/* The context stays alive with the digests fetched from it. */
	ERR_clear_error();
}

const EVP_MD *vigil_hash_md(int algo)
{
	if (algo < 0 || algo >= VIGIL_HASH_ALGO_COUNT)
		return NULL;
	pthread_once(&fetch_once, fetch_all);
	return fetched[algo];
}

bool vigil_hash_available(int id)
{
	return vigil_hash_md(id) != NULL;
}
