// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The list of problems a load found: errors and skipped rules, each with where and why. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"
#include "text_escape.h"

int rules_problems_add(struct rules_problems *problems, const char *file, int line, int column,
		       const char *keyword, int skipped, const char *fmt, ...)
{
	struct rules_problem *problem;
	char message[1024];
	va_list ap;

	if (problems->count == problems->capacity) {
		size_t capacity = problems->capacity ? problems->capacity * 2 : 16;
		struct rules_problem *grown = realloc(problems->items, capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		problems->items = grown;
		problems->capacity = capacity;
	}
	problem = &problems->items[problems->count++];
	memset(problem, 0, sizeof(*problem));
	/* Every field may hold bytes of the rule file (or its name): escaped here, once, so
	 * no printer of a problem can send a terminal escape sequence to the operator. */
	file = file ? file : "";
	keyword = keyword ? keyword : "";
	text_escape(problem->file, sizeof(problem->file), file, strlen(file), NULL);
	problem->line = line;
	problem->column = column;
	text_escape(problem->keyword, sizeof(problem->keyword), keyword, strlen(keyword), NULL);
	problem->skipped = skipped;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	text_escape(problem->message, sizeof(problem->message), message, strlen(message), NULL);
	return 0;
}

void rules_problems_release(struct rules_problems *problems)
{
	free(problems->items);
	memset(problems, 0, sizeof(*problems));
}
