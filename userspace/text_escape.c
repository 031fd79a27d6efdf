// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Escaping user text for terminals (text_escape.h). */
#include <stdio.h>
#include <string.h>

#include "text_escape.h"

size_t text_escape(char *out, size_t out_size, const char *text, size_t len,
		   const char *backslashed)
{
	size_t used = 0, i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		int quoted = c && backslashed && strchr(backslashed, c);
		size_t need = quoted ? 2 : (c < 0x20 || c > 0x7e) ? 4 : 1;

		if (used + need + 1 > out_size)
			break;
		if (quoted) {
			out[used++] = '\\';
			out[used++] = (char)c;
		} else if (need == 4) {
			snprintf(out + used, out_size - used, "\\x%02x", c);
			used += 4;
		} else {
			out[used++] = (char)c;
		}
	}
	out[used] = '\0';
	return i;
}
