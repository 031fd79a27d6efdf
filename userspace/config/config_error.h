/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Filling a config_error (internal to userspace/config/). */
#ifndef EDGEWATCH_CONFIG_ERROR_H
#define EDGEWATCH_CONFIG_ERROR_H

#include <stddef.h>

#include "config/config.h"

/* Set every field of err. Returns -EINVAL, so callers can `return config_error_set(...)`. */
int config_error_set(struct config_error *err, const char *file, int line, int column,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Write text as a double-quoted string safe to print: quotes, backslashes and bytes
 * outside printable ASCII escaped, cut after 64 characters with "...". Returns buf.
 */
#define CONFIG_QUOTE_STRLEN (2 + 64 * 4 + 3 + 1)
const char *config_quote(const char *text, size_t len, char *buf, size_t buf_len);

#endif /* EDGEWATCH_CONFIG_ERROR_H */
