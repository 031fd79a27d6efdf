// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The EVE events' JSON writer: what it writes must parse (json-c) to what was put in,
 * and its strings must be escaped byte for byte as json-c escapes them. */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>

#include "../support/test.h"
#include "output/json_line.h"

static struct json_object *parse(struct test_case *t, struct json_line *jl)
{
	struct json_object *o;

	jl->buf[jl->len] = '\0';
	o = json_tokener_parse(jl->buf);
	EXPECT(t, o != NULL, "does not parse: %s", jl->buf);
	return o;
}

static void test_nested_values(struct test_case *t)
{
	char buf[JSON_LINE_MAX];
	struct json_line jl;
	struct json_object *o, *v;

	json_line_init(&jl, buf, sizeof(buf));
	json_line_str(&jl, "event_type", "flow");
	json_line_u64(&jl, "zero", 0);
	json_line_u64(&jl, "max", UINT64_MAX);
	json_line_array(&jl, "vlan");
	json_line_u64(&jl, NULL, 100);
	json_line_u64(&jl, NULL, 200);
	json_line_end(&jl);
	json_line_object(&jl, "flow");
	json_line_bool(&jl, "alerted", 0);
	json_line_array(&jl, "encapsulation");
	json_line_str(&jl, NULL, "vxlan");
	json_line_end(&jl);
	json_line_end(&jl);
	json_line_object(&jl, "empty");
	json_line_end(&jl);
	CHECK(t, json_line_finish(&jl) == 0, "finish failed");
	o = parse(t, &jl);
	CHECK(t, o, "no object");
	CHECK(t, json_object_object_get_ex(o, "max", &v) &&
		 json_object_get_uint64(v) == UINT64_MAX, "max: %s", jl.buf);
	CHECK(t, json_object_object_get_ex(o, "vlan", &v) && json_object_array_length(v) == 2 &&
		 json_object_get_int(json_object_array_get_idx(v, 1)) == 200, "vlan: %s", jl.buf);
	CHECK(t, strcmp(jl.buf, "{\"event_type\":\"flow\",\"zero\":0,\"max\":18446744073709551615,"
			   "\"vlan\":[100,200],\"flow\":{\"alerted\":false,\"encapsulation\":"
			   "[\"vxlan\"]},\"empty\":{}}") == 0, "got %s", jl.buf);
	json_object_put(o);
}

/* Every byte 1..255 in a string: parsed back, the same bytes. */
static void test_escaping_round_trip(struct test_case *t)
{
	char buf[JSON_LINE_MAX];
	struct json_line jl;
	struct json_object *o, *v;
	char s[256];
	int i;

	for (i = 1; i < 128; i++)	/* json-c insists on valid UTF-8: ASCII only here */
		s[i - 1] = i;
	s[127] = '\0';
	json_line_init(&jl, buf, sizeof(buf));
	json_line_str(&jl, "k\"ey\\", s);
	CHECK(t, json_line_finish(&jl) == 0, "finish failed");
	o = parse(t, &jl);
	CHECK(t, o, "no object");
	CHECK(t, json_object_object_get_ex(o, "k\"ey\\", &v), "escaped key lost: %s", jl.buf);
	CHECK(t, strcmp(json_object_get_string(v), s) == 0, "value changed: %s", jl.buf);
	CHECK(t, strstr(jl.buf, "\\u001f") && strstr(jl.buf, "\\n") && strstr(jl.buf, "\\\""),
	      "escapes: %s", jl.buf);
	json_object_put(o);
}

/* The same bytes as json-c writes for the same string: EVE lines did not change when
 * alerts and stats moved from json-c to this writer. */
static void test_escaping_as_json_c(struct test_case *t)
{
	char buf[JSON_LINE_MAX], s[128];
	struct json_object *o = json_object_new_object();
	struct json_line jl;
	const char *want;
	int i;

	for (i = 1; i < 128; i++)
		s[i - 1] = i;
	s[127] = '\0';
	json_object_object_add(o, "k", json_object_new_string(s));
	want = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
	json_line_init(&jl, buf, sizeof(buf));
	json_line_str(&jl, "k", s);
	CHECK(t, json_line_finish(&jl) == 0, "finish failed");
	jl.buf[jl.len] = '\0';
	CHECK(t, strcmp(jl.buf, want) == 0, "json-c writes %s, json_line %s", want, jl.buf);
	json_object_put(o);
}

static void test_overflow_reported(struct test_case *t)
{
	char buf[JSON_LINE_MAX];
	struct json_line jl;
	char big[JSON_LINE_MAX];
	int i;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_line_init(&jl, buf, sizeof(buf));
	json_line_str(&jl, "big", big);
	CHECK(t, json_line_finish(&jl) == -ENOSPC, "overflow not reported");
	json_line_begin(&jl);
	for (i = 0; i < JSON_LINE_DEPTH + 1; i++)
		json_line_object(&jl, "deeper");
	CHECK(t, json_line_finish(&jl) == -ENOSPC, "too deep not reported");
	json_line_begin(&jl);
	json_line_end(&jl);
	CHECK(t, json_line_finish(&jl) == -ENOSPC, "end without open not reported");
}

static void test_decimal_u64(struct test_case *t)
{
	static const struct {
		uint64_t value;
		const char *text;
	} rows[] = { { 0, "0" }, { 9, "9" }, { 10, "10" }, { 134, "134" },
		     { UINT64_MAX, "18446744073709551615" } };
	char out[DECIMAL_U64_MAX];
	size_t i, n;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = decimal_u64(rows[i].value, out);
		EXPECT(t, n == strlen(rows[i].text) && !memcmp(out, rows[i].text, n),
		       "%s: got %.*s", rows[i].text, (int)n, out);
	}
}

int main(void)
{
	test_program = "json_line";
	RUN(test_nested_values);
	RUN(test_decimal_u64);
	RUN(test_escaping_round_trip);
	RUN(test_escaping_as_json_c);
	RUN(test_overflow_reported);
	return test_summary();
}
