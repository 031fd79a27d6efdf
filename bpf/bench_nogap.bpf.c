// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * For `make bench` only: the datapath as it was before the flows' gap statistics
 * (flow_note_gap() in flow.bpf.h compiled out), so that tests/bench/bench_datapath.c
 * measures what the beacon detector's in-kernel part costs an established flow against
 * the datapath without it, in the same run. A compile-time switch rather than old code
 * checked out: everything else is the same source. Never loaded by edgewatch itself.
 */
#define EW_BENCH_NO_GAP_STATS 1
#include "datapath.bpf.c"
