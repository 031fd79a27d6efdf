// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Typed values of the config: numbers, durations, booleans, strings, paths, prefixes, ports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_error.h"
#include "config/config_load.h"
#include "config/mgmt_ports.h"

/* Digits only, at most 10 of them (anything above UINT32_MAX is out of every range). */
static int parse_u64_digits(const char *text, size_t len, uint64_t *out)
{
	uint64_t value = 0;
	size_t i;

	if (len == 0 || len > 10)
		return len ? -ERANGE : -EINVAL;
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		value = value * 10 + (uint64_t)(text[i] - '0');
	}
	*out = value;
	return 0;
}

static int all_digits(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return 0;
	return len > 0;
}

int loader_read_uint(struct config_loader *ld, const struct config_node *node, uint32_t min,
		     uint32_t max, uint32_t *out)
{
	char got[CONFIG_QUOTE_STRLEN];
	uint64_t value = 0;
	int err;

	err = loader_expect_scalar(ld, node, "an integer");
	if (err)
		return err;
	err = parse_u64_digits(node->value, node->len, &value);
	if (err && !all_digits(node->value, node->len))
		return loader_fail(ld, node, "expected an integer, got %s",
				   loader_describe(node, got, sizeof(got)));
	if (err || value < min || value > max)
		return loader_fail(ld, node, "%.20s%s is out of range (%u..%u)", node->value,
				   node->len > 20 ? "..." : "", min, max);
	*out = (uint32_t)value;
	return 0;
}

int config_parse_duration(const char *text, size_t len, uint64_t *seconds)
{
	static const struct {
		char suffix;
		uint64_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	size_t digits = len, i;
	uint64_t value = 0, scale = 1;
	int err;

	for (i = 0; digits > 0 && i < sizeof(units) / sizeof(units[0]); i++) {
		if (text[digits - 1] == units[i].suffix) {
			scale = units[i].seconds;
			digits--;
			break;
		}
	}
	err = parse_u64_digits(text, digits, &value);
	if (err)
		return all_digits(text, digits) ? -ERANGE : -EINVAL;
	*seconds = value * scale;	/* 10 digits times a day still fits in 64 bits */
	return 0;
}

/*
 * A size: bytes, or a number with a binary unit, case-insensitive: k, kb, kib (1024), m,
 * mb, mib, g, gb, gib. kb means KiB as in Suricata's size strings: one meaning per suffix.
 */
int config_parse_size(const char *text, size_t len, uint64_t *bytes)
{
	static const struct {
		const char *suffix;
		uint64_t scale;
	} units[] = {
		{ "kib", 1ULL << 10 }, { "kb", 1ULL << 10 }, { "k", 1ULL << 10 },
		{ "mib", 1ULL << 20 }, { "mb", 1ULL << 20 }, { "m", 1ULL << 20 },
		{ "gib", 1ULL << 30 }, { "gb", 1ULL << 30 }, { "g", 1ULL << 30 },
	};
	size_t digits = len, i, n;
	uint64_t value = 0, scale = 1;
	int err;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		n = strlen(units[i].suffix);
		if (len > n && !strncasecmp(text + len - n, units[i].suffix, n)) {
			scale = units[i].scale;
			digits = len - n;
			break;
		}
	}
	err = parse_u64_digits(text, digits, &value);
	if (err)
		return all_digits(text, digits) ? -ERANGE : -EINVAL;
	*bytes = value * scale;	/* 10 digits times a GiB still fits in 64 bits */
	return 0;
}

int loader_read_size(struct config_loader *ld, const struct config_node *node, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	char got[CONFIG_QUOTE_STRLEN];
	uint64_t value = 0;
	int err;

	err = loader_expect_scalar(ld, node, "a size");
	if (err)
		return err;
	err = config_parse_size(node->value, node->len, &value);
	if (err == -EINVAL)
		return loader_fail(ld, node,
				   "expected a size (bytes, or a number with KiB, MiB or GiB: "
				   "100MiB), got %s",
				   loader_describe(node, got, sizeof(got)));
	if (err || value < min || value > max)
		return loader_fail(ld, node, "%.20s%s is out of range (%llu..%llu bytes)",
				   node->value, node->len > 20 ? "..." : "",
				   (unsigned long long)min, (unsigned long long)max);
	*out = value;
	return 0;
}

int loader_read_duration(struct config_loader *ld, const struct config_node *node, uint32_t min,
			 uint32_t max, uint32_t *out)
{
	char got[CONFIG_QUOTE_STRLEN];
	uint64_t value = 0;
	int err;

	err = loader_expect_scalar(ld, node, "a duration");
	if (err)
		return err;
	err = config_parse_duration(node->value, node->len, &value);
	if (err == -EINVAL)
		return loader_fail(ld, node,
				   "expected a duration (seconds, or a number with s, m, h or d: "
				   "90s, 5m, 1h), got %s",
				   loader_describe(node, got, sizeof(got)));
	if (err || value < min || value > max)
		return loader_fail(ld, node, "%.20s%s is out of range (%u..%u seconds)",
				   node->value, node->len > 20 ? "..." : "", min, max);
	*out = (uint32_t)value;
	return 0;
}

int loader_read_bool(struct config_loader *ld, const struct config_node *node, int *out)
{
	static const char *const truths[] = { "true", "yes", "on" };
	static const char *const lies[] = { "false", "no", "off" };
	char got[CONFIG_QUOTE_STRLEN];
	size_t i;
	int err;

	err = loader_expect_scalar(ld, node, "true or false");
	if (err)
		return err;
	for (i = 0; i < 3; i++) {
		if (!strcasecmp(node->value, truths[i]) || !strcasecmp(node->value, lies[i])) {
			*out = !strcasecmp(node->value, truths[i]);
			return 0;
		}
	}
	return loader_fail(ld, node, "expected true or false, got %s",
			   loader_describe(node, got, sizeof(got)));
}

int loader_read_string(struct config_loader *ld, const struct config_node *node, char **out)
{
	char *copy;
	int err;

	err = loader_expect_scalar(ld, node, "a string");
	if (err)
		return err;
	if (node->len == 0)
		return loader_fail(ld, node, "empty string");
	if (memchr(node->value, '\0', node->len))
		return loader_fail(ld, node, "contains a NUL byte");
	copy = strdup(node->value);
	if (!copy)
		return loader_out_of_memory(ld);
	free(*out);
	*out = copy;
	return 0;
}

char *loader_resolve_path(const struct config_loader *ld, const char *path)
{
	char *joined;

	if (path[0] == '/' || !ld->base_dir || !strcmp(ld->base_dir, "."))
		return strdup(path);
	if (asprintf(&joined, "%s/%s", ld->base_dir, path) < 0)
		return NULL;
	return joined;
}

int loader_read_path(struct config_loader *ld, const struct config_node *node, char **out)
{
	char *text = NULL, *resolved;
	int err;

	err = loader_read_string(ld, node, &text);
	if (err)
		goto cleanup;
	resolved = loader_resolve_path(ld, text);
	if (!resolved) {
		err = loader_out_of_memory(ld);
		goto cleanup;
	}
	free(*out);
	*out = resolved;
cleanup:
	free(text);
	return err;
}

/* The list item as a C string, or an error naming what was expected. */
static int read_item_text(struct config_loader *ld, const struct config_node *item,
			  const char *what)
{
	int err = loader_expect_scalar(ld, item, what);

	if (!err && memchr(item->value, '\0', item->len))
		err = loader_fail(ld, item, "contains a NUL byte");
	return err;
}

int loader_read_endpoint(struct config_loader *ld, const struct config_node *node,
			 struct ew_endpoint *out)
{
	char why[CONFIG_WHY_LEN], text[CONFIG_QUOTE_STRLEN];
	int err;

	err = read_item_text(ld, node, "ADDRESS:PORT (\"127.0.0.1:9650\", \"[::1]:9650\")");
	if (err)
		return err;
	config_quote(node->value, node->len, text, sizeof(text));
	if (config_parse_endpoint(node->value, out, why, sizeof(why)))
		return loader_fail(ld, node, "%s is not a valid ADDRESS:PORT (%s)", text, why);
	return 0;
}

static int read_cidr(struct config_loader *ld, const struct config_node *item,
		     struct ew_cidr_list *out)
{
	char why[CONFIG_WHY_LEN], text[CONFIG_QUOTE_STRLEN], network_text[CONFIG_CIDR_STRLEN];
	struct ew_cidr cidr, network, *slot;
	int err;

	err = read_item_text(ld, item, "an address or CIDR");
	if (err)
		return err;
	config_quote(item->value, item->len, text, sizeof(text));
	if (config_parse_cidr(item->value, &cidr, why, sizeof(why)))
		return loader_fail(ld, item, "%s is not a valid CIDR (%s)", text, why);
	if (config_cidr_network(&cidr, &network))
		return loader_fail(ld, item, "%s has host bits set; the network is %s", text,
				   config_format_cidr(&network, network_text,
						      sizeof(network_text)));
	slot = loader_append(&out->items, &out->count, sizeof(*slot));
	if (!slot)
		return loader_out_of_memory(ld);
	*slot = cidr;
	return 0;
}

int loader_read_cidr_list(struct config_loader *ld, const struct config_node *node,
			  struct ew_cidr_list *out)
{
	size_t i, saved;
	int err;

	err = loader_expect_sequence(ld, node);
	if (err)
		return err;
	if (node->count == 0)
		return loader_fail(ld, node, "empty list; give at least one address or CIDR");
	for (i = 0; i < node->count; i++) {
		saved = loader_push_index(ld, i);
		err = read_cidr(ld, node->children[i], out);
		loader_pop(ld, saved);
		if (err)
			return err;
	}
	return 0;
}

/* 1 if every port of spec is in one of list's specs (ranges may be covered piecewise). */
static int port_list_covers(const struct ew_port_list *list, const struct ew_port_spec *spec)
{
	uint32_t next = spec->low;
	size_t i;

	while (next <= spec->high) {
		uint32_t reach = 0;

		for (i = 0; i < list->count; i++) {
			const struct ew_port_spec *have = &list->items[i];

			if (have->proto == spec->proto && have->low <= next && have->high >= next &&
			    have->high > reach)
				reach = have->high;
		}
		if (!reach)
			return 0;
		next = reach + 1;
	}
	return 1;
}

static int append_port(struct config_loader *ld, const struct config_node *item,
		       const struct ew_port_spec *spec, const struct ew_port_list *within,
		       const char *within_name, struct ew_port_list *out)
{
	char text[CONFIG_PORT_SPEC_STRLEN];
	struct ew_port_spec *slot;
	size_t i;

	if (within && !port_list_covers(within, spec))
		return loader_fail(ld, item, "%s is not one of the management ports (%s)",
				   config_port_spec_format(spec, text, sizeof(text)), within_name);
	/* "ssh" and "tcp/22" in one list are one port. */
	for (i = 0; i < out->count; i++)
		if (out->items[i].proto == spec->proto && out->items[i].low == spec->low &&
		    out->items[i].high == spec->high)
			return 0;
	slot = loader_append(&out->items, &out->count, sizeof(*slot));
	if (!slot)
		return loader_out_of_memory(ld);
	*slot = *spec;
	return 0;
}

static int read_port(struct config_loader *ld, const struct config_node *item,
		     const struct ew_port_list *within, const char *within_name,
		     struct ew_port_list *out)
{
	char why[CONFIG_WHY_LEN], text[CONFIG_QUOTE_STRLEN];
	const struct mgmt_service *service;
	struct ew_port_spec spec;
	size_t i;
	int err;

	err = read_item_text(ld, item, "a port (tcp/22, udp/161, tcp/8000-8100 or a name)");
	if (err)
		return err;
	service = strchr(item->value, '/') ? NULL : mgmt_service_lookup(item->value);
	for (i = 0; service && i < service->spec_count; i++) {
		err = append_port(ld, item, &service->specs[i], within, within_name, out);
		if (err)
			return err;
	}
	if (service)
		return 0;
	if (config_parse_port_spec(item->value, &spec, why, sizeof(why)))
		return loader_fail(ld, item, "%s is not a valid port spec (%s)",
				   config_quote(item->value, item->len, text, sizeof(text)), why);
	return append_port(ld, item, &spec, within, within_name, out);
}

int loader_read_port_list(struct config_loader *ld, const struct config_node *node,
			  const struct ew_port_list *within, const char *within_name,
			  struct ew_port_list *out)
{
	size_t i, saved;
	int err;

	err = loader_expect_sequence(ld, node);
	if (err)
		return err;
	if (node->count == 0)
		return loader_fail(ld, node, "empty list; give at least one port");
	for (i = 0; i < node->count; i++) {
		saved = loader_push_index(ld, i);
		err = read_port(ld, node->children[i], within, within_name, out);
		loader_pop(ld, saved);
		if (err)
			return err;
	}
	return 0;
}
