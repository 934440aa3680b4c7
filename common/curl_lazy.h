/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl, loaded on first use so that commands that never reach a server start fast. */
#ifndef MESH_CURL_LAZY_H
#define MESH_CURL_LAZY_H

#include "strbuf.h"

/*
 * The binaries do not link libcurl: common/curl_lazy.c defines the
 * curl_* functions the library uses and forwards each to the system's
 * libcurl.so.4, opened with dlopen() the first time one is called.
 * --help, -f analyses and completion of static words therefore never
 * pay for loading libcurl and its thirty dependencies.
 *
 * curl_lazy_load() opens it now.  Returns 0, or -1 with err set to a
 * message naming the missing library; after a failure every forwarded
 * call fails the way libcurl reports an error (NULL handles,
 * CURLE_FAILED_INIT).
 */
int curl_lazy_load(struct strbuf *err);

#endif
