// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Config errors: filling and formatting them, quoting the user's text inside them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config_error.h"
#include "text_escape.h"

int config_error_set(struct config_error *err, const char *file, int line, int column,
		     const char *fmt, ...)
{
	va_list ap;

	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *config_error_format(const struct config_error *err, char *buf, size_t len)
{
	if (err->line > 0)
		snprintf(buf, len, "%s:%d:%d: error: %s", err->file, err->line, err->column,
			 err->message);
	else
		snprintf(buf, len, "%s: error: %s", err->file, err->message);
	return buf;
}

const char *config_quote(const char *text, size_t len, char *buf, size_t buf_len)
{
	const size_t max_chars = 64;
	size_t shown = len < max_chars ? len : max_chars, used;

	/* Room for 64 escaped characters, the quotes and "...": nothing is cut mid-way. */
	if (buf_len < CONFIG_QUOTE_STRLEN) {
		snprintf(buf, buf_len, "\"\"");
		return buf;
	}
	buf[0] = '"';
	text_escape(buf + 1, buf_len - 1, text, shown, "\"\\");
	used = strlen(buf);
	snprintf(buf + used, buf_len - used, "%s\"", shown < len ? "..." : "");
	return buf;
}
