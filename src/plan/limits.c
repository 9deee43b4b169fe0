/* Switch limits: Tofino-class defaults and the "key=value,..." parser of the command line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_int.h"

/*
 * Defaults. All but filter_entries are estimates for a Tofino-1 class pipeline, not values
 * read from a datasheet:
 * - 12 match-action stages per pipeline;
 * - 4 stateful tables (register arrays with their stateful ALUs) per stage;
 * - 8 Mbit of registers per stage, i.e. four registers of 65,536 cells of 32 bits, the register
 *   size the original Sonata P4 code generator emits;
 * - 4096 bits of per-packet metadata (packet header vector); the planner does not check it.
 * filter_entries is the size of the original code generator's refinement filter tables.
 */
void sn_switch_limits_default(struct sn_switch_limits *lim)
{
	lim->stages = 12;
	lim->tables_per_stage = 4;
	lim->bits_per_stage = 4ULL * 65536 * 32;
	lim->metadata_bits = 4096;
	lim->filter_entries = 64;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int set_limit(struct sn_switch_limits *lim, const char *key, uint64_t v)
{
	if (!strcmp(key, "bits") || !strcmp(key, "bits_per_stage")) {
		lim->bits_per_stage = v;
		return 0;
	}
	if (v > UINT32_MAX)
		return -ERANGE;
	if (!strcmp(key, "stages"))
		lim->stages = (unsigned)v;
	else if (!strcmp(key, "tables") || !strcmp(key, "tables_per_stage"))
		lim->tables_per_stage = (unsigned)v;
	else if (!strcmp(key, "metadata") || !strcmp(key, "metadata_bits"))
		lim->metadata_bits = (unsigned)v;
	else if (!strcmp(key, "entries") || !strcmp(key, "filter_entries"))
		lim->filter_entries = (unsigned)v;
	else
		return -ENOENT;
	return 0;
}

int sn_switch_limits_parse(struct sn_switch_limits *lim, const char *spec,
			   char *err, size_t errlen)
{
	char *copy = strdup(spec), *save = NULL, *item;
	int rc = 0;

	if (!copy)
		return plan_error(err, errlen, -ENOMEM, "out of memory");
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		uint64_t v;

		if (!eq || parse_u64(eq + 1, &v) < 0) {
			rc = plan_error(err, errlen, -EINVAL,
					"invalid limit '%s': expected KEY=N with N a non-negative integer",
					item);
			goto out;
		}
		*eq = '\0';
		rc = set_limit(lim, item, v);
		if (rc == -ENOENT) {
			rc = plan_error(err, errlen, -EINVAL,
					"unknown limit '%s': use stages, tables, bits, metadata or entries",
					item);
			goto out;
		}
		if (rc < 0) {
			rc = plan_error(err, errlen, -EINVAL, "limit %s=%" PRIu64 " is too large",
					item, v);
			goto out;
		}
	}
	if (lim->stages > SN_PLAN_MAX_STAGES)
		rc = plan_error(err, errlen, -EINVAL, "stages=%u exceeds the maximum of %d",
				lim->stages, SN_PLAN_MAX_STAGES);
out:
	free(copy);
	return rc;
}
