/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Opening a map another process pinned (a running instance, or a dead one), checked
 * against this build's layout: after an upgrade, `edgewatch status` may meet the maps of
 * a daemon still running the old version, whose values are another size; reading them
 * into this build's structs would overflow its buffers.
 */
#ifndef EDGEWATCH_PINNED_MAP_H
#define EDGEWATCH_PINNED_MAP_H

#include <stdint.h>

/*
 * Open pin_dir/name and check its key and value sizes. Returns the fd, -ENOENT when
 * nothing is pinned there, or -EPROTO (logged, naming the map and both layouts) when it
 * is another version's.
 */
int pinned_map_open(const char *pin_dir, const char *name, uint32_t key_size,
		    uint32_t value_size);

#endif /* EDGEWATCH_PINNED_MAP_H */
