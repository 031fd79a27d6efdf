/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Tests reading EVE back: the value at a dotted path of a JSON object, as text. */
#ifndef EDGEWATCH_TEST_JSON_FIELD_H
#define EDGEWATCH_TEST_JSON_FIELD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

/* "alert.metadata.port.0" indexes arrays; NULL when the path is absent. */
static inline const char *field(struct json_object *o, const char *path)
{
	char copy[128], *part, *save = NULL;
	struct json_object *cur = o;

	snprintf(copy, sizeof(copy), "%s", path);
	for (part = strtok_r(copy, ".", &save); part && cur; part = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(cur, json_type_array))
			cur = json_object_array_get_idx(cur, atoi(part));
		else if (!json_object_object_get_ex(cur, part, &cur))
			cur = NULL;
	}
	return cur ? json_object_get_string(cur) : NULL;
}

#endif /* EDGEWATCH_TEST_JSON_FIELD_H */
