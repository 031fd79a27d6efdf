/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Levelled logging to stderr; owns libbpf's output (quiet unless -v). */
#ifndef EDGEWATCH_LOG_H
#define EDGEWATCH_LOG_H

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,	/* -v: also libbpf's messages */
	LOG_LEVEL_TRACE,	/* -vv: also the verifier's log */
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Route libbpf's messages through this logger. */
void log_setup_libbpf(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif /* EDGEWATCH_LOG_H */
