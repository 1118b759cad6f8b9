/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_VIGIL_H
#define VIGIL_VIGIL_H

#include <vigil/error.h>
#include <vigil/hash.h>
#include <vigil/xattr.h>
#include <vigil/key.h>
#include <vigil/sig.h>
#include <vigil/file.h>
#include <vigil/ima.h>
#include <vigil/evm.h>
#include <vigil/policy.h>
#include <vigil/mlist.h>
#include <vigil/eventlog.h>
#include <vigil/reference.h>
#include <vigil/attest.h>

#endif
