// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * outputs.pcap: the packet evidence of alerted flows (output/pcap_evidence.h). dir turns
 * it on; a file holds at most max-file-size bytes and all of them at most max-total, so
 * the budget must hold at least one file.
 */
#include <stdlib.h>

#include "config/config_load.h"

static int read_pcap_dir(struct config_loader *ld, const struct config_node *node, void *target)
{
	char *path = NULL;
	int err = loader_read_path(ld, node, &path);

	if (err)
		return err;
	free(ld->cfg->outputs.pcap.dir);
	ld->cfg->outputs.pcap.dir = path;
	return 0;
}

/* At least 4 KiB (a test's small files, still many packets), at most 1 TiB. */
static int read_pcap_max_file_size(struct config_loader *ld, const struct config_node *node,
				   void *target)
{
	return loader_read_size(ld, node, 4096, 1ULL << 40, &ld->cfg->outputs.pcap.max_file_size);
}

static int read_pcap_max_total(struct config_loader *ld, const struct config_node *node,
			       void *target)
{
	return loader_read_size(ld, node, 4096, 1ULL << 50, &ld->cfg->outputs.pcap.max_total);
}

int config_read_pcap(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "dir", read_pcap_dir },
		{ "max-file-size", read_pcap_max_file_size },
		{ "max-total", read_pcap_max_total },
	};
	int err = loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);

	if (err)
		return err;
	if (!ld->cfg->outputs.pcap.dir)
		return loader_fail(ld, node, "dir is missing: where the evidence files go");
	if (ld->cfg->outputs.pcap.max_total < ld->cfg->outputs.pcap.max_file_size)
		return loader_fail(ld, node, "max-total (%llu bytes) is less than max-file-size "
				   "(%llu bytes): the budget must hold one whole file",
				   (unsigned long long)ld->cfg->outputs.pcap.max_total,
				   (unsigned long long)ld->cfg->outputs.pcap.max_file_size);
	return 0;
}
