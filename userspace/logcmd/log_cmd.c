// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `edgewatch log keygen KEYFILE`: the sealing key (output/seal_key.h).
 * `edgewatch log verify --key KEYFILE.pub [--last-seal FILE] [--json] EVE_FILE...`: the
 * files in order through the verifier (log_verify.h); gzip files (rotated and compressed)
 * are read as they are. Exit 0: every segment passed (unsealed lines are reported, not a
 * failure); 1: a failure; 2: the command could not run (usage, unreadable file).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <json-c/json.h>

#include "log.h"
#include "logcmd/log_cmd.h"
#include "logcmd/log_verify.h"

/* The longest line read whole: EVE lines are at most 64 KiB; longer is not ours. */
#define LINE_MAX_READ (1u << 20)
#define READ_CHUNK (64 * 1024)

static void usage(FILE *out)
{
	fprintf(out,
		"USAGE: edgewatch log keygen KEYFILE\n"
		"       edgewatch log verify --key KEYFILE.pub [--last-seal FILE] [--json] "
		"EVE_FILE...\n\n"
		"keygen writes the sealing key KEYFILE (mode 0600; outputs.eve.seal.key) and\n"
		"KEYFILE.pub, epoch 0's public key: keep that one off the box.\n\n"
		"verify checks sealed EVE files in the order of the chain (by the seq of their\n"
		"first line, whatever their names; .gz read as is): every line's seq and chain,\n"
		"every seal's signature, epoch and key; PASS or FAIL per file and per segment\n"
		"(the lines one seal covers), the first bad line and why. --last-seal FILE: a seal line a collector received; the files must hold\n"
		"it (truncation after it is caught). --json: one JSON object.\n"
		"Exit status: 0 all passed, 1 a failure, 2 the check could not run.\n\n"
		"EXAMPLES:\n"
		"  edgewatch log keygen /etc/edgewatch/seal.key\n"
		"  edgewatch log verify --key seal.key.pub eve.json.20261203-0000.gz eve.json\n");
}

static int cmd_keygen(int argc, char **argv)
{
	char why[SEAL_WHY_LEN];

	if (argc != 2 || argv[1][0] == '-') {
		usage(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	if (seal_keygen(argv[1], why)) {
		log_error("log keygen: %s: %s", argv[1], why);
		return 1;
	}
	printf("sealing key: %s (mode 0600; outputs.eve.seal.key)\npublic key:  %s.pub (keep "
	       "it off this box: log verify --key)\n", argv[1], argv[1]);
	return 0;
}

/* Every line of path (plain or gzip) to fn until it returns non-zero; 0 or -errno with why. */
static int read_lines(const char *path, int (*fn)(void *ctx, const char *line, size_t len),
		      void *ctx, char *why, size_t why_len)
{
	gzFile gz = gzopen(path, "rb");
	char *chunk = malloc(READ_CHUNK), *line = malloc(LINE_MAX_READ);
	size_t have = 0;
	int n, err = 0, over = 0, stop = 0;

	if (!gz || !chunk || !line) {
		err = gz ? -ENOMEM : -errno ? -errno : -ENOMEM;
		snprintf(why, why_len, "cannot open: %s", strerror(-err));
		goto out;
	}
	while (!stop && (n = gzread(gz, chunk, READ_CHUNK)) > 0) {
		for (int i = 0; i < n && !stop; i++) {
			if (chunk[i] == '\n') {
				stop = fn(ctx, line, have);
				have = 0;
				over = 0;
			} else if (have < LINE_MAX_READ) {
				line[have++] = chunk[i];
			} else if (!over) {
				over = 1;	/* kept to the cap: it fails as not a sealed line */
			}
		}
	}
	if (n < 0) {
		int zerr;

		err = -EIO;
		snprintf(why, why_len, "cannot read: %s", gzerror(gz, &zerr));
		goto out;
	}
	if (have && !stop)	/* a last line without its newline (a torn write) is still a line */
		fn(ctx, line, have);
out:
	if (gz)
		gzclose(gz);
	free(chunk);
	free(line);
	return err;
}

static int verify_line(void *ctx, const char *line, size_t len)
{
	log_verify_line(ctx, line, len);
	return 0;
}

/* The seq of a file's first numbered line (in its first few lines). */
struct first_seq {
	uint64_t seq;
	int found, lines;
};

static int find_first_seq(void *ctx, const char *line, size_t len)
{
	struct first_seq *fs = ctx;
	uint8_t tag[EVE_SEAL_TAG_LEN];
	size_t body;

	fs->found = !eve_seal_split(line, len, &fs->seq, &body, tag);
	return fs->found || ++fs->lines >= 16;
}

struct eve_input {
	const char *path;
	uint64_t order;		/* its first seq, or the file before it's */
	int given;		/* its place on the command line */
};

static int by_order(const void *a, const void *b)
{
	const struct eve_input *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->given - y->given;
}

/*
 * The files in chain order: by the seq of their first line, whatever their names say
 * (eve.json.DATE.1.gz sorts before eve.json.DATE.gz in a shell glob). A file without a
 * numbered line among its first ones stays after the file given before it.
 */
static int order_files(struct eve_input *in, int n, char *why, size_t why_len)
{
	uint64_t prev = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct first_seq fs = {};

		if (read_lines(in[i].path, find_first_seq, &fs, why, why_len))
			return i + 1;
		in[i].order = fs.found ? fs.seq : prev;
		in[i].given = i;
		prev = in[i].order;
	}
	qsort(in, n, sizeof(*in), by_order);
	return 0;
}

/* The first line of a file: --last-seal's seal. */
struct first_line {
	char *line;
	size_t len;
	int count;
};

static int keep_first(void *ctx, const char *line, size_t len)
{
	struct first_line *fl = ctx;

	fl->count++;
	if (!(fl->line = malloc(len + 1)))
		return 1;
	memcpy(fl->line, line, len);
	fl->len = len;
	return 1;
}

static const char *result_name(enum log_verify_result r)
{
	return r == LOG_VERIFY_PASS ? "PASS" : r == LOG_VERIFY_FAIL ? "FAIL" : "UNSEALED";
}

static void print_text(const struct log_verify *v)
{
	size_t s;
	int f;

	for (f = 0; f < v->file_count; f++) {
		const struct log_verify_file *file = &v->files[f];
		uint64_t lo = 0, hi = 0;

		for (s = 0; s < v->segment_count; s++) {
			const struct log_verify_segment *seg = &v->segments[s];

			if (seg->file != f)
				continue;
			if (seg->result == LOG_VERIFY_PASS) {
				if (!lo)
					lo = seg->first_line;
				hi = seg->last_line;
			}
			printf("  %s %s lines %llu..%llu", result_name(seg->result), file->name,
			       (unsigned long long)seg->first_line,
			       (unsigned long long)seg->last_line);
			if (seg->first_seq)
				printf(" (seq %llu..%llu)", (unsigned long long)seg->first_seq,
				       (unsigned long long)seg->last_seq);
			if (seg->result == LOG_VERIFY_PASS)
				printf(": sealed, epoch %u\n", seg->epoch);
			else if (seg->result == LOG_VERIFY_FAIL)
				printf(": line %llu: %s: %s\n", (unsigned long long)seg->bad_line,
				       seg->reason, seg->detail);
			else
				printf(": %llu lines after the last seal not sealed%s%s\n",
				       (unsigned long long)(seg->last_line - seg->first_line + 1),
				       seg->detail[0] ? " (" : "", seg->detail[0] ? ")" : "");
		}
		printf("%s %s: %llu lines", file->failed ? "FAIL" : "PASS", file->name,
		       (unsigned long long)file->lines);
		if (lo)
			printf(", validated lines %llu..%llu", (unsigned long long)lo,
			       (unsigned long long)hi);
		else
			printf(", no line validated");
		if (file->unsealed)
			printf(", %llu lines after the last seal not sealed",
			       (unsigned long long)file->unsealed);
		printf("\n");
	}
	if (v->last_seal_detail[0])
		printf("FAIL --last-seal: %s\n", v->last_seal_detail);
	printf("%s: %llu lines validated\n", v->failed ? "FAIL" : "PASS",
	       (unsigned long long)v->validated);
}

static void print_json(const struct log_verify *v)
{
	struct json_object *root = json_object_new_object(), *files = json_object_new_array();
	size_t s;
	int f;

	json_object_object_add(root, "result", json_object_new_string(v->failed ? "FAIL" : "PASS"));
	json_object_object_add(root, "validated", json_object_new_uint64(v->validated));
	for (f = 0; f < v->file_count; f++) {
		struct json_object *jf = json_object_new_object(), *segs = json_object_new_array();

		json_object_object_add(jf, "file", json_object_new_string(v->files[f].name));
		json_object_object_add(jf, "result",
				       json_object_new_string(v->files[f].failed ? "FAIL" : "PASS"));
		json_object_object_add(jf, "lines", json_object_new_uint64(v->files[f].lines));
		json_object_object_add(jf, "unsealed", json_object_new_uint64(v->files[f].unsealed));
		for (s = 0; s < v->segment_count; s++) {
			const struct log_verify_segment *seg = &v->segments[s];
			struct json_object *js;

			if (seg->file != f)
				continue;
			js = json_object_new_object();
			json_object_object_add(js, "result",
					       json_object_new_string(result_name(seg->result)));
			json_object_object_add(js, "first_line", json_object_new_uint64(seg->first_line));
			json_object_object_add(js, "last_line", json_object_new_uint64(seg->last_line));
			json_object_object_add(js, "first_seq", json_object_new_uint64(seg->first_seq));
			json_object_object_add(js, "last_seq", json_object_new_uint64(seg->last_seq));
			if (seg->result == LOG_VERIFY_PASS)
				json_object_object_add(js, "epoch", json_object_new_uint64(seg->epoch));
			if (seg->result == LOG_VERIFY_FAIL) {
				json_object_object_add(js, "bad_line",
						       json_object_new_uint64(seg->bad_line));
				json_object_object_add(js, "reason",
						       json_object_new_string(seg->reason));
			}
			if (seg->detail[0])
				json_object_object_add(js, "detail",
						       json_object_new_string(seg->detail));
			json_object_array_add(segs, js);
		}
		json_object_object_add(jf, "segments", segs);
		json_object_array_add(files, jf);
	}
	json_object_object_add(root, "files", files);
	if (v->last_seal_detail[0])
		json_object_object_add(root, "last_seal",
				       json_object_new_string(v->last_seal_detail));
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "last-seal", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *key = NULL, *last_seal = NULL;
	char why[SEAL_WHY_LEN], detail[LOG_VERIFY_DETAIL_LEN];
	uint8_t pub[SEAL_KEY_LEN];
	struct eve_input *inputs = NULL;
	struct log_verify v;
	int opt, json = 0, i, rc = 2;

	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			key = optarg;
			break;
		case 'l':
			last_seal = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!key || optind == argc) {
		log_error("log verify: %s", !key ? "--key KEYFILE.pub is needed" :
			  "no EVE file given");
		usage(stderr);
		return 2;
	}
	if (seal_pub_load(key, pub, why)) {
		log_error("log verify: --key %s: %s", key, why);
		return 2;
	}
	log_verify_init(&v, pub);
	if (last_seal) {
		struct first_line fl = {};

		if (read_lines(last_seal, keep_first, &fl, why, sizeof(why)) ||
		    (!fl.line && snprintf(why, sizeof(why), "no seal line in it") > 0) ||
		    (log_verify_expect_seal(&v, fl.line, fl.len, detail) &&
		     snprintf(why, sizeof(why), "line 1: %s", detail) > 0)) {
			log_error("log verify: --last-seal %s: %s", last_seal, why);
			free(fl.line);
			goto out;
		}
		free(fl.line);
	}
	inputs = calloc(argc - optind, sizeof(*inputs));
	if (!inputs) {
		log_error("log verify: out of memory");
		goto out;
	}
	for (i = optind; i < argc; i++)
		inputs[i - optind].path = argv[i];
	i = order_files(inputs, argc - optind, why, sizeof(why));
	if (i) {
		log_error("log verify: %s: %s", inputs[i - 1].path, why);
		goto out;
	}
	for (i = 0; i < argc - optind; i++) {
		if (log_verify_file_begin(&v, inputs[i].path) ||
		    read_lines(inputs[i].path, verify_line, &v, why, sizeof(why))) {
			log_error("log verify: %s: %s", inputs[i].path,
				  v.oom ? "out of memory" : why);
			goto out;
		}
		log_verify_file_end(&v);
	}
	log_verify_finish(&v);
	if (v.oom) {
		log_error("log verify: out of memory");
		goto out;
	}
	if (json)
		print_json(&v);
	else
		print_text(&v);
	rc = v.failed ? 1 : 0;
out:
	free(inputs);
	log_verify_free(&v);
	return rc;
}

int cmd_log(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "keygen"))
		return cmd_keygen(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	log_error("log: %s", argc < 2 ? "keygen or verify?" : "unknown subcommand (keygen, verify)");
	usage(stderr);
	return 2;
}
