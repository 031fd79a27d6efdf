/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User text made safe to print to a terminal: the one escaping every error message uses
 * (config errors through config_quote(), rule-file problems through rules_problems_add()),
 * so a byte string like "ESC ] 0 ; title BEL ESC [2J" in a file cannot rewrite the
 * operator's terminal when its error is shown.
 */
#ifndef EDGEWATCH_TEXT_ESCAPE_H
#define EDGEWATCH_TEXT_ESCAPE_H

#include <stddef.h>

/*
 * Copy text[0..len) into out: bytes outside printable ASCII (0x20..0x7e) as \xNN, the
 * characters in `backslashed` (may be NULL) preceded by '\'. Stops before a character
 * whose escape would not fit; out is always NUL-terminated (out_size >= 1).
 * Returns how many bytes of text were written out.
 */
size_t text_escape(char *out, size_t out_size, const char *text, size_t len,
		   const char *backslashed);

#endif /* EDGEWATCH_TEXT_ESCAPE_H */
