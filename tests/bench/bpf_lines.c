// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where a loaded BPF program spends its time, by source line: reads the instruction
 * addresses of perf samples (one hexadecimal address per line on standard input, as
 * `perf script -F ip` prints them) and attributes each to the source line of the JIT
 * code it falls in, through the program's jited_line_info (the JIT address where each
 * line's code starts) and its BTF line info (the line's file, number and text). Prints
 * the lines with samples, most first, as "SAMPLES PERCENT FILE:LINE TEXT".
 *
 * Debian's perf and bpftool cannot annotate a BPF program (perf: no libopcodes; bpftool:
 * no libbfd), and the datapath's cost is spread over many lines (BENCHMARKS.md, "Where
 * the established flow's 19 ns ... go"): this is how that was measured.
 * tests/bench/profile_xdp.sh runs the whole measurement.
 *
 * Usage: bpf_lines PROG_ID < addresses
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

struct line_hits {
	__u64 addr;	/* where the line's JIT code starts */
	__u32 index;	/* its record in line_info */
	unsigned long samples;
};

static int by_addr(const void *a, const void *b)
{
	const struct line_hits *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int by_samples(const void *a, const void *b)
{
	const struct line_hits *x = a, *y = b;

	return x->samples < y->samples ? 1 : x->samples > y->samples ? -1 : 0;
}

/* The last line starting at or before addr (lines sorted by address); NULL: before all. */
static struct line_hits *line_of(struct line_hits *lines, size_t n, __u64 addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lines[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &lines[lo - 1] : NULL;
}

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info), n_lines, rec_size, i;
	__u64 *jited_addrs;
	char *line_info, text[64];
	struct line_hits *lines;
	unsigned long total = 0, outside = 0;
	struct btf *btf;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PROG_ID < addresses (perf script -F ip)\n", argv[0]);
		return 2;
	}
	fd = bpf_prog_get_fd_by_id(atoi(argv[1]));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		fprintf(stderr, "bpf_lines: program %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	n_lines = info.nr_jited_line_info;
	rec_size = info.line_info_rec_size;
	if (!n_lines || info.nr_line_info != n_lines || !info.btf_id) {
		fprintf(stderr, "bpf_lines: program %s has no JIT line info (not JITed, or no BTF)\n",
			argv[1]);
		return 1;
	}
	jited_addrs = calloc(n_lines, sizeof(*jited_addrs));
	line_info = calloc(n_lines, rec_size);
	lines = calloc(n_lines, sizeof(*lines));
	if (!jited_addrs || !line_info || !lines)
		return 1;
	memset(&info, 0, sizeof(info));
	info.nr_jited_line_info = n_lines;
	info.jited_line_info = (unsigned long)jited_addrs;
	info.jited_line_info_rec_size = sizeof(__u64);
	info.nr_line_info = n_lines;
	info.line_info = (unsigned long)line_info;
	info.line_info_rec_size = rec_size;
	info_len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		fprintf(stderr, "bpf_lines: line info of program %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf) {
		fprintf(stderr, "bpf_lines: BTF %u: %s\n", info.btf_id, strerror(errno));
		return 1;
	}
	for (i = 0; i < n_lines; i++)
		lines[i] = (struct line_hits){ .addr = jited_addrs[i], .index = i };
	qsort(lines, n_lines, sizeof(*lines), by_addr);

	while (fgets(text, sizeof(text), stdin)) {
		char *end;
		unsigned long long addr = strtoull(text, &end, 16);
		struct line_hits *l;

		if (end == text)
			continue;	/* not an address */
		total++;
		l = line_of(lines, n_lines, addr);
		/* past the program's last line (another program, or its epilogue) */
		if (!l || addr - l->addr > info.jited_prog_len)
			outside++;
		else
			l->samples++;
	}
	qsort(lines, n_lines, sizeof(*lines), by_samples);
	for (i = 0; i < n_lines && lines[i].samples; i++) {
		const struct bpf_line_info *li =
			(const void *)(line_info + (size_t)lines[i].index * rec_size);
		const char *file = btf__name_by_offset(btf, li->file_name_off);
		const char *src = btf__name_by_offset(btf, li->line_off);
		const char *base = file ? strrchr(file, '/') : NULL;

		while (src && (*src == ' ' || *src == '\t'))
			src++;
		printf("%7lu %5.1f%% %s:%u %s\n", lines[i].samples,
		       100.0 * lines[i].samples / (total ? total : 1),
		       base ? base + 1 : (file ? file : "?"), BPF_LINE_INFO_LINE_NUM(li->line_col),
		       src ? src : "");
	}
	fprintf(stderr, "bpf_lines: %lu samples, %lu outside the program's lines\n", total,
		outside);
	btf__free(btf);
	close(fd);
	return 0;
}
