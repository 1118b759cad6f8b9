/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What reference.c shares with refcheck.c; not installed. */
#ifndef VIGIL_REFERENCE_INTERNAL_H
#define VIGIL_REFERENCE_INTERNAL_H

#include <stdint.h>
#include <vigil/reference.h>

/* A policy key that signatures name by another keyid than its own, or NULL. */
const struct vigil_pubkey *vigil_refdb_alias(const struct vigil_refdb *db, uint32_t keyid);

#endif
