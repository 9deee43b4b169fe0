/* Packet filters compiled for speed and shared between streams.
 *
 * The leading filters of a packet stream read only packet fields. They are
 * compiled into nodes that work on plain 64-bit integers (no typed values)
 * wherever the types allow, and each distinct filter expression is evaluated
 * at most once per packet, however many streams and queries share it. Nodes
 * the compiler does not handle (addresses, strings, DNS records) keep the
 * general evaluator, so results are those of eval_true() in every case. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/binop.h"
#include "engine/engine_int.h"

enum ukind {
	U_CONST,   /* k */
	U_FIELD,   /* single-valued uint packet field */
	U_ARITH,   /* a op b, both uint */
	U_NEG,
	U_CMP,     /* a op b compared as uints; a missing side gives false */
	U_AND,
	U_OR,
	U_NOT,
	U_TRUTH,   /* a is present and nonzero */
	U_GENERIC, /* eval_true() of the original expression */
	U_FCMP,    /* field op k */
	U_FMASK,   /* (field & mask) op k */
};

struct unode {
	enum ukind kind;
	enum sn_binop op;
	enum sn_field_id field;
	uint64_t k, mask;
	const struct enode *orig;
	struct unode *a, *b;
};

void unode_free(struct unode *u)
{
	if (!u)
		return;
	unode_free(u->a);
	unode_free(u->b);
	free(u);
}

static struct unode *unode_new(enum ukind kind, const struct enode *orig)
{
	struct unode *u = calloc(1, sizeof(*u));

	if (u) {
		u->kind = kind;
		u->orig = orig;
	}
	return u;
}

static bool is_uint_field(const struct enode *n)
{
	const struct sn_field_def *def = sn_field_by_id(n->field);

	return def && def->type == SN_T_UINT && !(def->flags & SN_FF_MULTI) && !n->multi;
}

static bool is_arith(enum sn_binop op)
{
	return op <= SN_BIN_AND_BITS;
}

static bool is_cmp(enum sn_binop op)
{
	return op >= SN_BIN_EQ && op <= SN_BIN_GE;
}


/* Fold an operation on constants into a constant. */
static void fold(struct unode *u)
{
	if (u->kind != U_ARITH || u->a->kind != U_CONST || u->b->kind != U_CONST)
		return;
	u->k = sn_binop_arith(u->op, u->a->k, u->b->k);
	u->kind = U_CONST;
	unode_free(u->a);
	unode_free(u->b);
	u->a = NULL;
	u->b = NULL;
}

/* An integer-valued expression, or NULL (with *err 0) when n is not one. */
static struct unode *compile_uint(const struct enode *n, int *err)
{
	struct unode *u = NULL;

	if (n->kind == SN_EX_CONST && n->value.type == SN_T_UINT) {
		u = unode_new(U_CONST, n);
		if (u)
			u->k = n->value.u;
	} else if (n->kind == SN_EX_FIELD && is_uint_field(n)) {
		u = unode_new(U_FIELD, n);
		if (u)
			u->field = n->field;
	} else if ((n->kind == SN_EX_BINARY && is_arith(n->op)) || n->kind == SN_EX_NEG) {
		struct unode *a = compile_uint(n->a, err), *b = NULL;

		if (a && n->kind == SN_EX_BINARY)
			b = compile_uint(n->b, err);
		if (!a || (n->kind == SN_EX_BINARY && !b)) {
			unode_free(a);
			unode_free(b);
			return NULL;
		}
		u = unode_new(n->kind == SN_EX_NEG ? U_NEG : U_ARITH, n);
		if (!u) {
			unode_free(a);
			unode_free(b);
		} else {
			u->op = n->op;
			u->a = a;
			u->b = b;
			fold(u);
		}
	} else {
		return NULL;
	}
	if (!u)
		*err = -ENOMEM;
	return u;
}

static struct unode *compile_bool(const struct enode *n, int *err);

static struct unode *compile_pair(enum ukind kind, const struct enode *n,
				  struct unode *(*fn)(const struct enode *, int *), int *err)
{
	struct unode *u = unode_new(kind, n);

	if (!u) {
		*err = -ENOMEM;
		return NULL;
	}
	u->op = n->op;
	u->a = fn(n->a, err);
	if (u->a && n->b && kind != U_NOT)
		u->b = fn(n->b, err);
	if (!u->a || (n->b && kind != U_NOT && !u->b)) {
		unode_free(u);
		return NULL;
	}
	return u;
}

/* Turn `field op k` and `field & mask op k` into one node. */
static void fuse_cmp(struct unode *u)
{
	struct unode *a = u->a, *b = u->b;

	if (b->kind != U_CONST)
		return;
	if (a->kind == U_FIELD) {
		u->kind = U_FCMP;
		u->field = a->field;
	} else if (a->kind == U_ARITH && a->op == SN_BIN_AND_BITS && a->a->kind == U_FIELD &&
		   a->b->kind == U_CONST) {
		u->kind = U_FMASK;
		u->field = a->a->field;
		u->mask = a->b->k;
	} else {
		return;
	}
	u->k = b->k;
	unode_free(a);
	unode_free(b);
	u->a = NULL;
	u->b = NULL;
}

/* A truth value: never NULL unless out of memory. */
static struct unode *compile_bool(const struct enode *n, int *err)
{
	struct unode *u;

	if (n->kind == SN_EX_BINARY && (n->op == SN_BIN_AND || n->op == SN_BIN_OR))
		return compile_pair(n->op == SN_BIN_AND ? U_AND : U_OR, n, compile_bool, err);
	if (n->kind == SN_EX_NOT)
		return compile_pair(U_NOT, n, compile_bool, err);
	if (n->kind == SN_EX_BINARY && is_cmp(n->op) && !n->multi) {
		u = compile_pair(U_CMP, n, compile_uint, err);
		if (u)
			fuse_cmp(u);
		if (u || *err)
			return u;
	}
	u = compile_uint(n, err);
	if (u) {
		struct unode *t = unode_new(U_TRUTH, n);

		if (!t) {
			unode_free(u);
			*err = -ENOMEM;
			return NULL;
		}
		t->a = u;
		return t;
	}
	if (*err)
		return NULL;
	u = unode_new(U_GENERIC, n);
	if (!u)
		*err = -ENOMEM;
	return u;
}

int unode_compile(const struct enode *n, struct unode **out)
{
	int err = 0;

	*out = compile_bool(n, &err);
	return *out ? 0 : (err ? err : -ENOMEM);
}

int hslot_of(enum sn_field_id f)
{
	switch (f) {
	case SN_F_IP_PROTO:
		return HS_PROTO;
	case SN_F_TCP_FLAGS:
		return HS_FLAGS;
	case SN_F_TCP_SPORT:
		return HS_TSPORT;
	case SN_F_TCP_DPORT:
		return HS_TDPORT;
	case SN_F_UDP_SPORT:
		return HS_USPORT;
	case SN_F_UDP_DPORT:
		return HS_UDPORT;
	case SN_F_PAYLOAD_LEN:
		return HS_PLEN;
	case SN_F_DNS_QR:
		return HS_DNS_QR;
	default:
		return -1;
	}
}

static bool ucmp(enum sn_binop op, uint64_t a, uint64_t b)
{
	return sn_binop_order_holds(op, (a > b) - (a < b));
}

static int uval(struct ectx *c, const struct unode *u, uint64_t *v)
{
	uint64_t a, b;

	switch (u->kind) {
	case U_CONST:
		*v = u->k;
		return 1;
	case U_FIELD:
		return pkt_uint(c->pkt, u->field, v);
	case U_ARITH:
		if (!uval(c, u->a, &a) || !uval(c, u->b, &b))
			return 0;
		*v = sn_binop_arith(u->op, a, b);
		return 1;
	case U_NEG:
		/* 0 - a, which stops at 0 like every subtraction. */
		if (!uval(c, u->a, &a))
			return 0;
		*v = 0;
		return 1;
	default:
		*v = utrue(c, u);
		return 1;
	}
}

bool utrue(struct ectx *c, const struct unode *u)
{
	uint64_t a, b;

	switch (u->kind) {
	case U_FCMP:
		return pkt_uint(c->pkt, u->field, &a) && ucmp(u->op, a, u->k);
	case U_FMASK:
		return pkt_uint(c->pkt, u->field, &a) && ucmp(u->op, a & u->mask, u->k);
	case U_CMP:
		return uval(c, u->a, &a) && uval(c, u->b, &b) && ucmp(u->op, a, b);
	case U_AND:
		return utrue(c, u->a) && utrue(c, u->b);
	case U_OR:
		return utrue(c, u->a) || utrue(c, u->b);
	case U_NOT:
		return !utrue(c, u->a);
	case U_TRUTH:
		return uval(c, u->a, &a) && a != 0;
	case U_GENERIC:
		return eval_true(c, u->orig);
	default:
		return uval(c, u, &a) && a != 0;
	}
}

static bool enode_pure(const struct enode *n)
{
	if (!n)
		return true;
	if (n->kind == SN_EX_COL || n->kind == SN_EX_IN_PREV)
		return false;
	return enode_pure(n->a) && enode_pure(n->b);
}

bool enode_same(const struct enode *a, const struct enode *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->op != b->op || a->field != b->field || a->col != b->col ||
	    a->bits != b->bits || a->stream != b->stream || a->multi != b->multi)
		return false;
	if ((a->kind == SN_EX_CONST || a->kind == SN_EX_IN_PREFIX ||
	     a->kind == SN_EX_CONTAINS) && !sn_value_equal(&a->value, &b->value))
		return false;
	return enode_same(a->a, b->a) && enode_same(a->b, b->b);
}

/* Index of the shared filter equal to n, added when new; negative errno on failure. */
static int intern_pred(struct sn_engine *eng, const struct enode *n)
{
	struct shared_pred *grown;
	size_t i;
	int err;

	for (i = 0; i < eng->n_preds; i++)
		if (enode_same(eng->preds[i].expr, n))
			return (int)i;
	grown = realloc(eng->preds, (eng->n_preds + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	eng->preds = grown;
	memset(&grown[i], 0, sizeof(grown[i]));
	grown[i].expr = n;
	err = unode_compile(n, &grown[i].code);
	if (err)
		return err;
	eng->n_preds++;
	return (int)i;
}

static int add_pre(struct sn_engine *eng, struct stream_state *ss, const struct enode *n)
{
	int idx = intern_pred(eng, n);
	uint32_t *grown;

	if (idx < 0)
		return idx;
	grown = realloc(ss->pre, (ss->n_pre + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ss->pre = grown;
	ss->pre[ss->n_pre++] = (uint32_t)idx;
	if (idx < 64)
		ss->pre_mask |= 1ULL << idx;
	else
		ss->pre_slow = true;
	return 0;
}

/* The conjuncts of n that read only packet fields: each must hold for n to. */
static int add_pure_conjuncts(struct sn_engine *eng, struct stream_state *ss,
			      const struct enode *n)
{
	int err;

	if (n->kind == SN_EX_BINARY && n->op == SN_BIN_AND) {
		err = add_pure_conjuncts(eng, ss, n->a);
		return err ? err : add_pure_conjuncts(eng, ss, n->b);
	}
	return enode_pure(n) ? add_pre(eng, ss, n) : 0;
}

/* The leading filters of packet streams that read only packet fields are
 * shared, conjunct by conjunct: `ip.proto == 6` is tested once per packet for
 * every stream that needs it. From first_op on, ops run per packet as usual.
 * A leading filter that also reads other state still lends its pure
 * conjuncts as a pre-test. */
static int stream_preds(struct sn_engine *eng, struct stream_state *ss)
{
	size_t k;
	int err;

	if (ss->s->source != SN_SRC_PACKETS)
		return 0;
	for (k = 0; k < ss->n_ops; k++) {
		const struct op_state *os = &ss->ops[k];

		if (os->op->kind != SN_OP_FILTER || !os->pred)
			break;
		if (!enode_pure(os->pred)) {
			err = add_pure_conjuncts(eng, ss, os->pred);
			if (err)
				return err;
			break;
		}
		err = add_pure_conjuncts(eng, ss, os->pred);
		if (err)
			return err;
	}
	ss->first_op = k;
	return fast_init(ss);
}

static int add_pstream(struct sn_engine *eng, struct query_state *qs, struct stream_state *ss)
{
	struct pkt_stream *grown;

	grown = realloc(eng->pstreams, (eng->n_pstreams + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	eng->pstreams = grown;
	grown[eng->n_pstreams].qs = qs;
	grown[eng->n_pstreams++].ss = ss;
	return 0;
}

/* The flat form of filter u, `field & mask op k`, or false when it has none. */
static bool flatten(const struct unode *u, struct flat_pred *fp)
{
	const struct unode *f = u, *m = NULL;
	int slot;

	fp->mask = UINT64_MAX;
	fp->op = u->op;
	fp->k = u->k;
	if (u->kind == U_FMASK) {
		fp->mask = u->mask;
	} else if (u->kind == U_TRUTH) {
		/* `field` or `field & mask` alone: true when nonzero. */
		f = u->a;
		if (f->kind == U_ARITH && f->op == SN_BIN_AND_BITS && f->b->kind == U_CONST) {
			m = f->b;
			f = f->a;
		} else if (f->kind != U_FIELD) {
			return false;
		}
		fp->mask = m ? m->k : UINT64_MAX;
		fp->op = SN_BIN_NE;
		fp->k = 0;
	} else if (u->kind != U_FCMP) {
		return false;
	}
	slot = hslot_of(f->field);
	if (slot < 0)
		return false;
	fp->slot = (unsigned)slot;
	return true;
}

/* `x op k` as the unsigned range [lo, lo + span], inverted for != and for
 * tests that never hold (the full range, inverted). */
static void flat_range(struct flat_pred *fp)
{
	uint64_t k = fp->k;

	fp->lo = 0;
	fp->span = UINT64_MAX;
	fp->inv = false;
	switch (fp->op) {
	case SN_BIN_EQ:
	case SN_BIN_NE:
		fp->lo = k;
		fp->span = 0;
		fp->inv = fp->op == SN_BIN_NE;
		break;
	case SN_BIN_LT:
		fp->span = k - 1;
		fp->inv = k == 0;
		if (k == 0)
			fp->span = UINT64_MAX;
		break;
	case SN_BIN_LE:
		fp->span = k;
		break;
	case SN_BIN_GT:
		fp->lo = k + 1;
		fp->span = UINT64_MAX - fp->lo;
		fp->inv = k == UINT64_MAX;
		if (k == UINT64_MAX) {
			fp->lo = 0;
			fp->span = UINT64_MAX;
		}
		break;
	case SN_BIN_GE:
		fp->lo = k;
		fp->span = UINT64_MAX - k;
		break;
	default:
		fp->inv = true; /* never holds */
		break;
	}
}

static bool flat_holds(const struct flat_pred *fp, uint64_t v)
{
	return (((v & fp->mask) - fp->lo <= fp->span) ^ fp->inv) != 0;
}

/* Slots of one byte: a table of 256 results replaces their tests. */
static bool is_byte_slot(unsigned slot)
{
	return slot == HS_PROTO || slot == HS_FLAGS || slot == HS_DNS_QR;
}

static void add_byte_pred(struct sn_engine *eng, const struct flat_pred *fp)
{
	unsigned v;

	for (v = 0; v < 256; v++)
		if (flat_holds(fp, v))
			eng->byte_held[fp->slot][v] |= 1ULL << fp->idx;
	eng->byte_slots |= 1u << fp->slot;
}

static int flat_init(struct sn_engine *eng)
{
	size_t i;

	eng->flat = calloc(eng->n_preds ? eng->n_preds : 1, sizeof(*eng->flat));
	if (!eng->flat)
		return -ENOMEM;
	eng->byte_held = calloc(N_HSLOTS, sizeof(*eng->byte_held));
	if (!eng->byte_held)
		return -ENOMEM;
	for (i = 0; i < eng->n_preds && i < 64; i++) {
		struct flat_pred *fp = &eng->flat[eng->n_flat];

		if (!flatten(eng->preds[i].code, fp))
			continue;
		fp->idx = (unsigned)i;
		flat_range(fp);
		eng->flat_bits |= 1ULL << i;
		if (is_byte_slot(fp->slot))
			add_byte_pred(eng, fp);
		else
			eng->n_flat++;
	}
	for (i = 0; i < eng->n_pstreams; i++) {
		struct pkt_stream *ps = &eng->pstreams[i];
		unsigned b;

		ps->pre_mask = ps->ss->pre_mask;
		ps->flat_only = !ps->ss->pre_slow && !(ps->pre_mask & ~eng->flat_bits);
		if (i >= 64)
			continue;
		eng->all_streams |= 1ULL << i;
		for (b = 0; b < 64; b++)
			if (ps->pre_mask >> b & 1)
				eng->needed_by[b] |= 1ULL << i;
	}
	return 0;
}

int preds_init(struct sn_engine *eng)
{
	size_t q, s;
	int err;

	for (q = 0; q < eng->n; q++) {
		for (s = 0; s < eng->qs[q].n_streams; s++) {
			struct stream_state *ss = &eng->qs[q].streams[s];

			err = stream_preds(eng, ss);
			if (!err && ss->s->source == SN_SRC_PACKETS)
				err = add_pstream(eng, &eng->qs[q], ss);
			if (err)
				return err;
		}
	}
	share_init(eng);
	err = flat_init(eng);
	return err ? err : quick_init(eng);
}

void preds_free(struct sn_engine *eng)
{
	size_t i;

	for (i = 0; i < eng->n_preds; i++)
		unode_free(eng->preds[i].code);
	free(eng->preds);
	eng->preds = NULL;
	eng->n_preds = 0;
	free(eng->flat);
	eng->flat = NULL;
	free(eng->byte_held);
	eng->byte_held = NULL;
	eng->n_flat = 0;
	eng->flat_bits = 0;
	free(eng->pstreams);
	eng->pstreams = NULL;
	eng->n_pstreams = 0;
}

static inline uint32_t take_addr(const struct sn_addr *a, uint64_t *v, int slot)
{
	uint32_t x;

	if (a->family != 4)
		return 0;
	memcpy(&x, a->bytes, 4);
	*v = x;
	return 1u << slot;
}

/* The header slots of pkt: what each field gives in pkt_uint, or absent. */
static void take_slots(struct sn_engine *eng, const struct sn_packet *pkt)
{
	uint64_t *v = eng->hv;
	uint32_t have = 1u << HS_ZERO, wide = 0;

	v[HS_ZERO] = 0;
	if (pkt->layers & (SN_L_IP4 | SN_L_IP6)) {
		v[HS_PROTO] = pkt->proto;
		have |= 1u << HS_PROTO | 1u << HS_SRC | 1u << HS_DST;
		wide = (1u << HS_SRC | 1u << HS_DST) & ~(take_addr(&pkt->src, &v[HS_SRC], HS_SRC) |
							 take_addr(&pkt->dst, &v[HS_DST], HS_DST));
	}
	if (pkt->layers & SN_L_TCP) {
		v[HS_FLAGS] = pkt->tcp_flags;
		v[HS_TSPORT] = pkt->sport;
		v[HS_TDPORT] = pkt->dport;
		have |= 1u << HS_FLAGS | 1u << HS_TSPORT | 1u << HS_TDPORT;
	}
	if (pkt->layers & SN_L_UDP) {
		v[HS_USPORT] = pkt->sport;
		v[HS_UDPORT] = pkt->dport;
		have |= 1u << HS_USPORT | 1u << HS_UDPORT;
	}
	if (pkt->payload) {
		v[HS_PLEN] = pkt->payload_len;
		have |= 1u << HS_PLEN;
	}
	if ((pkt->layers & SN_L_DNS) && pkt->dns) {
		v[HS_DNS_QR] = pkt->dns->flags >> 15 & 1;
		have |= 1u << HS_DNS_QR;
	}
	eng->hv_have = have;
	eng->hv_wide = wide;
}

void preds_begin(struct sn_engine *eng, const struct sn_packet *pkt)
{
	uint64_t passing = 0;
	uint32_t bytes;
	size_t i;

	eng->pre_gen = eng->gen;
	take_slots(eng, pkt);
	bytes = eng->byte_slots & eng->hv_have;
	while (bytes) {
		unsigned slot = (unsigned)__builtin_ctz(bytes);

		bytes &= bytes - 1;
		passing |= eng->byte_held[slot][eng->hv[slot] & 0xff];
	}
	for (i = 0; i < eng->n_flat; i++) {
		const struct flat_pred *fp = &eng->flat[i];
		uint64_t in = flat_holds(fp, eng->hv[fp->slot]);

		passing |= (in & eng->hv_have >> fp->slot) << fp->idx;
	}
	eng->pre_true = passing;
	eng->pre_false = eng->flat_bits & ~passing;
}

bool stream_pre_eval(struct ectx *c, const struct stream_state *ss)
{
	struct sn_engine *eng = c->eng;
	size_t k;

	for (k = 0; k < ss->n_pre; k++) {
		uint32_t idx = ss->pre[k];
		uint64_t bit = idx < 64 ? 1ULL << idx : 0;

		if (eng->pre_true & bit)
			continue;
		if (eng->pre_false & bit)
			return false;
		if (utrue(c, eng->preds[idx].code)) {
			eng->pre_true |= bit;
			continue;
		}
		eng->pre_false |= bit;
		return false;
	}
	return true;
}
