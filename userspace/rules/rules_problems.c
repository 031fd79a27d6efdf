// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The list of problems a load found: errors and skipped rules, each with where and why. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

int rules_problems_add(struct rules_problems *problems, const char *file, int line, int column,
		       const char *keyword, int skipped, const char *fmt, ...)
{
	struct rules_problem *problem;
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
	snprintf(problem->file, sizeof(problem->file), "%s", file ? file : "");
	problem->line = line;
	problem->column = column;
	snprintf(problem->keyword, sizeof(problem->keyword), "%s", keyword ? keyword : "");
	problem->skipped = skipped;
	va_start(ap, fmt);
	vsnprintf(problem->message, sizeof(problem->message), fmt, ap);
	va_end(ap);
	return 0;
}

void rules_problems_release(struct rules_problems *problems)
{
	free(problems->items);
	memset(problems, 0, sizeof(*problems));
}
