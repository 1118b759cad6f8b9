/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What key.c shares with sign.c; not installed. */
#ifndef VIGIL_KEY_INTERNAL_H
#define VIGIL_KEY_INTERNAL_H

#include <openssl/evp.h>
#include <vigil/key.h>

EVP_PKEY *vigil_privkey_evp(const struct vigil_privkey *key);
const char *vigil_privkey_source(const struct vigil_privkey *key);
EVP_PKEY *vigil_pubkey_evp(const struct vigil_pubkey *key);
enum vigil_key_type vigil_evp_key_type(const EVP_PKEY *pkey);

#endif
