// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Config errors: filling and formatting them, quoting the user's text inside them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config_error.h"

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
	size_t used = 0, i;

	/* Every step below needs at most 4 + 4 bytes ('\xNN' and the closing '..."'). */
	if (buf_len < CONFIG_QUOTE_STRLEN) {
		snprintf(buf, buf_len, "\"\"");
		return buf;
	}
	buf[used++] = '"';
	for (i = 0; i < len && i < max_chars; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '"' || c == '\\')
			used += (size_t)snprintf(buf + used, buf_len - used, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			used += (size_t)snprintf(buf + used, buf_len - used, "\\x%02x", c);
		else
			buf[used++] = (char)c;
	}
	if (i < len)
		used += (size_t)snprintf(buf + used, buf_len - used, "...");
	snprintf(buf + used, buf_len - used, "\"");
	return buf;
}
