// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for `edgewatch log verify`'s input (logcmd/log_verify.c): the input is
 * EVE text, split into files at NUL bytes and into lines at newlines, verified against the
 * public key of a fixed seed (42 repeated), the one the seeds in
 * tests/fuzz/corpus/fuzz_log_verify/ were sealed with, so the fuzzer starts from files
 * whose seals verify and mutates from there. When the first byte is '#', the first line is
 * taken as --last-seal's seal. Anything but a report (a crash, a leak, a sanitizer
 * finding) is a finding; so is a report that passes more lines than it was given.
 *
 *   make .output/fuzz/fuzz_log_verify && .output/fuzz/fuzz_log_verify CORPUS_DIR
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logcmd/log_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pub[SEAL_KEY_LEN];
	static int have_pub;
	char detail[LOG_VERIFY_DETAIL_LEN];
	const char *p = (const char *)data, *end = p + size;
	struct log_verify v;
	uint64_t lines = 0;
	int files = 0;

	if (!have_pub) {
		uint8_t seed[SEAL_KEY_LEN];

		memset(seed, 42, sizeof(seed));
		if (seal_public_key(seed, pub))
			abort();
		have_pub = 1;
	}
	log_verify_init(&v, pub);
	if (size && p[0] == '#') {
		const char *nl = memchr(p + 1, '\n', end - p - 1);

		nl = nl ? nl : end;
		log_verify_expect_seal(&v, p + 1, nl - p - 1, detail);
		p = nl < end ? nl + 1 : end;
	}
	while (p < end || !files) {
		const char *file_end = memchr(p, '\0', end - p);

		file_end = file_end ? file_end : end;
		log_verify_file_begin(&v, files ? "next" : "first");
		files++;
		while (p < file_end) {
			const char *nl = memchr(p, '\n', file_end - p);

			nl = nl ? nl : file_end;
			log_verify_line(&v, p, nl - p);
			lines++;
			p = nl + 1;
		}
		log_verify_file_end(&v);
		p = file_end < end ? file_end + 1 : end;
		if (file_end == end)
			break;
	}
	log_verify_finish(&v);
	if (v.validated > lines)
		abort();
	log_verify_free(&v);
	return 0;
}
