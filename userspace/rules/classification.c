// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * classification.config, in Suricata's format:
 *   config classification: SHORTNAME,DESCRIPTION,PRIORITY
 * '#' starts a comment line. The description may contain commas (the name ends at the
 * first comma, the priority follows the last). A classtype gives an alert its category
 * (the description) and, unless the rule sets priority, its severity.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "file_read.h"
#include "rules/rules_internal.h"

static char *trim_in_place(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int valid_class_name(const char *name)
{
	if (!*name)
		return 0;
	for (; *name; name++) {
		char c = *name;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int add_entry(struct classification *classes, const char *name, const char *description,
		     int priority)
{
	struct class_entry *entry = NULL;
	size_t i;

	for (i = 0; i < classes->count; i++) {
		if (strcmp(classes->entries[i].name, name) == 0)
			entry = &classes->entries[i];	/* a later definition wins */
	}
	if (!entry) {
		struct class_entry *grown = realloc(classes->entries,
						    (classes->count + 1) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		classes->entries = grown;
		entry = &classes->entries[classes->count++];
		entry->name = strdup(name);
		entry->description = NULL;
		if (!entry->name) {
			classes->count--;
			return -ENOMEM;
		}
	}
	free(entry->description);
	entry->description = strdup(description);
	entry->priority = priority;
	return entry->description ? 0 : -ENOMEM;
}

/* One line; 0, 1 for "not a definition" (comment, blank), or -EINVAL with *why. */
static int parse_line(struct classification *classes, char *line, const char **why, int *column)
{
	static const char *const expected =
		"expected 'config classification: NAME,DESCRIPTION,PRIORITY'";
	char *body = trim_in_place(line), *name, *description, *priority, *first, *last, *end;
	long value;

	*column = (int)(body - line) + 1;
	if (!*body || *body == '#')
		return 1;
	if (strncmp(body, "config", 6) != 0) {
		*why = expected;
		return -EINVAL;
	}
	/* "config classification:" with any spacing around the words */
	name = body + 6;
	while (*name == ' ' || *name == '\t')
		name++;
	if (strncmp(name, "classification", 14) != 0) {
		*why = expected;
		return -EINVAL;
	}
	name += 14;
	while (*name == ' ' || *name == '\t')
		name++;
	if (*name != ':') {
		*why = expected;
		return -EINVAL;
	}
	name++;
	first = strchr(name, ',');
	last = strrchr(name, ',');
	if (!first || first == last) {
		*why = "expected NAME,DESCRIPTION,PRIORITY";
		return -EINVAL;
	}
	*first = '\0';
	*last = '\0';
	name = trim_in_place(name);
	description = trim_in_place(first + 1);
	priority = trim_in_place(last + 1);
	if (!valid_class_name(name)) {
		*why = "class names are letters, digits, '-' and '_'";
		return -EINVAL;
	}
	value = strtol(priority, &end, 10);
	if (!*priority || *end || value < 1 || value > 255) {
		*why = "priority must be an integer 1..255";
		return -EINVAL;
	}
	if (add_entry(classes, name, description, (int)value)) {
		*why = "out of memory";
		return -ENOMEM;
	}
	return 0;
}

int classification_load(struct classification *classes, const char *path, int is_default,
			struct rules_problems *problems)
{
	char *text = NULL, *line, *next, why_read[200];
	size_t len = 0;
	int line_number = 0, err;

	memset(classes, 0, sizeof(*classes));
	snprintf(classes->path, sizeof(classes->path), "%s", path);
	/* the same bounded reader as rule files: a regular file of at most 16 MiB */
	err = file_read_whole(path, "classification", &text, &len, why_read, sizeof(why_read));
	if (err) {
		if (is_default && err == -ENOENT) {
			classes->missing = 1;	/* rules with a classtype will say so */
			return 0;
		}
		rules_problems_add(problems, path, 0, 0, "classification", 0, "%s", why_read);
		return err;
	}
	for (line = text; line < text + len; line = next) {
		const char *why = NULL;
		char *eol = memchr(line, '\n', (size_t)(text + len - line));
		int column = 0, ret;

		next = eol ? eol + 1 : text + len;
		if (eol)
			*eol = '\0';
		line_number++;
		ret = parse_line(classes, line, &why, &column);
		if (ret == -ENOMEM) {
			err = ret;
			break;
		}
		if (ret < 0) {
			rules_problems_add(problems, path, line_number, column, "classification", 0,
					   "%s", why);
			err = -EINVAL;
		}
	}
	free(text);
	return err;
}

void classification_release(struct classification *classes)
{
	size_t i;

	for (i = 0; i < classes->count; i++) {
		free(classes->entries[i].name);
		free(classes->entries[i].description);
	}
	free(classes->entries);
	memset(classes, 0, sizeof(*classes));
}

const struct class_entry *classification_find(const struct classification *classes,
					      const char *name)
{
	size_t i;

	for (i = 0; i < classes->count; i++) {
		if (strcasecmp(classes->entries[i].name, name) == 0)
			return &classes->entries[i];
	}
	return NULL;
}
