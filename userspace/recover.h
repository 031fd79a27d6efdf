/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * State a dead instance left pinned (it was killed: SIGKILL, OOM, power loss of the
 * process): its programs detached with it, its flow table is still in bpffs. A new
 * instance exports those flows (reason "recovered") and removes the pins before
 * starting, so nothing is lost and nothing stale gets in the way.
 */
#ifndef EDGEWATCH_RECOVER_H
#define EDGEWATCH_RECOVER_H

#include "flow_export.h"

/*
 * If pin_dir holds a dead instance's maps, export its flows through x and remove the
 * pins. 0 (also when there was nothing), or -errno.
 */
int recover_stale_pins(const char *pin_dir, struct flow_exporter *x);

#endif /* EDGEWATCH_RECOVER_H */
