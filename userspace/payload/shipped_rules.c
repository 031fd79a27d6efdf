// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "log.h"
#include "payload/shipped_rules.h"

#define INSTALLED_CACHE_DIR "/var/cache/edgewatch"

static int has_rules(const char *dir)
{
	char path[PATH_MAX];
	glob_t g;
	int found;

	if (snprintf(path, sizeof(path), "%s/classification.config", dir) >= (int)sizeof(path) ||
	    access(path, R_OK))
		return 0;
	snprintf(path, sizeof(path), "%s/*.rules", dir);
	found = glob(path, 0, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	return found;
}

/* The binary's directory (/proc/self/exe: the file that runs, whatever argv[0] says). */
static int exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

int shipped_rules_dir(char *buf, size_t len)
{
	static const char *const relative[] = {
		"../share/edgewatch/rules",	/* PREFIX/sbin -> PREFIX/share/edgewatch */
		"../rules",			/* .output/edgewatch */
		"../../rules",			/* .output/asan/edgewatch */
	};
	const char *env = getenv("EDGEWATCH_RULES_DIR");
	char dir[PATH_MAX], candidate[PATH_MAX + 32];
	size_t i;

	if (env) {
		if (!*env || !realpath(env, buf) || !has_rules(buf))
			return -ENOENT;
		return 0;
	}
	if (exe_dir(dir, sizeof(dir)))
		return -ENOENT;
	for (i = 0; i < sizeof(relative) / sizeof(relative[0]); i++) {
		char resolved[PATH_MAX];

		snprintf(candidate, sizeof(candidate), "%s/%s", dir, relative[i]);
		if (realpath(candidate, resolved) && has_rules(resolved) &&
		    strlen(resolved) < len) {
			strcpy(buf, resolved);
			return 0;
		}
	}
	return -ENOENT;
}

static int glob_rules(struct ew_config *cfg, const char *dir)
{
	char pattern[PATH_MAX + 16];
	glob_t g;
	size_t i;

	snprintf(pattern, sizeof(pattern), "%s/*.rules", dir);
	if (glob(pattern, 0, NULL, &g) || !g.gl_pathc) {	/* sorted by glob */
		globfree(&g);
		return 0;
	}
	cfg->rules.files = calloc(g.gl_pathc, sizeof(char *));
	if (!cfg->rules.files) {
		globfree(&g);
		return -ENOMEM;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		cfg->rules.files[i] = strdup(g.gl_pathv[i]);
		if (!cfg->rules.files[i]) {
			globfree(&g);
			return -ENOMEM;	/* config_free frees what is there */
		}
		cfg->rules.file_count = i + 1;
	}
	globfree(&g);
	return 0;
}

/* Where the compiled shipped rules are kept: the system's cache when installed (and
 * writable by us), else beside a binary in the source tree; NULL: nowhere. */
static char *cache_dir_for(const char *rules_dir)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];

	if (strstr(rules_dir, "/share/edgewatch/rules"))
		return access(INSTALLED_CACHE_DIR, W_OK) ? NULL : strdup(INSTALLED_CACHE_DIR);
	if (exe_dir(dir, sizeof(dir)))
		return NULL;
	snprintf(path, sizeof(path), "%s/rule-cache", dir);
	if (mkdir(path, 0750) && errno != EEXIST)
		return NULL;
	return strdup(path);
}

int shipped_rules_apply(struct ew_config *cfg, int quiet)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	int err;

	if (shipped_rules_dir(dir, sizeof(dir))) {
		const char *env = getenv("EDGEWATCH_RULES_DIR");

		if (quiet || cfg->rules.files_given || (env && !*env))
			return 0;	/* configured, or turned off on purpose */
		if (env)
			log_warn("rules: none configured, and EDGEWATCH_RULES_DIR=%s holds no "
				 "shipped rules (classification.config and *.rules)", env);
		else
			log_warn("rules: none configured, and no shipped rules found beside this "
				 "binary (rules.files names rule files)");
		return 0;
	}
	if (!cfg->rules.classification) {
		snprintf(path, sizeof(path), "%s/classification.config", dir);
		cfg->rules.classification = strdup(path);
		if (!cfg->rules.classification)
			return -ENOMEM;
	}
	if (cfg->rules.files_given)
		return 0;
	err = glob_rules(cfg, dir);
	if (err)
		return err;
	if (!cfg->rules.cache_dir)
		cfg->rules.cache_dir = cache_dir_for(dir);
	if (!quiet)
		log_info("rules: the %zu shipped rule files in %s (rules.files not set; "
			 "`rules: {files: []}` turns them off)", cfg->rules.file_count, dir);
	return 0;
}
