/* libFuzzer target: the cost-file and plan JSON readers, and the solvers on small inputs. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sonata/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sn_costs c;
	struct sn_plan p;
	char err[512];

	if (!sn_costs_read_buf(buf, size, "fuzz.json", &c, err, sizeof(err))) {
		struct sn_switch_limits lim;

		sn_switch_limits_default(&lim);
		lim.stages = 3;
		if (c.has_limits && c.limits.stages <= 4)
			lim = c.limits;
		/* Keep each input fast: the solvers only run on a few small queries. */
		if (c.nqueries <= 2 && !sn_plan_solve(&c, &lim, SN_PLAN_SONATA, 0.05, &p, err,
						      sizeof(err)))
			sn_plan_free(&p);
		sn_costs_free(&c);
	}
	if (!sn_plan_read_json(buf, size, "fuzz.json", &p, err, sizeof(err))) {
		FILE *f = fopen("/dev/null", "w");

		if (f) {
			sn_plan_print(f, &p);
			fclose(f);
		}
		sn_plan_free(&p);
	}
	return 0;
}
