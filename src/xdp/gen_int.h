/* State of the code generator, shared by gen.c and gen_expr.c. */
#ifndef SONATA_XDP_GEN_INT_H
#define SONATA_XDP_GEN_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "xdp/xdp_int.h"

struct sx_gen {
	const struct sn_dp_runner *r;
	FILE *f;
	const char *indent;	/* prefix of every line */
	unsigned tmp;		/* next expression temporary */
	unsigned buf;		/* next tuple buffer in the scratch map */
};

#define SX_MAX_KEYS 8	/* key columns of one register array */

/* gen_prelude.c: shared maps, helpers and the parser, after struct sx_scratch. */
void sx_emit_maps(FILE *f);
/* gen_expr.c: the value of packet field id into a new temporary; returns its number. */
int sx_emit_field_value(struct sx_gen *g, enum sn_field_id id);

/* gen.c: key columns of the register array of o, and the first cell of that array in the
 * register map r_<keys> that all arrays of its key width share. */
size_t sx_table_keys(const struct dp_op *o);
uint64_t sx_table_base(const struct sn_dp_runner *r, const struct dp_op *o);

/* Whether the generated parser fills field id. */
bool sx_field_parsed(enum sn_field_id id);

#endif
