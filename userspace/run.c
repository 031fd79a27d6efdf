// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"
#include "instance_lock.h"
#include "inventory/inventory.h"
#include "log.h"
#include "policy/policy.h"
#include "privdrop.h"
#include "recover.h"
#include "reload.h"
#include "payload/shipped_rules.h"
#include "run.h"
#include "service_notify.h"
#include "status_socket.h"

#define NS_PER_SEC 1000000000ULL
/* A stats event this often, so a SIEM sees the counters move. */

static void run_usage(FILE *out)
{
	fprintf(out,
		"USAGE: edgewatch run -i IFACE [-c CONFIG] [-o EVE_FILE] [--xdp-mode native|generic]\n"
		"                     [--duration SECONDS] [--passive] [--user USER] [-v]\n"
		"\n"
		"Attach the datapath to IFACE (XDP on ingress, tc on egress), account every flow,\n"
		"and write EVE JSON events until SIGINT/SIGTERM or the duration ends; then flush\n"
		"every flow (reason shutdown), write a final stats event and detach.\n"
		"Maps are pinned under " PIN_ROOT "/IFACE for `edgewatch status`.\n"
		"\n"
		"  -i, --interface IFACE   the uplink to watch\n"
		"  -c, --config FILE       configuration (YAML)\n"
		"  -o, --output FILE       EVE JSON output, appended; '-' = stdout (default)\n"
		"      --xdp-mode MODE     native or generic; default: native where the driver has\n"
		"                          it, else generic with a warning\n"
		"      --duration TIME     stop after TIME (seconds, or 30s, 5m, 2h)\n"
		"      --passive           SPAN/ERSPAN sensor: drop the mirrored copies after\n"
		"                          accounting (counted as verdict_drop_passive)\n"
		"      --user USER         once attached, run as USER with only the capabilities\n"
		"                          it still needs (over run.user; default edgewatch;\n"
		"                          root: stay root)\n"
		"  -v, --verbose           more messages (-vv: libbpf and verifier output)\n"
		"  -h, --help              this help\n"
		"\n"
		"EXAMPLES:\n"
		"  edgewatch run -i wan0 -o /var/log/edgewatch/eve.json\n"
		"  edgewatch run -i span0 --passive -c /etc/edgewatch/edgewatch.yaml\n"
		"  edgewatch run -i wan0 --duration 20 -o -\n");
}

struct run_options {
	const char *iface;
	const char *config_path;
	const char *output;	/* -o, over the config's outputs.eve.path */
	const char *user;	/* --user, over the config's run.user (NULL: not given) */
	int passive;
	enum xdp_attach_mode xdp_mode;
	uint64_t duration_ns;	/* 0 = until a signal */
};

static int parse_run_args(int argc, char **argv, struct run_options *ro)
{
	enum { OPT_XDP_MODE = 256, OPT_DURATION, OPT_PASSIVE, OPT_USER };
	static const struct option long_opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "passive", no_argument, NULL, OPT_PASSIVE },
		{ "user", required_argument, NULL, OPT_USER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:c:o:vh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			ro->iface = optarg;
			break;
		case 'c':
			ro->config_path = optarg;
			break;
		case 'o':
			ro->output = optarg;
			break;
		case OPT_XDP_MODE:
			if (strcmp(optarg, "native") == 0) {
				ro->xdp_mode = XDP_ATTACH_NATIVE;
			} else if (strcmp(optarg, "generic") == 0) {
				ro->xdp_mode = XDP_ATTACH_GENERIC;
			} else {
				log_error("--xdp-mode: \"%s\" is not native or generic", optarg);
				return 2;
			}
			break;
		case OPT_DURATION:
			if (cli_parse_duration("--duration", optarg, &ro->duration_ns))
				return 2;
			break;
		case OPT_PASSIVE:
			ro->passive = 1;
			break;
		case OPT_USER:
			ro->user = optarg;
			break;
		case 'v':
			log_set_level(log_get_level() + 1);
			break;
		case 'h':
			run_usage(stdout);
			return -1;
		default:
			run_usage(stderr);
			return 2;
		}
	}
	if (!ro->iface || optind != argc) {
		log_error(!ro->iface ? "run: -i IFACE is required" : "run: unexpected argument %s",
			  argv[optind]);
		run_usage(stderr);
		return 2;
	}
	/* before the name reaches a path (lock file, pins) */
	if (cli_check_ifname(ro->iface, 1))
		return 2;
	return 0;
}

/* The settings of a configuration, with the command line winning over the file. */
static void run_settings(struct engine_settings *s, const struct ew_config *cfg,
			 const struct run_options *ro)
{
	engine_settings_from_config(s, cfg, ro->output);
	if (ro->passive)
		s->passive = 1;
}

/*
 * SIGHUP: read the configuration file again and install its policy. A file that does
 * not load, or a policy that does not install, changes nothing (and says why, counted
 * in policy.installs.refused). Settings fixed at start (flow table size, snap length,
 * output, rules) need a restart: each one the file changes is named in a warning. The
 * answer goes to the log and to `edgewatch reload`, which waits for it (reload.h).
 */
/* 1: the new configuration is in force; 0: refused (the running one stays). */
static int run_reload(struct engine *e, const struct run_options *ro, struct ew_config **cfg,
		      uint64_t *seq)
{
	struct reload_answer answer = { .seq = ++*seq };
	struct config_error cerr;
	struct ew_config *fresh = NULL;
	char *line;

	if (!ro->config_path) {
		snprintf(answer.text, sizeof(answer.text), "started without a configuration file "
			 "(-c): nothing to reload");
		log_error("%s: SIGHUP: %s", e->iface, answer.text);
		strcat(answer.text, "\n");
	} else if (config_load_file(ro->config_path, &fresh, &cerr) < 0) {
		config_error_format(&cerr, answer.text, sizeof(answer.text) - 1);
		log_error("%s: reload refused, the running policy stays: %s", e->iface,
			  answer.text);
		strcat(answer.text, "\n");
		policy_runtime_note_refused(e->policy);
	} else if (shipped_rules_apply(fresh, 0)) {
		/* as at start, so that the shipped rules are not a "changed" start key */
		snprintf(answer.text, sizeof(answer.text), "out of memory\n");
		config_free(fresh);
	} else if (engine_reload(e, fresh, answer.text, sizeof(answer.text) - 1)) {
		strcat(answer.text, "\n");
		config_free(fresh);
	} else {
		answer.accepted = 1;
		reload_note_start_keys(*cfg, fresh, ro->output, &answer);
		for (line = answer.text; *line; line += strcspn(line, "\n")) {
			line += *line == '\n';
			if (*line)
				log_warn("%s: reload: %.*s", e->iface,
					 (int)strcspn(line, "\n"), line);
		}
		config_free(*cfg);
		*cfg = fresh;
		log_info("%s: reloaded %s", e->iface, ro->config_path);
	}
	if (reload_answer_publish(e->iface, &answer))
		log_warn("%s: cannot write the reload's answer for `edgewatch reload`",
			 e->iface);
	return answer.accepted;
}

/*
 * SIGINT/SIGTERM stop the daemon, SIGHUP reloads; all read from a signalfd. The
 * dispositions are reset first: a shell starts background jobs with SIGINT ignored,
 * and an ignored signal never reaches a signalfd.
 */
static int signals_block(sigset_t *set)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, set, NULL))
		return -errno;
	return signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Is dir (outputs.pcap.dir, may be NULL) a directory holding nothing but evidence files? */
static int evidence_dir_own(const char *dir)
{
	struct dirent *de;
	DIR *d = dir ? opendir(dir) : NULL;
	int own = d != NULL;

	while (d && own && (de = readdir(d)))
		own = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		      !strncmp(de->d_name, "evidence-", 9);
	if (d)
		closedir(d);
	return own;
}

/*
 * What the daemon still writes once it is the user: LOCK_DIR (the reload answers, the
 * socket's removal at stop), the bpffs and this instance's pins (removed at stop; the
 * status socket's child opens them), the EVE file (reopened on SIGHUP), the packet
 * evidence directory when it is one of its own, with its evidence-*.pcapng files
 * (rotation, max-total), and the log
 * directories systemd made for it (LogsDirectory=, in $LOGS_DIRECTORY: rotation creates
 * files there). Root keeps reading all of it; nothing the daemon reads as root (the
 * configuration, the rules and their cache, the seal key) is handed over: they are read
 * before the drop, and the configuration again on SIGHUP, as the user.
 */
static int run_hand_over(const struct privdrop_target *t, struct engine *e, const char *pin_dir)
{
	const char *fixed[] = { LOCK_DIR, PIN_ROOT, pin_dir };
	char why[512], path[512], *logs, *dir, *save = NULL;
	struct dirent *de;
	DIR *d;
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) && !err; i++)
		err = privdrop_chown(t, fixed[i], why, sizeof(why));
	d = err ? NULL : opendir(pin_dir);
	while (d && !err && (de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
			err = privdrop_chown(t, path, why, sizeof(why));
		}
	if (d)
		closedir(d);
	/* the packet evidence: new files on rotation, the oldest removed for max-total. Only
	 * a directory of its own (nothing in it but evidence) is handed over, never a shared
	 * one an operator may have named (/var/log): that one must be writable already */
	if (!err && evidence_dir_own(e->cfg->outputs.pcap.dir)) {
		d = opendir(e->cfg->outputs.pcap.dir);
		err = d ? privdrop_chown(t, e->cfg->outputs.pcap.dir, why, sizeof(why)) : 0;
		while (d && !err && (de = readdir(d)))
			if (!strncmp(de->d_name, "evidence-", 9)) {
				snprintf(path, sizeof(path), "%s/%s", e->cfg->outputs.pcap.dir,
					 de->d_name);
				err = privdrop_chown(t, path, why, sizeof(why));
			}
		if (d)
			closedir(d);
		d = NULL;
	}
	logs = getenv("LOGS_DIRECTORY") ? strdup(getenv("LOGS_DIRECTORY")) : NULL;
	for (dir = logs ? strtok_r(logs, ":", &save) : NULL; dir && !err;
	     dir = strtok_r(NULL, ":", &save))
		err = privdrop_chown(t, dir, why, sizeof(why));
	free(logs);
	if (err) {
		log_error("%s: %s", e->iface, why);
		return err;
	}
	err = output_chown_eve(&e->output, t->uid, t->gid);
	if (err)
		log_error("%s: cannot hand the EVE file %s to user %s: %s", e->iface,
			  e->settings.eve_path, t->name, strerror(-err));
	return err;
}

/*
 * A root start reads the configuration, the seal key and the rule cache before it
 * drops: none of them may be the user's to swap, or the user could feed root its own
 * configuration, key or (worse) a Hyperscan database. Started as the user already, they
 * are read with the user's rights anyway.
 */
static int run_check_root_reads(const struct privdrop_target *t, const struct ew_config *cfg,
				const char *config_path)
{
	const char *what[] = { "configuration", "outputs.eve.seal.key", "rules.cache-dir" };
	const char *path[] = { config_path, cfg->outputs.eve_seal_key, cfg->rules.cache_dir };
	char why[768];
	size_t i;

	if (!t->drop || geteuid() != 0)
		return 0;
	for (i = 0; i < sizeof(path) / sizeof(path[0]); i++)
		if (path[i] && privdrop_check_unswappable(t, what[i], path[i], why, sizeof(why))) {
			log_error("%s", why);
			return -EPERM;
		}
	return 0;
}

/*
 * Give up root (privdrop.h): after the load, the attach and the pins, before the loop.
 * A drop that fails stops the daemon: it never goes on half-dropped.
 */
static int run_drop_privileges(const struct privdrop_target *t, struct engine *e,
			       const char *pin_dir, const char *config_path)
{
	uint64_t kept = privdrop_needed_caps(bpf_map__fd(e->dp.skel->maps.counters),
					     e->dp.tc_classic);
	char why[512], names[256];

	if (!t->drop) {
		log_info("%s: running as root (run.user: %s)", e->iface, t->name);
		return 0;
	}
	/* started as root: what the user must write becomes its own; started as the user
	 * (systemd's User=), it made those files itself */
	if (geteuid() == 0 && run_hand_over(t, e, pin_dir))
		return -EPERM;
	if (privdrop_apply(t, kept, why, sizeof(why))) {
		log_error("%s: cannot drop privileges to user %s: %s", e->iface, t->name, why);
		return -EPERM;
	}
	log_info("%s: running as user %s (uid %u, gid %u); capabilities kept: %s; no-new-privs "
		 "set", e->iface, t->name, (unsigned int)getuid(), (unsigned int)getgid(),
		 privdrop_caps_names(kept, names, sizeof(names)));
	if (e->cfg->outputs.pcap.dir && access(e->cfg->outputs.pcap.dir, W_OK | X_OK))
		log_warn("%s: user %s cannot write the packet evidence directory %s (not a "
			 "directory of its own, so not handed over): evidence is not written "
			 "(counted in stats.pcap)", e->iface, t->name, e->cfg->outputs.pcap.dir);
	if (config_path && access(config_path, R_OK))
		log_warn("%s: user %s cannot read %s: a reload (SIGHUP) will be refused; make it "
			 "readable by the user or its group", e->iface, t->name, config_path);
	return 0;
}

/*
 * The event loop: events and samples as they come, sweeps and stats on time, reload
 * on SIGHUP, until a stop signal or the duration.
 */
/* The status socket's inventory request: the engine's table now (status_socket.h). */
static int run_inventory_dump(void *ctx, int fd)
{
	struct engine *e = ctx;

	return inventory_dump(e->inventory, fd);
}

/*
 * Samples that follow a woken one within EW_SAMPLE_WAKE_NS of the datapath's clock are
 * submitted without a wake-up (bpf/sample.bpf.h, sample_wake_flags). The loop reads the
 * rings on every pass (a read without a wake-up costs no system call), so such a sample
 * waits at most one wait of the loop; and it keeps that wait at SAMPLE_POLL_MS while
 * records come or the last wake-up is recent (SAMPLE_LINGER_NS: the datapath's clock can
 * lag the real one by as much as the clock thread is late, so its window can outlast
 * 1 ms of real time). An idle daemon keeps its long wait.
 */
#define SAMPLE_POLL_MS 2
#define SAMPLE_LINGER_NS (50 * 1000000ULL)

/* Read the rings: those that woke the loop (woken), then whatever came without a
 * wake-up. The records read; an error reads as none (the next pass tries again, as
 * before: a ring's read error has never stopped the loop). */
static int read_rings(struct engine *e, int woken)
{
	int n = woken ? engine_poll(e, 0) : 0, more = engine_consume(e);

	return (n > 0 ? n : 0) + (more > 0 ? more : 0);
}

/* Can a sample be waiting in the ring without a wake-up (see SAMPLE_POLL_MS)? */
static int samples_may_wait(const struct engine *e, int records, uint64_t now)
{
	uint64_t woken = __atomic_load_n(&e->dp.skel->bss->samples_woken_ns, __ATOMIC_RELAXED);

	return records > 0 || (woken && now < woken + EW_SAMPLE_WAKE_NS + SAMPLE_LINGER_NS);
}

static void run_loop(struct engine *e, int sig_fd, const struct run_options *ro,
		     struct ew_config **cfg, struct status_server *status,
		     struct service_notify *sn)
{
	uint64_t reload_seq = 0;
	uint64_t now = datapath_clock_now_ns();
	uint64_t deadline = ro->duration_ns ? now + ro->duration_ns : 0;
	/* outputs.stats-interval, read at each event: a reload applies it */
	uint64_t next_stats = now + (*cfg)->outputs.stats_interval * NS_PER_SEC;
	struct pollfd pfd[3] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = engine_poll_fd(e), .events = POLLIN },
		{ .fd = status->fd, .events = POLLIN },	/* -1: ignored by poll */
	};
	struct signalfd_siginfo si;
	int records = 0;	/* what the last read of the rings found */

	for (;;) {
		/* wake for the next sweep at the latest (sooner under a flood) */
		int timeout_ms = e->settings.sweep_interval_ns / 1000000ULL / 4 + 1, ready, woken;

		if (e->next_sweep_ns > now &&
		    (e->next_sweep_ns - now) / 1000000ULL + 1 < (uint64_t)timeout_ms)
			timeout_ms = (e->next_sweep_ns - now) / 1000000ULL + 1;
		/* samples submitted without a wake-up are read soon (see SAMPLE_POLL_MS) */
		if (samples_may_wait(e, records, now) && timeout_ms > SAMPLE_POLL_MS)
			timeout_ms = SAMPLE_POLL_MS;

		ready = poll(pfd, 3, timeout_ms);
		woken = ready > 0 && (pfd[1].revents & POLLIN);
		records = read_rings(e, woken);
		if (ready > 0) {
			if ((pfd[2].revents & POLLIN))
				status_server_accept(status);
			if ((pfd[0].revents & POLLIN) &&
			    read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
					log_info("%s: stopping (signal %u)", e->iface,
						 si.ssi_signo);
					return;
				}
				if (si.ssi_signo == SIGHUP) {
					service_notify_reloading(sn);
					/* logrotate's postrotate: new lines to a new file */
					output_reopen(&e->output);
					service_notify_ready(sn, run_reload(e, ro, cfg, &reload_seq) ?
						"reloaded the configuration" :
						"reload refused: the running configuration stays "
						"(see the log)");
				}
			}
		}
		status_server_reap(status);
		service_notify_keepalive(sn);
		now = datapath_clock_now_ns();
		engine_maybe_sweep(e, now);
		engine_refresh_status(e, now);
		if (now >= next_stats) {
			engine_write_stats(e, now, 0);
			next_stats = now + (*cfg)->outputs.stats_interval * NS_PER_SEC;
		}
		if (deadline && now >= deadline) {
			log_info("%s: stopping (duration reached)", e->iface);
			return;
		}
	}
}

int cmd_run(int argc, char **argv)
{
	struct run_options ro = { .xdp_mode = XDP_ATTACH_AUTO };
	struct engine_settings settings;
	struct ew_config *cfg = NULL;
	struct instance_lock lock = { .fd = -1 };
	struct engine engine = {};
	struct status_server status = { .fd = -1 };
	struct service_notify sn;
	struct privdrop_target as_user;
	char pin_dir[128], ready[256], why[512];
	sigset_t sigs;
	int sig_fd = -1, err, ret = 1, initialised = 0;
	pid_t holder;
	uint64_t salt;

	err = parse_run_args(argc, argv, &ro);
	if (err)
		return err < 0 ? 0 : err;
	service_notify_init(&sn);
	if (cli_load_config(ro.config_path, &cfg))
		return 1;
	run_settings(&settings, cfg, &ro);
	/* before anything is touched: a run.user that does not exist is refused now */
	err = privdrop_resolve(ro.user ? ro.user : cfg->run.user, ro.user ? "--user" : "run.user",
			       &as_user, why, sizeof(why));
	if (err) {
		log_error("%s", why);
		config_free(cfg);
		return 1;
	}
	if (why[0])
		log_warn("%s", why);
	if (run_check_root_reads(&as_user, cfg, ro.config_path)) {
		config_free(cfg);
		return 1;
	}

	err = instance_lock_acquire(&lock, ro.iface, &holder);
	if (err == -EBUSY) {
		log_error("edgewatch is already running on %s (pid %d); stop it first, or watch "
			  "it with: edgewatch status -i %s", ro.iface, (int)holder, ro.iface);
		config_free(cfg);
		return 1;
	}
	if (err) {
		log_error("cannot take the lock %s: %s", lock.path, strerror(-err));
		config_free(cfg);
		return 1;
	}
	if (bpffs_ensure_mounted() || pin_dir_for(ro.iface, pin_dir, sizeof(pin_dir)))
		goto cleanup;
	err = iface_link_is_l3(ro.iface);
	if (err < 0)
		goto cleanup;
	settings.l3_link = err;
	if (!settings.l3_link)
		iface_warn_vlan_offload(ro.iface);

	/* before any thread starts: threads inherit the blocked signals */
	sig_fd = signals_block(&sigs);
	if (sig_fd < 0) {
		log_error("cannot set up signal handling: %s", strerror(-sig_fd));
		goto cleanup;
	}
	salt = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^ datapath_clock_now_ns();
	if (engine_init(&engine, &settings, cfg, ro.iface, salt))
		goto cleanup;
	initialised = 1;
	/* a dead instance's classic tc filter would go on counting into what is drained */
	if (datapath_remove_orphan_tc(ro.iface))
		goto cleanup;
	if (lock.dead_holder_pinned && access(pin_dir, F_OK)) {
		/* e.g. pinned in a bpffs that died with its mount namespace (older versions
		 * under ip netns exec), or removed by hand: say so, and never call this run
		 * balanced */
		log_error("%s: the instance that ran here before (pid %d) died after pinning "
			  "its maps, and they are gone from %s: its flows are lost", ro.iface,
			  (int)lock.dead_holder, pin_dir);
		engine.lost_dead_instance_flows = 1;
	}
	if (recover_stale_pins(pin_dir, &engine.exporter))
		goto cleanup;
	if (engine_start_clock(&engine))
		goto cleanup;
	/* the inventory across restarts, beside the lock (the clock first: the file keeps
	 * wall-clock times); a file that cannot be read was logged, the table starts empty */
	if (engine.inventory) {
		char state[256];

		snprintf(state, sizeof(state), "%s/%s.inventory", LOCK_DIR, ro.iface);
		inventory_persist(engine.inventory, state);
	}
	if (datapath_attach(&engine.dp, ro.iface, ro.xdp_mode))
		goto cleanup;
	if (datapath_pin(&engine.dp, pin_dir))
		goto cleanup;
	instance_lock_note_pinned(&lock);
	/* the daemon's part of `edgewatch status`: its latest stats snapshot */
	if (engine_add_status_sink(&engine))
		log_warn("%s: `edgewatch status` shows the kernel's counters only", ro.iface);
	/* without it only root can read status: say so, and go on */
	if (status_server_open(&status, ro.iface))
		log_warn("%s: `edgewatch status` works for root only", ro.iface);
	else if (engine.inventory)	/* `edgewatch inventory -i IFACE` */
		status_server_set_inventory(&status, run_inventory_dump, &engine);
	if (run_drop_privileges(&as_user, &engine, pin_dir, ro.config_path))
		goto cleanup;
	engine.start_ns = datapath_clock_now_ns();
	engine.next_sweep_ns = engine.start_ns + settings.sweep_interval_ns;
	snprintf(ready, sizeof(ready), "%s: watching (XDP %s on ingress, tc on egress%s%s); "
		 "EVE to %s", ro.iface, xdp_attach_mode_name(engine.dp.xdp_mode),
		 settings.passive ? ", passive" : "", settings.l3_link ? ", bare IP link" : "",
		 settings.eve_path);
	log_info("%s", ready);
	/* ready: attached and pinned, the status sink and socket up */
	service_notify_ready(&sn, ready);

	run_loop(&engine, sig_fd, &ro, &cfg, &status, &sn);
	service_notify_stopping(&sn);
	status_server_close(&status);
	reload_answer_remove(ro.iface);

	/* Detach first: after this no packet changes the table, so the flush is complete. */
	datapath_detach(&engine.dp);
	engine_flush(&engine, datapath_clock_now_ns());
	ret = engine_write_stats(&engine, datapath_clock_now_ns(), 1) ? 1 : 0;
	if (engine_output_lost(&engine)) {
		log_error("%s: %llu EVE lines were lost in writing (see the log above)", ro.iface,
			  (unsigned long long)output_eve_errors(&engine.output));
		ret = 1;
	}
	log_info("%s: detached; %llu flow events written", ro.iface,
		 (unsigned long long)flow_export_total_events(&engine.exporter));
cleanup:
	status_server_close(&status);
	if (sig_fd >= 0)
		close(sig_fd);
	if (initialised)
		engine_destroy(&engine);
	config_free(cfg);
	instance_lock_release(&lock);
	return ret;
}
