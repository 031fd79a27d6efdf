// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "flow_export.h"

void flow_exporter_init(struct flow_exporter *x, struct output *out, uint64_t flow_id_salt,
			int64_t clock_to_realtime_ns)
{
	memset(x, 0, sizeof(*x));
	x->out = out;
	x->flow_id_salt = flow_id_salt;
	x->clock_to_realtime_ns = clock_to_realtime_ns;
}

void flow_exporter_destroy(struct flow_exporter *x)
{
	memset(x, 0, sizeof(*x));
}

void flow_export_totals(const struct flow_exporter *x, struct flow_export_totals *out)
{
	int r;

	*out = x->handed;
	for (r = 0; r < EW_END_MAX; r++) {
		struct eve_tally lost = output_flows_lost(x->out, r);

		out->flows[r] -= lost.lines;
		out->write_errors += lost.lines;
		if (r == EW_END_RECOVERED) {
			out->recovered_packets -= lost.packets;
		} else {
			out->packets -= lost.packets;
			out->bytes -= lost.bytes;
			out->write_failed_packets += lost.packets;
		}
	}
}

uint64_t flow_export_total_events(const struct flow_exporter *x)
{
	struct flow_export_totals t;
	uint64_t total = 0;
	int i;

	flow_export_totals(x, &t);
	for (i = 0; i < EW_END_MAX; i++)
		total += t.flows[i];
	return total;
}

int flow_export(struct flow_exporter *x, const struct flow_key *key, const struct flow_record *rec,
		enum ew_flow_end reason, uint64_t now_ns)
{
	struct flow_event ev = { .flow = { .key = key, .rec = rec }, .reason = reason };
	uint64_t start_ns, end_ns = rec->last_seen_ns, pkts, bytes;
	int dir, err, rule_alerted;

	/* since the flow's last active-timeout record, if it had one (its baselines) */
	for (dir = 0; dir < 2; dir++) {
		ev.packets[dir] = rec->packets[dir] - rec->exported_packets[dir];
		ev.bytes[dir] = rec->bytes[dir] - rec->exported_bytes[dir];
	}
	pkts = ev.packets[0] + ev.packets[1];
	bytes = ev.bytes[0] + ev.bytes[1];
	start_ns = rec->interval_start_ns ? rec->interval_start_ns : rec->first_seen_ns;
	if (reason == EW_END_ACTIVE_TIMEOUT)
		end_ns = now_ns;
	ev.start_ns = start_ns + x->clock_to_realtime_ns;
	ev.end_ns = end_ns + x->clock_to_realtime_ns;
	flow_fields_of(key, rec, x->flow_id_salt, &ev.flow.fields);
	/* asked whatever the kernel says: the payload pipeline forgets (and unblocks) the
	 * flow when it is asked about its last record */
	rule_alerted = x->alerted && x->alerted(x->alerted_ctx, rec->flow_seq,
						reason != EW_END_ACTIVE_TIMEOUT);
	ev.alerted = (rec->reported & EW_REPORTED_ALERTS) || rule_alerted;

	if (x->observe)
		x->observe(x->observe_ctx, &ev);
	err = output_flow(x->out, &ev);
	if (err) {
		/* its packets are not in any flow event: counted, so the sum still says
		 * where they went */
		x->handed.write_errors++;
		if (reason != EW_END_RECOVERED)
			x->handed.write_failed_packets += pkts;
		return err;
	}
	x->handed.flows[reason]++;
	if (reason == EW_END_RECOVERED) {
		x->handed.recovered_packets += pkts;
	} else {
		x->handed.packets += pkts;
		x->handed.bytes += bytes;
	}
	return 0;
}
