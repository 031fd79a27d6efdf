// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* FIRST CUT, being replaced by the payload pipeline: counts the samples it receives. */
#include <errno.h>
#include <stdlib.h>

#include "lotl/sample_pipeline.h"

struct sample_pipeline {
	struct sample_pipeline_params p;
	uint64_t read;
};

int sample_pipeline_new(struct sample_pipeline **out, const struct sample_pipeline_params *p)
{
	struct sample_pipeline *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return -ENOMEM;
	sp->p = *p;
	*out = sp;
	return 0;
}

void sample_pipeline_free(struct sample_pipeline *sp)
{
	free(sp);
}

int sample_pipeline_on_sample(struct sample_pipeline *sp, const void *data, size_t size)
{
	sp->read++;
	return 0;
}

void sample_pipeline_drain(struct sample_pipeline *sp)
{
}

int sample_pipeline_flow_alerted(struct sample_pipeline *sp, uint64_t flow_seq)
{
	return 0;
}

void sample_pipeline_add_stats(struct sample_pipeline *sp, struct json_object *stats)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "read", json_object_new_uint64(sp->read));
	json_object_object_add(stats, "samples", o);
}
