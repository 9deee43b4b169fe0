/* Code generation: the switch part of each level of a runner as readable BPF C. Every
 * stream becomes one function that runs its operators in order, with the verdicts of
 * run_stream in src/dataplane/runner.c: drop, pass, report a partial aggregate, or send
 * the input to the stream processor when a register array has no free cell. */
#include <errno.h>
#include <string.h>

#include "sonata/log.h"
#include "xdp/gen_int.h"

static void out(struct sx_gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct sx_gen *g, const char *fmt, ...)
{
	va_list ap;

	fputs(g->indent, g->f);
	va_start(ap, fmt);
	vfprintf(g->f, fmt, ap);
	va_end(ap);
	fputc('\n', g->f);
}

/* Key columns of a register array: the distinct's expressions or its whole input. */
size_t sx_table_keys(const struct dp_op *o)
{
	if (o->op->kind == SN_OP_DISTINCT && o->op->n_exprs == 0)
		return o->n_in;
	return o->op->n_exprs;
}

#define table_keys sx_table_keys

/* Cells of the arrays of o's key width placed before o, in level, stream, operator order.
 * Sharing one map per width keeps the program under the kernel's 64 maps. */
uint64_t sx_table_base(const struct sn_dp_runner *r, const struct dp_op *o)
{
	size_t nk = table_keys(o), i, s, k;
	uint64_t base = 0;

	for (i = 0; i < r->set.n; i++) {
		const struct dp_level *lv = r->by_eng[i];

		for (s = 0; s < lv->n_streams; s++) {
			for (k = 0; k < lv->streams[s].cut; k++) {
				const struct dp_op *t = &lv->streams[s].ops[k];

				if (t == o)
					return base;
				if (t->stateful && table_keys(t) == nk)
					base += t->regs.cells;
			}
		}
	}
	return base;
}

static void emit_to_sp(struct sx_gen *g, size_t q, size_t s, size_t op, const char *cur,
		       size_t ncur)
{
	if (!cur)
		out(g, "sx_ent_new(sc, %zu, %zu, %zu, SX_PACKET);", q, s, op);
	else
		out(g, "sx_emit(sc, %zu, %zu, %zu, SX_TUPLE, %s, %zu);", q, s, op, cur, ncur);
}

/* Evaluate expressions into buffer sc->t[buf]; a missing field drops the input. */
static int emit_list(struct sx_gen *g, struct sn_expr *const *ex, size_t n, const char *cur,
		     unsigned buf)
{
	size_t j;
	int v;

	for (j = 0; j < n; j++) {
		v = sx_emit_expr(g, ex[j], cur);
		if (v < 0)
			return v;
		out(g, "if (!ok%d)", v);
		out(g, "\treturn;");
		out(g, "sc->t[%u][%zu] = v%d;", buf, j, v);
	}
	return 0;
}

static void emit_lookup(struct sx_gen *g, size_t q, size_t s, size_t i, const struct dp_op *o,
			unsigned buf)
{
	out(g, "c = 0;");
	out(g, "/* level %zu stream %zu operator %zu */", q, s, i);
	out(g, "rc = sx_lookup_%zu(%lluu, %uu, %uu, sc->t[%u], epoch, &c);", table_keys(o),
	    (unsigned long long)sx_table_base(g->r, o), o->regs.cells - 1, o->regs.probes, buf);
}

static void emit_value(struct sx_gen *g, unsigned buf, size_t col, const char *val)
{
	out(g, "sc->t[%u][%zu] = (struct sx_val){ .type = SX_T_UINT, .u = %s };", buf, col, val);
}

/* The reduce whose key an overflow at a distinct bypassed: mark the cell (dp_op_taint). */
static int emit_taint(struct sx_gen *g, size_t q, const struct dp_stream *ds, size_t at,
		      const char *cols)
{
	char cur[32];
	size_t j;
	int v;

	snprintf(cur, sizeof(cur), "%s", cols);
	for (j = at + 1; j < ds->cut; j++) {
		const struct dp_op *o = &ds->ops[j];
		unsigned buf;

		if (o->op->kind == SN_OP_FILTER) {
			v = sx_emit_expr(g, o->op->pred, cur);
			if (v < 0)
				return v;
			out(g, "if (!sx_true(ok%d, &v%d))", v, v);
			out(g, "\treturn;");
			continue;
		}
		if (o->op->kind != SN_OP_MAP && o->op->kind != SN_OP_REDUCE)
			break;
		buf = g->buf++;
		if (emit_list(g, o->op->exprs, o->op->n_exprs, cur, buf))
			return -EINVAL;
		if (o->op->kind == SN_OP_MAP) {
			snprintf(cur, sizeof(cur), "sc->t[%u]", buf);
			continue;
		}
		/* its own cell pointer: the reduce's key width differs from the distinct's */
		out(g, "{");
		out(g, "struct sx_cell_%zu *c;", table_keys(o));
		emit_lookup(g, q, ds->idx, j, o, buf);
		out(g, "if (rc == SX_OVERFLOW || !c || (c->flags & SX_TAINTED))");
		out(g, "\treturn;");
		out(g, "c->flags |= SX_TAINTED;");
		out(g, "if (rc == SX_INSERTED || c->val == 0 || c->val >= %lluull)",
		    (unsigned long long)o->threshold);
		out(g, "\treturn;");
		emit_value(g, buf, o->op->n_exprs, "c->val");
		out(g, "sx_emit(sc, %zu, %zu, %zu, SX_PARTIAL, sc->t[%u], %zu);", q, ds->idx, j,
		    buf, o->op->n_exprs + 1);
		out(g, "}");
		break;
	}
	out(g, "return;");
	return 0;
}

static int emit_distinct(struct sx_gen *g, size_t q, const struct dp_stream *ds, size_t i,
			 const char *cur, size_t ncur, unsigned buf)
{
	const struct dp_op *o = &ds->ops[i];
	char key[32];
	size_t j;

	if (o->op->n_exprs == 0) {
		if (!cur)
			return -EINVAL;
		for (j = 0; j < ncur; j++)
			out(g, "sc->t[%u][%zu] = %s[%zu];", buf, j, cur, j);
	} else if (emit_list(g, o->op->exprs, o->op->n_exprs, cur, buf)) {
		return -EINVAL;
	}
	emit_lookup(g, q, ds->idx, i, o, buf);
	out(g, "if (rc == SX_FOUND)");
	out(g, "\treturn;");
	out(g, "if (rc == SX_INSERTED && c) {");
	out(g, "\tc->val = 1;");
	out(g, "} else {");
	out(g, "\t/* No free cell: the stream processor runs the distinct on this input. */");
	g->indent = "\t\t";
	emit_to_sp(g, q, ds->idx, i, cur, ncur);
	snprintf(key, sizeof(key), "sc->t[%u]", buf);
	if (emit_taint(g, q, ds, i, key))
		return -EINVAL;
	g->indent = "\t";
	out(g, "}");
	return 0;
}

static int emit_reduce(struct sx_gen *g, size_t q, const struct dp_stream *ds, size_t i,
		       const char *cur, size_t ncur, unsigned buf)
{
	const struct dp_op *o = &ds->ops[i];
	size_t nk = o->op->n_exprs;
	int v;

	if (emit_list(g, o->op->exprs, nk, cur, buf))
		return -EINVAL;
	out(g, "inc = 1;");
	if (o->op->aggs[0] == SN_AGG_SUM) {
		v = sx_emit_expr(g, o->op->agg_args[0], cur);
		if (v < 0)
			return v;
		out(g, "if (!ok%d)", v);
		out(g, "\treturn;");
		out(g, "inc = v%d.u;", v);
	}
	emit_lookup(g, q, ds->idx, i, o, buf);
	out(g, "if (rc == SX_OVERFLOW || !c) {");
	g->indent = "\t\t";
	emit_to_sp(g, q, ds->idx, i, cur, ncur);
	out(g, "return;");
	g->indent = "\t";
	out(g, "}");
	out(g, "/* Report the crossing of the threshold with the whole value, then increments. */");
	out(g, "old = c->val;");
	out(g, "below = !(c->flags & SX_TAINTED) && (rc == SX_INSERTED || old < %lluull);",
	    (unsigned long long)o->threshold);
	out(g, "c->val = old + inc;");
	out(g, "if (below && c->val >= %lluull)", (unsigned long long)o->threshold);
	out(g, "\tinc = c->val;");
	out(g, "else if (below || inc == 0)");
	out(g, "\treturn;");
	emit_value(g, buf, nk, "inc");
	out(g, "sx_emit(sc, %zu, %zu, %zu, SX_PARTIAL, sc->t[%u], %zu);", q, ds->idx, i, buf,
	    nk + 1);
	return 0;
}

static int emit_stream(struct sx_gen *g, size_t q, const struct dp_stream *ds)
{
	char cur[32] = "";
	size_t i, ncur = 0;
	int v;

	fprintf(g->f, "static __always_inline void sx_q%zu_s%zu(struct sx_scratch *sc, "
		"struct sx_pkt *p, u64 epoch)\n{\n", q, ds->idx);
	fprintf(g->f, "\tu64 inc = 0, old = 0;\n\tint rc = 0, below = 0;\n\n");
	for (i = 0; i < ds->cut; i++) {
		const struct dp_op *o = &ds->ops[i];
		unsigned buf;

		out(g, "/* operator %zu: %s */", i, o->op->kind == SN_OP_FILTER ? "filter" :
		    o->op->kind == SN_OP_MAP ? "map" :
		    o->op->kind == SN_OP_DISTINCT ? "distinct" : "reduce");
		if (o->op->kind == SN_OP_FILTER) {
			v = sx_emit_expr(g, o->op->pred, *cur ? cur : NULL);
			if (v < 0)
				return v;
			out(g, "if (!sx_true(ok%d, &v%d))", v, v);
			out(g, "\treturn;");
			continue;
		}
		buf = g->buf++;
		if (o->op->kind != SN_OP_MAP)
			fprintf(g->f, "\t{\n\tstruct sx_cell_%zu *c;\n\n", table_keys(o));
		if (o->op->kind == SN_OP_MAP &&
		    emit_list(g, o->op->exprs, o->op->n_exprs, *cur ? cur : NULL, buf))
			return -EINVAL;
		if (o->op->kind == SN_OP_DISTINCT &&
		    emit_distinct(g, q, ds, i, *cur ? cur : NULL, ncur, buf))
			return -EINVAL;
		if (o->op->kind == SN_OP_REDUCE) {
			if (emit_reduce(g, q, ds, i, *cur ? cur : NULL, ncur, buf))
				return -EINVAL;
			fprintf(g->f, "\t}\n}\n\n");
			return 0;
		}
		if (o->op->kind != SN_OP_MAP)
			fprintf(g->f, "\t}\n");
		snprintf(cur, sizeof(cur), "sc->t[%u]", buf);
		ncur = o->op->kind == SN_OP_DISTINCT ? table_keys(o) : o->op->n_exprs;
	}
	out(g, "/* what leaves the switch part goes to the stream processor */");
	emit_to_sp(g, q, ds->idx, ds->cut, *cur ? cur : NULL, ncur);
	fprintf(g->f, "\t(void)inc;\n\t(void)old;\n\t(void)rc;\n"
		"\t(void)below;\n}\n\n");
	return 0;
}

static void emit_lookup_fn(FILE *f, size_t nk)
{
	fprintf(f, "/* Find key or claim a free cell among probes (dp_regs_lookup). */\n"
		"static __always_inline int sx_lookup_%zu(u32 base, u32 mask, u32 probes,\n"
		"\t\t\t\t\t const struct sx_val *key, u64 epoch,\n"
		"\t\t\t\t\t struct sx_cell_%zu **out)\n{\n"
		"\tu32 idx = (u32)sx_hash(key, %zu) & mask;\n\n"
		"\tfor (u32 i = 0; i < SX_PROBES && i < probes; i++) {\n"
		"\t\tu32 j = base + ((idx + i) & mask);\n"
		"\t\tstruct sx_cell_%zu *c = bpf_map_lookup_elem(&r_%zu, &j);\n\n"
		"\t\tif (!c)\n\t\t\treturn SX_OVERFLOW;\n"
		"\t\tif (c->epoch != epoch) {\n"
		"\t\t\tc->epoch = epoch;\n\t\t\tc->val = 0;\n\t\t\tc->flags = SX_USED;\n"
		"\t\t\tfor (int k = 0; k < %zu; k++)\n\t\t\t\tc->key[k] = key[k];\n"
		"\t\t\t*out = c;\n\t\t\treturn SX_INSERTED;\n\t\t}\n"
		"\t\tif (sx_eq(c->key, key, %zu)) {\n\t\t\t*out = c;\n\t\t\treturn SX_FOUND;\n"
		"\t\t}\n\t}\n\treturn SX_OVERFLOW;\n}\n\n", nk, nk, nk, nk, nk, nk, nk);
}

static void emit_map(FILE *f, size_t nk, uint64_t cells)
{
	fprintf(f, "struct {\n\t__uint(type, BPF_MAP_TYPE_ARRAY);\n\t__uint(max_entries, %llu);\n"
		"\t__type(key, u32);\n\t__type(value, struct sx_cell_%zu);\n} r_%zu "
		"SEC(\".maps\");\n\n", (unsigned long long)(cells ? cells : 1), nk, nk);
}

/* One register map per key width, one refinement trie per window parity. */
static void emit_tables(FILE *f, const struct sn_dp_runner *r)
{
	uint64_t cells[SX_MAX_KEYS + 1] = { 0 };
	size_t i, s, o, nk, fed = 0;

	for (i = 0; i < r->set.n; i++) {
		const struct dp_level *lv = r->by_eng[i];

		fed += lv->feeder >= 0;
		for (s = 0; s < lv->n_streams; s++)
			for (o = 0; o < lv->streams[s].cut; o++)
				if (lv->streams[s].ops[o].stateful)
					cells[table_keys(&lv->streams[s].ops[o])] +=
						lv->streams[s].ops[o].regs.cells;
	}
	/* the cell type and lookup of width 1 always exist: emit_taint may name them */
	for (nk = 1; nk <= SX_MAX_KEYS; nk++) {
		if (nk > 1 && !cells[nk])
			continue;
		fprintf(f, "struct sx_cell_%zu {\n\tu64 epoch;\t/* window start + 1; another "
			"value: free */\n\tu64 val;\n\tu32 flags;\n\tu32 pad;\n"
			"\tstruct sx_val key[%zu];\n};\n\n", nk, nk);
		emit_map(f, nk, cells[nk]);
		emit_lookup_fn(f, nk);
	}
	for (s = 0; s < 2; s++)
		fprintf(f, "/* keys of window parity %zu, all fed levels (level number in the key) */\n"
			"struct {\n\t__uint(type, BPF_MAP_TYPE_LPM_TRIE);\n"
			"\t__uint(max_entries, %llu);\n\t__uint(map_flags, BPF_F_NO_PREALLOC);\n"
			"\t__type(key, struct sx_lpm_key);\n\t__type(value, u8);\n} sx_f%zu "
			"SEC(\".maps\");\n\n", s, (unsigned long long)(fed ? fed : 1) *
			(r->opts.limits.filter_entries ? r->opts.limits.filter_entries : 1), s);
}

/* The refinement filter: keys the feeding level reported in the previous window. */
static int emit_filter(struct sx_gen *g, size_t i, const struct dp_level *lv)
{
	int v;

	out(g, "fk = %zu * 2 + (u32)((win / %lluull) & 1);", i,
	    (unsigned long long)lv->dq->q->window_ns);
	out(g, "fs = bpf_map_lookup_elem(&sx_fstate, &fk);");
	out(g, "if (!fs)");
	out(g, "\treturn;");
	out(g, "if (!fs->valid || fs->win != win) {");
	out(g, "\t/* user space has not installed this window's keys yet: pass all */");
	out(g, "\t__sync_fetch_and_add(&cfg->late, 1);");
	out(g, "} else if (!fs->pass_all) {");
	g->indent = "\t\t";
	out(g, "struct sx_lpm_key lk = {};");
	out(g, "void *hit;");
	fputc('\n', g->f);
	v = sx_emit_field_value(g, lv->dq->key);
	if (v < 0)
		return v;
	out(g, "if (!ok%d || v%d.type != SX_T_ADDR)", v, v);
	out(g, "\treturn;");
	out(g, "lk.prefixlen = 24 + (v%d.family == 6 ? 128 : 32);", v);
	out(g, "lk.data[0] = %zu;", i >> 8);
	out(g, "lk.data[1] = %zu;", i & 0xff);
	out(g, "lk.data[2] = v%d.family;", v);
	out(g, "__builtin_memcpy(&lk.data[3], v%d.a, 16);", v);
	out(g, "if (fk & 1)");
	out(g, "\thit = bpf_map_lookup_elem(&sx_f1, &lk);");
	out(g, "else");
	out(g, "\thit = bpf_map_lookup_elem(&sx_f0, &lk);");
	out(g, "if (!hit)");
	out(g, "\treturn;");
	g->indent = "\t";
	out(g, "}");
	return 0;
}

static int emit_level(struct sx_gen *g, size_t i, const struct dp_level *lv)
{
	unsigned long long w = (unsigned long long)lv->dq->q->window_ns;
	size_t s;

	fprintf(g->f, "/* level %zu: query %s at /%u */\n", i, lv->dq->q->name, lv->level);
	fprintf(g->f, "static __always_inline void sx_level_%zu(struct sx_cfg *cfg, "
		"struct sx_scratch *sc,\n\t\t\t\t\t struct sx_pkt *p, u64 ts)\n{\n", i);
	out(g, "struct sx_fstate *fs;");
	out(g, "struct sx_lstate *ls;");
	out(g, "u64 start = ts / %lluull * %lluull, win;", w, w);
	out(g, "u32 fk = %zu;", i);
	fputc('\n', g->f);
	out(g, "ls = bpf_map_lookup_elem(&sx_lstate, &fk);");
	out(g, "if (!ls)");
	out(g, "\treturn;");
	out(g, "/* A later window resets the registers: cells of older epochs are free. */");
	out(g, "if (!ls->open || start > ls->win) {");
	out(g, "\tls->win = start;");
	out(g, "\tls->open = 1;");
	out(g, "}");
	out(g, "win = ls->win;");
	out(g, "(void)fs;");
	if (lv->feeder >= 0 && emit_filter(g, i, lv))
		return -EINVAL;
	for (s = 0; s < lv->n_streams; s++)
		out(g, "sx_q%zu_s%zu(sc, p, win + 1);", i, lv->streams[s].idx);
	fprintf(g->f, "}\n\n");
	return 0;
}

static const char main_text[] =
	"static __always_inline void sx_submit(struct xdp_md *ctx, struct sx_cfg *cfg,\n"
	"\t\t\t\t      struct sx_scratch *sc, u64 ts, u32 wire)\n{\n"
	"\tstruct sx_rec *r = &sc->rec;\n\tu32 n = r->nent;\n\tu64 size, flen = 0;\n\n"
	"\tif (n > SX_MAXE)\n\t\tn = SX_MAXE;\n"
	"\tr->ts = ts;\n\tr->now = cfg->newest;\n\tr->wire_len = wire;\n\tr->frame_len = 0;\n"
	"\tsize = __builtin_offsetof(struct sx_rec, ent) + (u64)n * sizeof(struct sx_ent);\n"
	"\tif (sc->need_frame) {\n"
	"\t\tflen = wire;\n"
	"\t\tif (flen > SX_FRAME) {\n\t\t\tflen = SX_FRAME;\n"
	"\t\t\t__sync_fetch_and_add(&cfg->truncated, 1);\n\t\t}\n"
	"\t\t/* the mask tells the verifier the length is not negative */\n"
	"\t\tflen &= 0x7fff;\n"
	"\t\tif (flen == 0 || flen > SX_FRAME || bpf_xdp_load_bytes(ctx, 0, r->frame, flen))\n"
	"\t\t\tflen = 0;\n"
	"\t\tr->frame_len = flen;\n"
	"\t\tsize = __builtin_offsetof(struct sx_rec, frame) + flen;\n\t}\n"
	"\t/* the barrier keeps clang from folding the bound the verifier needs */\n"
	"\tasm volatile(\"\" : \"+r\"(size));\n"
	"\tif (size > sizeof(*r))\n\t\treturn;\n"
	"\tif (bpf_ringbuf_output(&sx_ring, r, size, 0))\n"
	"\t\t__sync_fetch_and_add(&cfg->lost, 1);\n}\n\n"
	"/* Every packet passes on to the kernel: the program only observes. */\n"
	"SEC(\"xdp.frags\")\nint sonata_xdp(struct xdp_md *ctx)\n{\n"
	"\tu32 zero = 0, cpu = bpf_get_smp_processor_id();\n"
	"\tstruct sx_cfg *cfg = bpf_map_lookup_elem(&sx_cfg, &zero);\n"
	"\tstruct sx_scratch *sc = bpf_map_lookup_elem(&sx_scratch, &cpu);\n"
	"\tstruct sx_pkt *p;\n\tu32 wire;\n\tu64 ts;\n\n"
	"\tif (!cfg || !sc)\n\t\treturn XDP_PASS;\n"
	"\tts = cfg->fixed_ts ? cfg->fixed_ts : bpf_ktime_get_ns() + cfg->offset;\n"
	"\tif (ts > cfg->newest)\n\t\tcfg->newest = ts;\n"
	"\twire = bpf_xdp_get_buff_len(ctx);\n"
	"\tp = &sc->pkt;\n\t__builtin_memset(p, 0, sizeof(*p));\n"
	"\tsx_parse(ctx, p, wire);\n"
	"\tsc->rec.nent = 0;\n\tsc->need_frame = 0;\n";

int sx_generate(const struct sn_dp_runner *r, const struct sn_xdp_target *t,
		const struct sx_layout *lay, FILE *f)
{
	struct sx_gen g = { .r = r, .f = f, .indent = "\t" };
	size_t i, s;
	unsigned nbuf = 0;

	(void)t;
	for (i = 0; i < r->set.n; i++)
		for (s = 0; s < r->by_eng[i]->n_streams; s++)
			nbuf += 2 * (unsigned)r->by_eng[i]->streams[s].cut;
	fprintf(f, "// SPDX-License-Identifier: GPL-2.0\n"
		"/* Generated by sonata %s: the switch part of %zu query levels as an XDP\n"
		" * program. Each packet runs through every level; what a level cannot finish\n"
		" * goes to user space as one ring buffer record. See docs/xdp.md. */\n",
		SONATA_VERSION, r->set.n);
	sx_emit_prelude(f, lay);
	fprintf(f, "#define SX_PROBES %u\n#define SX_NBUF %u\n\n", r->opts.probes ?
		r->opts.probes : 1, nbuf ? nbuf : 1);
	fprintf(f, "/* Per-CPU working memory: the parsed packet, tuples, the record. */\n"
		"struct sx_scratch {\n\tstruct sx_pkt pkt;\n\tu32 need_frame, pad;\n"
		"\tstruct sx_val t[SX_NBUF][SX_MAXW];\n\tstruct sx_rec rec;\n};\n\n");
	sx_emit_maps(f);
	emit_tables(f, r);
	for (i = 0; i < r->set.n; i++) {
		const struct dp_level *lv = r->by_eng[i];

		for (s = 0; s < lv->n_streams; s++)
			if (emit_stream(&g, i, &lv->streams[s]))
				return -EINVAL;
		if (emit_level(&g, i, lv))
			return -EINVAL;
	}
	fputs(main_text, f);
	for (i = 0; i < r->set.n; i++)
		fprintf(f, "\tsx_level_%zu(cfg, sc, p, ts);\n", i);
	fprintf(f, "\tif (sc->rec.nent)\n\t\tsx_submit(ctx, cfg, sc, ts, wire);\n"
		"\treturn XDP_PASS;\n}\n\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n");
	return ferror(f) ? -EIO : 0;
}
