/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Public keys looked up by keyid. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vigil/key.h>
#include "internal.h"

/* Linear lookup stays cheap far beyond this; the cap bounds a runaway directory. */
#define KEYSET_MAX 4096

struct vigil_keyset {
	struct vigil_pubkey **keys;
	size_t count, cap;
};

struct vigil_keyset *vigil_keyset_new(void)
{
	return calloc(1, sizeof(struct vigil_keyset));
}

void vigil_keyset_free(struct vigil_keyset *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->count; i++)
		vigil_pubkey_free(set->keys[i]);
	free(set->keys);
	free(set);
}

static int grow(struct vigil_keyset *set, struct vigil_error *err)
{
	size_t cap = set->cap ? set->cap * 2 : 8;
	struct vigil_pubkey **keys;

	if (cap > KEYSET_MAX)
		cap = KEYSET_MAX;
	keys = realloc(set->keys, cap * sizeof(*keys));
	if (!keys)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for the key set");
	set->keys = keys;
	set->cap = cap;
	return VIGIL_OK;
}

int vigil_keyset_add(struct vigil_keyset *set, struct vigil_pubkey *key,
		     struct vigil_error *err)
{
	int rc;

	if (!set || !key) {
		vigil_pubkey_free(key);
		return vigil_fail(err, VIGIL_ERR_INVALID, "no key set or no key to add");
	}
	if (set->count >= KEYSET_MAX) {
		rc = vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: more than %d public keys",
				vigil_pubkey_source(key), KEYSET_MAX);
		vigil_pubkey_free(key);
		return rc;
	}
	if (set->count == set->cap && (rc = grow(set, err)) != VIGIL_OK) {
		vigil_pubkey_free(key);
		return rc;
	}
	set->keys[set->count++] = key;
	return VIGIL_OK;
}

static int load_file(struct vigil_keyset *set, const char *path, struct vigil_error *err)
{
	struct vigil_pubkey *key;
	int rc = vigil_pubkey_load(path, &key, err);

	if (rc != VIGIL_OK)
		return rc;
	return vigil_keyset_add(set, key, err);
}

static int load_entry(struct vigil_keyset *set, const char *dir, const char *name,
		      struct vigil_error *err)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *path = malloc(len);
	struct stat st;
	int rc = VIGIL_OK;

	if (!path)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory");
	snprintf(path, len, "%s/%s", dir, name);
	if (stat(path, &st) < 0)
		rc = vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot stat", path);
	else if (S_ISREG(st.st_mode))
		rc = load_file(set, path, err);
	free(path);
	return rc;
}

/* Sorted, so that keys sharing a keyid are tried in a predictable order. */
static int load_dir(struct vigil_keyset *set, const char *dir, struct vigil_error *err)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), i, rc = VIGIL_OK;

	if (n < 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot list directory", dir);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (rc == VIGIL_OK && strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
			rc = load_entry(set, dir, name, err);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int load_path(struct vigil_keyset *set, const char *path, struct vigil_error *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot access", path);
	if (S_ISDIR(st.st_mode))
		return load_dir(set, path, err);
	return load_file(set, path, err);
}

int vigil_keyset_load(struct vigil_keyset *set, const char *paths, struct vigil_error *err)
{
	char *list, *item, *comma = NULL;
	int rc = VIGIL_OK;

	if (!set || !paths || !*paths)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no public key file given");
	list = strdup(paths);
	if (!list)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory");
	for (item = list; rc == VIGIL_OK && item; item = comma ? comma + 1 : NULL) {
		comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		if (!*item)
			rc = vigil_fail(err, VIGIL_ERR_INVALID, "empty entry in key list \"%s\"",
					paths);
		else
			rc = load_path(set, item, err);
	}
	free(list);
	return rc;
}

const struct vigil_pubkey *vigil_keyset_find(const struct vigil_keyset *set, uint32_t keyid)
{
	size_t i;

	for (i = 0; set && i < set->count; i++)
		if (vigil_pubkey_keyid(set->keys[i]) == keyid)
			return set->keys[i];
	return NULL;
}

size_t vigil_keyset_count(const struct vigil_keyset *set)
{
	return set ? set->count : 0;
}

const struct vigil_pubkey *vigil_keyset_at(const struct vigil_keyset *set, size_t i)
{
	if (!set || i >= set->count)
		return NULL;
	return set->keys[i];
}
