// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The passive edge inventory: the table, the flags, the events (inventory.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "builtin_sids.h"
#include "detect/alert_limiter.h"
#include "detect/detector.h"
#include "detect/lru_map.h"
#include "inventory/banner.h"
#include "inventory/banner_stream.h"
#include "inventory/edge_software.h"
#include "inventory/fingerprints.h"
#include "inventory/handshake.h"
#include "inventory/inventory.h"
#include "inventory/persist.h"
#include "inventory/recognise.h"
#include "log.h"
#include "output/eve_format.h"
#include "output/json_line.h"
#include "output/output.h"
#include "payload/shipped_rules.h"

_Static_assert(INVENTORY_FLAG_COUNT == sizeof(((struct stats_inventory *)0)->flagged) /
					       sizeof(uint64_t), "a stats count per flag");

_Static_assert(TLS_STATUS_COUNT == sizeof(((struct stats_inventory *)0)->tls) / sizeof(uint64_t) &&
	       SSH_KEX_STATUS_COUNT ==
		       sizeof(((struct stats_inventory *)0)->ssh) / sizeof(uint64_t),
	       "a stats count per handshake outcome");

#define NS_PER_S 1000000000ull
/* Services remembered by the alert rate limit (one key per service and sid). */
#define INVENTORY_ALERT_KEYS 4096
/* How often a live run saves the table (and at its end). */
#define INVENTORY_SAVE_INTERVAL_S 60

/* A service: zeroed before filling (hashed as bytes). */
struct inventory_key {
	uint8_t family;
	uint8_t proto;
	uint16_t port;			/* host order */
	uint16_t vlan;			/* outermost VLAN id (0: none): the same address on two
					 * VLANs is two devices */
	uint8_t pad[2];
	uint8_t addr[16];
};

_Static_assert(sizeof(struct inventory_key) == sizeof(((struct inventory_saved *)0)->key),
	       "a key fits the state file's record");

struct inventory_record {
	struct banner banner;
	uint64_t first_ns;		/* datapath clock */
	uint64_t last_ns;
	uint64_t last_flow_seq;		/* a flow answering twice counts once */
	uint64_t flows;
	uint8_t clients[INVENTORY_CLIENTS_MAX][16];
	uint32_t client_count;
	int clients_capped;
	uint32_t clients_outside;	/* listed clients outside home-net */
	int any_outside;		/* a client outside home-net, listed or not */
	int mgmt_port;
	int mgmt_protected;
	int seen_since_summary;
	unsigned int flags;
	struct edge_sw_verdict verdict;	/* points into the loaded data */
	struct inventory_fingerprints *fp;	/* TLS / SSH facts (handshake.h); NULL: none */
};

/* An alert as the rate limit holds it: all it needs to be written later. */
struct inventory_alert {
	struct sample_header hdr;
	uint32_t sid;
	char product[BANNER_PRODUCT_LEN];
	char version[BANNER_VERSION_LEN];
	struct edge_sw_verdict verdict;
};

struct inventory {
	const struct ew_config *cfg;
	const struct flow_exporter *x;
	struct lru_map *table;
	struct edge_software *software;
	struct alert_limiter *limiter;
	struct banner_streams *streams;	/* banners cut over several segments */
	struct handshakes *handshakes;	/* NULL: no stream window to read them from */
	uint64_t summary_interval_ns;	/* 0: no summary */
	uint64_t next_summary_ns;	/* datapath clock; 0: not started */
	char *state_path;		/* the state file (live runs); NULL: none */
	uint64_t next_save_ns;		/* datapath clock; 0: not started */
	struct stats_inventory counts;
};

/* Where the data file is: inventory.software-file, else beside the shipped rules. */
static int load_software(struct inventory *inv)
{
	char path[4096], err[512];
	int rc;

	if (inv->cfg->inventory.software_file) {
		snprintf(path, sizeof(path), "%s", inv->cfg->inventory.software_file);
	} else {
		if (shipped_rules_dir(path, sizeof(path) - 32))
			return 0;	/* no shipped data: services are listed, not judged */
		strcat(path, "/edge-software.txt");
	}
	rc = edge_software_load(path, &inv->software, err, sizeof(err));
	if (rc == -ENOENT && !inv->cfg->inventory.software_file) {
		log_warn("inventory: no edge software data (%s): end of life and known-exploited "
			 "versions are not flagged", err);
		return 0;
	}
	if (rc)
		log_error("inventory: %s", err);
	return rc;
}

int inventory_new(struct inventory **out, const struct ew_config *cfg,
		  const struct flow_exporter *exporter)
{
	struct inventory *inv;
	int err;

	*out = NULL;
	if (!cfg->inventory.enabled)
		return 0;
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	inv->cfg = cfg;
	inv->x = exporter;
	inv->summary_interval_ns = (uint64_t)cfg->inventory.summary_interval * NS_PER_S;
	err = lru_map_new(&inv->table, cfg->inventory.table_size, sizeof(struct inventory_key),
			  sizeof(struct inventory_record));
	if (!err)
		err = alert_limiter_new(&inv->limiter, INVENTORY_ALERT_KEYS,
					sizeof(struct inventory_alert));
	if (!err)
		err = banner_streams_new(&inv->streams, BANNER_STREAMS_DEFAULT);
	if (!err)
		err = load_software(inv);
	if (!err)
		err = handshakes_new(&inv->handshakes, cfg->sampling.stream_depth,
				     cfg->sampling.stream_segments);
	if (err) {
		inventory_free(inv);
		return err;
	}
	alert_limiter_set_window(inv->limiter, (uint64_t)cfg->inventory.alert_interval * NS_PER_S);
	alert_limiter_set_aggregate(inv->limiter, 0);	/* one service, one subject */
	inv->counts.on = 1;
	inv->counts.capacity = cfg->inventory.table_size;
	inv->counts.software_entries = edge_software_entries(inv->software);
	*out = inv;
	return 0;
}

static int free_fingerprints(void *ctx, const void *key, void *value)
{
	struct inventory_record *r = value;

	(void)ctx;
	(void)key;
	free(r->fp);
	r->fp = NULL;
	return 0;
}

/* A record makes room for another: its fingerprints go with it. */
static void on_record_evicted(void *ctx, const void *key, void *value)
{
	free_fingerprints(ctx, key, value);
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	if (inv->table)
		lru_map_each(inv->table, free_fingerprints, NULL);
	lru_map_free(inv->table);
	alert_limiter_free(inv->limiter);
	banner_streams_free(inv->streams);
	free(inv->state_path);
	handshakes_free(inv->handshakes);
	edge_software_free(inv->software);
	free(inv);
}

void inventory_reconfigure(struct inventory *inv, const struct ew_config *cfg)
{
	if (!inv)
		return;
	/* always: the old configuration is freed next (inventory.enabled is read at start:
	 * a reload that turns it off leaves it on until the restart) */
	inv->cfg = cfg;
	inv->summary_interval_ns = (uint64_t)cfg->inventory.summary_interval * NS_PER_S;
	alert_limiter_set_window(inv->limiter, (uint64_t)cfg->inventory.alert_interval * NS_PER_S);
}

static int64_t to_realtime(const struct inventory *inv)
{
	return __atomic_load_n(&inv->x->clock_to_realtime_ns, __ATOMIC_RELAXED);
}

static int port_is_mgmt(const struct ew_config *cfg, uint8_t proto, uint16_t port)
{
	size_t i;

	for (i = 0; i < cfg->management.ports.count; i++) {
		const struct ew_port_spec *ps = &cfg->management.ports.items[i];

		if (ps->proto == proto && port >= ps->low && port <= ps->high)
			return 1;
	}
	return 0;
}

/* The flags from the record's facts and its verdict (each documented in event.h). */
static unsigned int flags_of(const struct inventory_record *r)
{
	unsigned int f = 0;

	if (r->verdict.eol_date)
		f |= 1u << INVENTORY_END_OF_LIFE;
	if (r->verdict.cve_count)
		f |= 1u << INVENTORY_KNOWN_EXPLOITED;
	if (r->mgmt_port && r->any_outside)
		f |= 1u << INVENTORY_MGMT_EXPOSED;
	if (r->banner.service == BANNER_TELNET || r->banner.service == BANNER_SNMP ||
	    (r->banner.service == BANNER_HTTP && r->mgmt_port))
		f |= 1u << INVENTORY_CLEARTEXT_MGMT;
	return f | fingerprints_flags(r->fp, r->mgmt_port);
}

/*
 * The event of a record (refs: EDGE_SW_CVES_MAX + 1 slots, the event's references; hv:
 * room for its handshake facts; previous_cert: the certificate it replaced, or NULL).
 */
static void event_of(struct inventory *inv, const struct inventory_key *k,
		     const struct inventory_record *r, const char *change, uint64_t now_ns,
		     const char **refs, const char *previous_cert,
		     struct inventory_handshake_view *hv, struct inventory_event *out)
{
	int64_t rt = to_realtime(inv);
	struct inventory_event ev = {
		.ts_ns = now_ns + rt, .change = change, .family = k->family, .addr = k->addr,
		.port = k->port, .proto = k->proto,
		/* a record made by a TLS handshake has no banner */
		.service = r->banner.service == BANNER_NONE && r->fp ? "tls"
			 : banner_service_name(r->banner.service),
		.protocol = r->banner.protocol, .product = r->banner.product,
		.version = r->banner.version, .banner = r->banner.text, .title = r->banner.title,
		.object_id = r->banner.object_id,
		.first_ns = r->first_ns + rt, .last_ns = r->last_ns + rt, .flows = r->flows,
		.clients = r->client_count, .clients_capped = r->clients_capped,
		.clients_outside = r->clients_outside, .mgmt_port = r->mgmt_port,
		.mgmt_protected = r->mgmt_protected, .flags = r->flags,
		.eol_date = r->verdict.eol_date, .cves = r->verdict.cves,
		.cve_count = r->verdict.cve_count, .references = refs,
	};
	size_t i;

	ev.handshake = fingerprints_view(r->fp, previous_cert, hv);
	if (r->verdict.eol_reference)
		refs[ev.reference_count++] = r->verdict.eol_reference;
	for (i = 0; i < r->verdict.cve_count; i++) {
		const char *ref = r->verdict.cve_references[i];
		size_t j;

		for (j = 0; j < ev.reference_count && strcmp(refs[j], ref); j++)
			;
		if (j == ev.reference_count)	/* one advisory often covers several CVEs */
			refs[ev.reference_count++] = ref;
	}
	*out = ev;
}

static void emit_event(struct inventory *inv, const struct inventory_key *k,
		       const struct inventory_record *r, const char *change, uint64_t now_ns,
		       const struct banner *previous, const char *previous_cert)
{
	const char *refs[EDGE_SW_CVES_MAX + 1];
	struct inventory_handshake_view hv;
	struct inventory_event ev;

	event_of(inv, k, r, change, now_ns, refs, previous_cert, &hv, &ev);
	if (previous) {
		ev.previous_product = previous->product;
		ev.previous_version = previous->version;
	}
	if (output_inventory(inv->x->out, &ev))
		inv->counts.event_errors++;
	else if (!strcmp(change, "new"))
		inv->counts.new_events++;
	else if (!strcmp(change, "changed"))
		inv->counts.changed_events++;
	else if (!strcmp(change, "learned"))
		inv->counts.learned_events++;
	else
		inv->counts.summary_events++;
}

/* The alert of a held or passed inventory_alert (the flow rebuilt from its sample). */
static void write_alert(struct inventory *inv, const struct inventory_alert *a,
			uint64_t suppressed)
{
	static const char *const names[] = { "product", "version", "end_of_life" };
	struct alert_metadata md[3 + EDGE_SW_CVES_MAX];
	char refs[EDGE_SW_CVES_MAX][32];
	const char *ref_ptrs[EDGE_SW_CVES_MAX];
	struct flow_record rec = { 0 };
	struct alert_event ev;
	size_t i, n = 0;
	int kev = a->sid == EW_SID_INVENTORY_KNOWN_EXPLOITED;

	rec.flow_seq = a->hdr.flow_seq;
	rec.initiator = a->hdr.initiator;
	rec.first_seen_ns = a->hdr.ts_ns;
	rec.last_seen_ns = a->hdr.ts_ns;
	rec.policy_verdict = a->hdr.policy_verdict;
	alert_event_init(&ev, &a->hdr.key, &rec, a->hdr.from_a, a->hdr.ts_ns, to_realtime(inv),
			 inv->x->flow_id_salt);
	ev.sid = a->sid;
	ev.signature = kev ? "EDGEWATCH INVENTORY known-exploited software version answering"
			   : "EDGEWATCH INVENTORY end-of-life software answering";
	ev.category = kev ? "Vulnerable Edge Software" : "End of Life";
	ev.severity = kev ? 1 : 2;
	md[n++] = (struct alert_metadata){ names[0], a->product };
	md[n++] = (struct alert_metadata){ names[1], a->version };
	if (a->verdict.eol_date)
		md[n++] = (struct alert_metadata){ names[2], a->verdict.eol_date };
	for (i = 0; kev && i < a->verdict.cve_count; i++) {
		/* Suricata's reference form: "cve,2021-41773" */
		snprintf(refs[i], sizeof(refs[i]), "cve,%s", a->verdict.cves[i] + 4);
		ref_ptrs[i] = refs[i];
	}
	ev.metadata = md;
	ev.metadata_count = n;
	ev.references = ref_ptrs;
	ev.reference_count = kev ? a->verdict.cve_count : 0;
	ev.suppressed = suppressed;
	if (output_alert(inv->x->out, &ev) == 0)
		inv->counts.alerts++;
}

static void on_limited_alert(void *ctx, const void *event, const struct alert_summary *s)
{
	write_alert(ctx, event, s->suppressed);
}

/* A flagged service answered: its alerts, at most one per service and sid per window. */
static void maybe_alert(struct inventory *inv, const struct inventory_key *k,
			const struct inventory_record *r, const struct sample_header *hdr)
{
	uint32_t sids[2];
	int n = 0, i;

	if (r->flags & (1u << INVENTORY_KNOWN_EXPLOITED))
		sids[n++] = EW_SID_INVENTORY_KNOWN_EXPLOITED;
	if (r->flags & (1u << INVENTORY_END_OF_LIFE))
		sids[n++] = EW_SID_INVENTORY_END_OF_LIFE;
	for (i = 0; i < n; i++) {
		struct inventory_alert a = { .hdr = *hdr, .sid = sids[i], .verdict = r->verdict };
		struct alert_limit_key lk;
		struct alert_summary sum;

		memset(&lk, 0, sizeof(lk));
		lk.type = sids[i];
		lk.family = k->family;
		lk.proto = k->proto;
		lk.port = k->port;
		memcpy(lk.target, k->addr, sizeof(lk.target));
		memcpy(a.product, r->banner.product, sizeof(a.product));
		memcpy(a.version, r->banner.version, sizeof(a.version));
		if (alert_limiter_check(inv->limiter, &lk, &a, hdr->ts_ns, &sum, on_limited_alert,
					inv) == ALERT_LIMIT_WRITE)
			write_alert(inv, &a, sum.suppressed);
		else
			inv->counts.alerts_suppressed++;
	}
}

static void note_client(struct inventory *inv, struct inventory_record *r, uint8_t family,
			const uint8_t *client)
{
	int outside = !detect_in_cidrs(&inv->cfg->home_net, family, client);
	uint32_t i;

	r->any_outside |= outside;
	for (i = 0; i < r->client_count; i++)
		if (!memcmp(r->clients[i], client, 16))
			return;
	if (r->client_count == INVENTORY_CLIENTS_MAX) {
		r->clients_capped = 1;
		return;
	}
	memcpy(r->clients[r->client_count++], client, 16);
	r->clients_outside += outside;
}

/* Product or version other than the record's (a banner naming none changes nothing). */
static int banner_changed(const struct banner *old, const struct banner *now)
{
	if (!now->product[0])
		return old->service != now->service;
	return old->service != now->service || strcmp(old->product, now->product) ||
	       strcmp(old->version, now->version);
}

/* The responder of a sample's flow: the sender of a to_client packet, else the receiver. */
static int server_is_a(const struct sample_header *hdr)
{
	return hdr->dir == EW_DIR_TO_CLIENT ? hdr->from_a : !hdr->from_a;
}

/* Is the flow's server one the inventory lists (in home-net, or the policy judged it)? */
static int server_listed(const struct inventory *inv, const struct sample_header *hdr)
{
	const union ew_addr *server = server_is_a(hdr) ? &hdr->key.addr_a : &hdr->key.addr_b;

	return detect_in_cidrs(&inv->cfg->home_net, hdr->key.family, server->u8) ||
	       hdr->policy_verdict != EW_POLICY_NONE;
}

/*
 * The service a sample's flow reaches: the responder's address and port. 0 when it is
 * outside home-net and unprotected (counted): not recorded.
 */
static int service_of(struct inventory *inv, const struct sample_header *hdr,
		      struct inventory_key *k, const uint8_t **client)
{
	int a = server_is_a(hdr);
	const union ew_addr *server = a ? &hdr->key.addr_a : &hdr->key.addr_b;

	*client = (a ? &hdr->key.addr_b : &hdr->key.addr_a)->u8;
	if (!server_listed(inv, hdr)) {
		inv->counts.not_home_net++;
		return 0;
	}
	memset(k, 0, sizeof(*k));
	k->family = hdr->key.family;
	k->proto = hdr->key.proto;
	k->port = ntohs(a ? hdr->key.port_a : hdr->key.port_b);
	k->vlan = hdr->key.vlan[0];
	memcpy(k->addr, server->u8, sizeof(k->addr));
	return 1;
}

/* The record (created when absent: first seen now) answered in hdr's flow. */
static struct inventory_record *record_seen(struct inventory *inv, const struct inventory_key *k,
					    const struct sample_header *hdr, const uint8_t *client,
					    int *created)
{
	struct inventory_record *r = lru_map_upsert(inv->table, k, created, on_record_evicted,
						    NULL);

	if (*created) {
		memset(r, 0, sizeof(*r));
		r->first_ns = hdr->ts_ns;
		r->mgmt_port = port_is_mgmt(inv->cfg, k->proto, k->port);
	}
	r->last_ns = hdr->ts_ns;
	if (*created || r->last_flow_seq != hdr->flow_seq)
		r->flows++;
	r->last_flow_seq = hdr->flow_seq;
	r->mgmt_protected |= hdr->policy_verdict != EW_POLICY_NONE;
	r->seen_since_summary = 1;
	note_client(inv, r, hdr->key.family, client);
	return r;
}

/* What a flow's TLS or SSH handshake told (handshake.h) into its service's record. */
static void on_handshake(void *ctx, const struct handshake_facts *facts)
{
	struct inventory *inv = ctx;
	const struct sample_header *hdr = facts->hdr;
	enum fingerprints_change ch;
	struct inventory_record *r;
	struct inventory_key k;
	const uint8_t *client;
	char previous_cert[65];
	int created = 0;

	if (!service_of(inv, hdr, &k, &client))
		return;
	/* a TLS server is listed by its handshake (no banner names it); an SSH server by
	 * its banner first, and a client alone never makes a record */
	if (facts->from_server && facts->kind == HANDSHAKE_TLS)
		r = record_seen(inv, &k, hdr, client, &created);
	else
		r = lru_map_get(inv->table, &k);
	if (!r)
		return;
	ch = fingerprints_merge(&r->fp, facts, previous_cert);
	r->flags = flags_of(r);
	if (created)
		emit_event(inv, &k, r, "new", hdr->ts_ns, NULL, NULL);
	else if (ch == FINGERPRINTS_NEW_CERT)
		emit_event(inv, &k, r, "changed", hdr->ts_ns, NULL, previous_cert);
	else if (ch == FINGERPRINTS_LEARNED)
		emit_event(inv, &k, r, "learned", hdr->ts_ns, NULL, NULL);
	/* no alert: those are of banners' versions (its answer alerted already) */
}

/* The responder's first bytes: a sample, or a stream window's segments put back together
 * until the banner is whole (banner_stream.h); a recognised banner lists its server. */
static void banner_on_sample(struct inventory *inv, const struct sample_header *hdr,
			     const uint8_t *payload)
{
	struct inventory_key k;
	struct inventory_record *r;
	struct banner b, previous;
	const uint8_t *client;
	int created;
	size_t len;

	if (hdr->dir != EW_DIR_TO_CLIENT || !hdr->cap_len)
		return;
	len = hdr->cap_len;
	if (hdr->reason == EW_SAMPLE_STREAM) {
		payload = banner_streams_add(inv->streams, hdr->flow_seq, hdr->stream_off, payload,
					     hdr->cap_len, hdr->cap_len < hdr->payload_len, &len);
		if (!payload)
			return;
		if (len > hdr->cap_len || hdr->stream_off)
			inv->counts.banners_reassembled++;
	}
	inv->counts.samples++;
	if (inventory_recognise(inv->software, hdr->key.proto, payload, len, &b,
				&inv->counts) == BANNER_NONE)
		return;
	inv->counts.recognised++;
	if (!service_of(inv, hdr, &k, &client))
		return;
	r = record_seen(inv, &k, hdr, client, &created);
	if (created)
		r->banner = b;
	previous = r->banner;
	if (!created && banner_changed(&r->banner, &b))
		r->banner = b;
	edge_software_match(inv->software, r->banner.product, r->banner.version, &r->verdict);
	r->flags = flags_of(r);
	if (created)
		emit_event(inv, &k, r, "new", hdr->ts_ns, NULL, NULL);
	else if (banner_changed(&previous, &r->banner))
		emit_event(inv, &k, r, "changed", hdr->ts_ns, &previous, NULL);
	maybe_alert(inv, &k, r, hdr);
}

void inventory_on_sample(struct inventory *inv, const struct sample_header *hdr,
			 const uint8_t *payload)
{
	if (!inv)
		return;
	banner_on_sample(inv, hdr, payload);
	/* TLS and SSH handshakes: both directions of the stream window, of listed servers
	 * only (the clients' browsing costs no window copy). After the banner: an SSH server
	 * that sends its identification line and its KEXINIT in one segment (dropbear does)
	 * is listed by that line before its KEXINIT is read, or its HASSHServer was lost. */
	if (server_listed(inv, hdr))
		handshakes_on_sample(inv->handshakes, hdr, payload, to_realtime(inv),
				     on_handshake, inv);
}

struct summary_walk {
	struct inventory *inv;
	uint64_t now_ns;
	int emit;
};

static int summary_visit(void *ctx, const void *key, void *value)
{
	struct summary_walk *w = ctx;
	struct inventory_record *r = value;
	int f;

	for (f = 0; f < INVENTORY_FLAG_COUNT; f++)
		if (r->flags & (1u << f))
			w->inv->counts.flagged[f]++;
	if (w->emit && r->seen_since_summary) {
		emit_event(w->inv, key, r, "summary", w->now_ns, NULL, NULL);
		r->seen_since_summary = 0;
	}
	return 0;
}

void inventory_tick(struct inventory *inv, uint64_t now_ns)
{
	struct summary_walk w = { .inv = inv, .now_ns = now_ns, .emit = 1 };

	if (inv && inv->state_path) {
		if (inv->next_save_ns && now_ns >= inv->next_save_ns)
			inventory_save(inv);
		if (!inv->next_save_ns || now_ns >= inv->next_save_ns)
			inv->next_save_ns = now_ns + INVENTORY_SAVE_INTERVAL_S * NS_PER_S;
	}
	if (!inv || !inv->summary_interval_ns)
		return;
	if (!inv->next_summary_ns) {
		inv->next_summary_ns = now_ns + inv->summary_interval_ns;
		return;
	}
	if (now_ns < inv->next_summary_ns)
		return;
	inv->next_summary_ns = now_ns + inv->summary_interval_ns;
	memset(inv->counts.flagged, 0, sizeof(inv->counts.flagged));
	lru_map_each(inv->table, summary_visit, &w);
}

void inventory_finish(struct inventory *inv)
{
	if (!inv)
		return;
	/* windows still open (flows cut by the capture's end): what they hold is read */
	handshakes_flush(inv->handshakes, to_realtime(inv), on_handshake, inv);
	alert_limiter_flush(inv->limiter, on_limited_alert, inv);
	if (inv->state_path)
		inventory_save(inv);
}

/* The state file's walk: each record as saved, on the wall clock, and its handshake facts. */
struct save_walk {
	struct inventory_state st;
	int64_t rt;
};

static int count_fingerprints(void *ctx, const void *key, void *value)
{
	const struct inventory_record *r = value;

	(void)key;
	*(size_t *)ctx += r->fp != NULL;
	return 0;
}

static int save_visit(void *ctx, const void *key, void *value)
{
	struct save_walk *w = ctx;
	const struct inventory_record *r = value;
	struct inventory_saved *sv = &w->st.services[w->st.service_count];

	_Static_assert(INVENTORY_CLIENTS_MAX == INVENTORY_SAVED_CLIENTS, "clients saved whole");
	memset(sv, 0, sizeof(*sv));
	memcpy(sv->key, key, sizeof(sv->key));
	sv->first_rt_ns = (int64_t)r->first_ns + w->rt;
	sv->last_rt_ns = (int64_t)r->last_ns + w->rt;
	sv->flows = r->flows;
	memcpy(sv->clients, r->clients, sizeof(sv->clients));
	sv->client_count = r->client_count;
	sv->clients_outside = r->clients_outside;
	sv->clients_capped = (uint8_t)r->clients_capped;
	sv->any_outside = (uint8_t)r->any_outside;
	sv->mgmt_protected = (uint8_t)r->mgmt_protected;
	sv->banner = r->banner;
	if (r->fp) {
		struct inventory_saved_fingerprints *sf =
			&w->st.fingerprints[w->st.fingerprint_count++];

		memset(sf, 0, sizeof(*sf));
		sf->service = (uint32_t)w->st.service_count;
		/* memcpy, not an assignment: its padding as calloc left it (the CRC is of
		 * the bytes) */
		memcpy(&sf->fp, r->fp, sizeof(sf->fp));
	}
	w->st.service_count++;
	return 0;
}

int inventory_save(struct inventory *inv)
{
	struct save_walk w = { .rt = to_realtime(inv) };
	size_t fingerprints = 0;
	char why[4200];
	int err;

	/* the facts' records only for the services that have some (11 KiB each) */
	lru_map_each(inv->table, count_fingerprints, &fingerprints);
	w.st.services = calloc(lru_map_count(inv->table) + 1, sizeof(*w.st.services));
	w.st.fingerprints = calloc(fingerprints + 1, sizeof(*w.st.fingerprints));
	if (!w.st.services || !w.st.fingerprints) {
		err = -ENOMEM;
		snprintf(why, sizeof(why), "%s: %s", inv->state_path, strerror(ENOMEM));
	} else {
		lru_map_each(inv->table, save_visit, &w);
		err = inventory_state_write(inv->state_path, &w.st, why, sizeof(why));
	}
	inventory_state_free(&w.st);
	if (err) {
		if (!inv->counts.state_errors++)	/* once: it is counted after that */
			log_error("inventory: cannot save the table: %s", why);
		return err;
	}
	inv->counts.state_saved++;
	return 0;
}

/*
 * One saved service back into the table, with its handshake facts (fp, NULL: none); its
 * flags judged afresh (the data file and the configuration may have changed across the
 * restart), from the facts as they were seen.
 */
static void restore(struct inventory *inv, const struct inventory_saved *sv,
		    const struct inventory_fingerprints *fp, int64_t rt)
{
	struct inventory_key k;
	struct inventory_record *r;
	int created;

	memcpy(&k, sv->key, sizeof(k));
	/* a table smaller than the file's (table-size lowered): the least recent go */
	r = lru_map_upsert(inv->table, &k, &created, on_record_evicted, NULL);
	if (!created)
		free(r->fp);	/* a key twice in the file: the later one is kept */
	memset(r, 0, sizeof(*r));
	r->banner = sv->banner;
	/* the strings came from a file: keep them terminated whatever it held */
	TEXT_TERMINATE(r->banner.protocol);
	TEXT_TERMINATE(r->banner.product);
	TEXT_TERMINATE(r->banner.version);
	TEXT_TERMINATE(r->banner.text);
	TEXT_TERMINATE(r->banner.title);
	TEXT_TERMINATE(r->banner.object_id);
	if ((unsigned int)r->banner.service >= BANNER_SERVICE_COUNT)
		r->banner.service = BANNER_NONE;
	r->first_ns = (uint64_t)(sv->first_rt_ns - rt);
	r->last_ns = (uint64_t)(sv->last_rt_ns - rt);
	r->flows = sv->flows;
	memcpy(r->clients, sv->clients, sizeof(r->clients));
	r->client_count = sv->client_count < INVENTORY_CLIENTS_MAX ? sv->client_count
								  : INVENTORY_CLIENTS_MAX;
	r->clients_outside = sv->clients_outside;
	r->clients_capped = sv->clients_capped;
	r->any_outside = sv->any_outside;
	r->mgmt_protected = sv->mgmt_protected;
	r->mgmt_port = port_is_mgmt(inv->cfg, k.proto, k.port);
	if (fp) {
		r->fp = fingerprints_restore(fp);
		if (!r->fp)	/* counted: the facts come back with the next handshake */
			inv->counts.state_errors++;
	}
	edge_software_match(inv->software, r->banner.product, r->banner.version, &r->verdict);
	r->flags = flags_of(r);
}

int inventory_persist(struct inventory *inv, const char *path)
{
	const struct inventory_fingerprints **fp_of = NULL;
	struct inventory_state st;
	char why[4200];
	size_t i;
	int err;

	if (!inv)
		return 0;
	inv->state_path = strdup(path);
	if (!inv->state_path)
		return -ENOMEM;
	err = inventory_state_read(path, &st, why, sizeof(why));
	if (err == -ENOENT)
		return 0;	/* a first start */
	if (!err) {
		/* each service's facts, by its index in the file */
		fp_of = calloc(st.service_count + 1, sizeof(*fp_of));
		if (!fp_of) {
			err = -ENOMEM;
			snprintf(why, sizeof(why), "%s: %s", path, strerror(ENOMEM));
		}
	}
	if (err) {
		inventory_state_free(&st);
		inv->counts.state_errors++;
		log_error("inventory: %s; starting with an empty table (the file is replaced at "
			  "the next save)", why);
		return err;
	}
	for (i = 0; i < st.fingerprint_count; i++)
		fp_of[st.fingerprints[i].service] = &st.fingerprints[i].fp;
	for (i = 0; i < st.service_count; i++)
		restore(inv, &st.services[i], fp_of[i], to_realtime(inv));
	inv->counts.state_loaded = st.service_count;
	log_info("inventory: %zu services from %s (%zu with handshake facts)", st.service_count,
		 path, st.fingerprint_count);
	free(fp_of);
	inventory_state_free(&st);
	return 0;
}

void inventory_stats(struct inventory *inv, struct stats_inventory *s)
{
	struct summary_walk w = { .inv = inv };
	struct handshake_stats hs;

	memset(s, 0, sizeof(*s));
	if (!inv)
		return;
	/* the flag counts are of the records now: counted afresh for each snapshot (the
	 * main thread's, like every other use of the table) */
	memset(inv->counts.flagged, 0, sizeof(inv->counts.flagged));
	lru_map_each(inv->table, summary_visit, &w);
	*s = inv->counts;
	handshakes_get_stats(inv->handshakes, &hs);
	memcpy(s->tls, hs.tls, sizeof(s->tls));
	memcpy(s->ssh, hs.ssh, sizeof(s->ssh));
	s->bad_certificate = hs.bad_certificate;
	s->not_captured = hs.not_captured;
	s->handshake_flows_forgotten = hs.flows_forgotten;
	s->services = lru_map_count(inv->table);
	s->evicted = lru_map_evictions(inv->table);
	s->banner_streams_evicted = banner_streams_evicted(inv->streams);
}

/* The dump's walk: each record as an EVE line into fd, the first error kept. */
struct dump_walk {
	struct inventory *inv;
	int fd;
	int err;
	char *buf;
	size_t cap;	/* buf holds cap bytes and the newline */
};

static int dump_visit(void *ctx, const void *key, void *value)
{
	struct dump_walk *w = ctx;
	const struct inventory_record *r = value;
	const char *refs[EDGE_SW_CVES_MAX + 1];
	struct inventory_handshake_view hv;
	struct inventory_event ev;
	size_t need;
	char *grown;
	int err;

	if (w->err)
		return 0;
	event_of(w->inv, key, r, "current", r->last_ns, refs, NULL, &hv, &ev);
	need = eve_inventory_line_max(&ev);
	if (need > w->cap) {	/* a long handshake (the buffer only grows) */
		grown = realloc(w->buf, need + 1);
		if (!grown) {
			w->err = -ENOMEM;
			return 0;
		}
		w->buf = grown;
		w->cap = need;
	}
	err = output_inventory_line(&ev, w->inv->x->out->iface, w->buf, w->cap);
	if (err < 0) {
		w->err = err;
		return 0;
	}
	w->buf[err] = '\n';
	if (write(w->fd, w->buf, (size_t)err + 1) != err + 1)
		w->err = -errno;
	return 0;
}

int inventory_dump(struct inventory *inv, int fd)
{
	struct dump_walk w = { .inv = inv, .fd = fd };

	if (!inv)
		return -ENOENT;
	w.cap = JSON_LINE_MAX;
	w.buf = malloc(w.cap + 1);
	if (!w.buf)
		return -ENOMEM;
	lru_map_each(inv->table, dump_visit, &w);
	free(w.buf);
	return w.err;
}
