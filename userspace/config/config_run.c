// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* run: the live daemon's process settings (userspace/privdrop.h). */
#include <stdlib.h>
#include <string.h>

#include "config/config_error.h"
#include "config/config_load.h"
#include "config/config_node.h"
#include "privdrop.h"

/*
 * run.user: who the daemon becomes once attached. A quoted "" is root on purpose, like
 * "root"; a bare `user:` is no value at all (the general rule: the default stays). The
 * name is checked here; whether the user exists is the run's question, not the file's
 * (check-config may run on another machine than the daemon).
 */
static int read_user(struct config_loader *ld, const struct config_node *node, void *target)
{
	char got[CONFIG_QUOTE_STRLEN];
	char *copy;
	int err;

	err = loader_expect_scalar(ld, node, "a user name");
	if (err)
		return err;
	if (node->len && (memchr(node->value, '\0', node->len) ||
			  !privdrop_valid_user_name(node->value)))
		return loader_fail(ld, node, "%s is not a user name (letters, digits, '.', '_' "
				   "and '-', at most 32, not starting with '-'); \"\" or root keeps "
				   "root", loader_describe(node, got, sizeof(got)));
	copy = strdup(node->value);
	if (!copy)
		return loader_out_of_memory(ld);
	free(ld->cfg->run.user);
	ld->cfg->run.user = copy;
	return 0;
}

int config_read_run(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "user", read_user },
	};

	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}
