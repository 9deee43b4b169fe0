/* Expressions in the generated program: each node becomes a struct sx_val v<N> and a flag
 * ok<N> (0 when a field is missing), with the semantics of dp_eval in
 * src/dataplane/ops.c. Constant masks and prefixes are computed here. */
#include <errno.h>
#include <string.h>

#include "sonata/fields.h"
#include "xdp/gen_int.h"

/* Packet field member of struct sx_pkt, or NULL when the program does not parse it. */
static const char *field_member(enum sn_field_id id, bool *addr)
{
	*addr = false;
	switch (id) {
	case SN_F_ETH_TYPE: return "p->ethertype";
	case SN_F_VLAN_ID: return "p->vlan_id";
	case SN_F_MPLS_LABEL: return "p->mpls_label";
	case SN_F_IP_VERSION: return "p->ip_version";
	case SN_F_IP_SRC: case SN_F_IPV4_SRC: case SN_F_IPV6_SRC:
		*addr = true;
		return "p->src";
	case SN_F_IP_DST: case SN_F_IPV4_DST: case SN_F_IPV6_DST:
		*addr = true;
		return "p->dst";
	case SN_F_IP_PROTO: case SN_F_IPV4_PROTO: case SN_F_IPV6_NEXT: return "p->proto";
	case SN_F_IP_TTL: case SN_F_IPV4_TTL: case SN_F_IPV6_HLIM: return "p->ttl";
	case SN_F_IP_LEN: case SN_F_IPV4_LEN: return "p->ip_len";
	case SN_F_IPV6_PLEN: return "(p->ip_len >= 40 ? p->ip_len - 40u : 0)";
	case SN_F_IP_TOS: case SN_F_IPV4_TOS: return "p->tos";
	case SN_F_IP_ID: case SN_F_IPV4_ID: return "p->ip_id";
	case SN_F_IP_FRAG_OFF: case SN_F_IPV4_FRAG_OFF: return "p->frag_off";
	case SN_F_IP_MF: return "p->mf";
	case SN_F_IP_DF: return "p->df";
	case SN_F_IPV4_IHL: return "p->ihl";
	case SN_F_SPORT: case SN_F_TCP_SPORT: case SN_F_UDP_SPORT: return "p->sport";
	case SN_F_DPORT: case SN_F_TCP_DPORT: case SN_F_UDP_DPORT: return "p->dport";
	case SN_F_TCP_FLAGS: return "p->tcp_flags";
	case SN_F_TCP_SEQ: return "p->seq";
	case SN_F_TCP_ACK: return "p->ack";
	case SN_F_TCP_WINDOW: return "p->window";
	case SN_F_TCP_HLEN: return "p->tcp_hlen";
	case SN_F_UDP_LEN: return "p->udp_len";
	case SN_F_ICMP_TYPE: return "p->icmp_type";
	case SN_F_ICMP_CODE: return "p->icmp_code";
	default: return NULL;
	}
}

bool sx_field_parsed(enum sn_field_id id)
{
	bool addr;

	return field_member(id, &addr) != NULL;
}

/* The 16 address bytes as the two 64-bit words of struct sx_val, in memory order. */
static void addr_words(const uint8_t *b, uint64_t w[2])
{
	memcpy(w, b, 16);
}

/* Mask words keeping the first bits of an address of family fam (as sn_addr_mask). */
static void mask_words(unsigned fam, unsigned bits, uint64_t w[2])
{
	struct sn_addr a;

	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)fam;
	memset(a.bytes, 0xff, fam == 6 ? 16 : 4);
	sn_addr_mask(&a, bits);
	if (fam != 6 && bits >= 32)
		memset(a.bytes, 0xff, 16);
	if (fam == 6 && bits >= 128)
		memset(a.bytes, 0xff, 16);
	if (fam != 6 && bits < 32)
		memset(a.bytes + 4, 0xff, 12);
	addr_words(a.bytes, w);
}

static void line(struct sx_gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct sx_gen *g, const char *fmt, ...)
{
	va_list ap;

	fputs(g->indent, g->f);
	va_start(ap, fmt);
	vfprintf(g->f, fmt, ap);
	va_end(ap);
	fputc('\n', g->f);
}

static int emit_const(struct sx_gen *g, unsigned n, const struct sn_value *v)
{
	uint64_t w[2];

	if (v->type == SN_T_UINT) {
		line(g, "v%u.type = SX_T_UINT;", n);
		line(g, "v%u.u = %lluull;", n, (unsigned long long)v->u);
	} else if (v->type == SN_T_ADDR) {
		addr_words(v->addr.bytes, w);
		line(g, "v%u.type = SX_T_ADDR;", n);
		line(g, "v%u.family = %u;", n, v->addr.family);
		line(g, "v%u.a[0] = %#llxull;", n, (unsigned long long)w[0]);
		line(g, "v%u.a[1] = %#llxull;", n, (unsigned long long)w[1]);
	} else {
		return -EINVAL;
	}
	line(g, "ok%u = 1;", n);
	return 0;
}

static int emit_field(struct sx_gen *g, unsigned n, enum sn_field_id id)
{
	const struct sn_field_def *def = sn_field_by_id(id);
	bool addr;
	const char *m = field_member(id, &addr);

	if (!def || !m)
		return -EINVAL;
	if (def->layer)
		line(g, "ok%u = (p->layers & %#xu) != 0;", n, def->layer);
	else
		line(g, "ok%u = 1;", n);
	if (addr) {
		line(g, "v%u = %s;", n, m);
	} else {
		line(g, "v%u.type = SX_T_UINT;", n);
		line(g, "v%u.u = %s;", n, m);
	}
	return 0;
}

static void emit_mask(struct sx_gen *g, unsigned n, unsigned bits)
{
	uint64_t m4[2], m6[2];

	mask_words(4, bits, m4);
	mask_words(6, bits, m6);
	line(g, "if (ok%u && v%u.type == SX_T_ADDR) {", n, n);
	line(g, "\tv%u.a[0] &= v%u.family == 6 ? %#llxull : %#llxull;", n, n,
	     (unsigned long long)m6[0], (unsigned long long)m4[0]);
	line(g, "\tv%u.a[1] &= v%u.family == 6 ? %#llxull : %#llxull;", n, n,
	     (unsigned long long)m6[1], (unsigned long long)m4[1]);
	line(g, "}");
}

static void emit_prefix(struct sx_gen *g, unsigned n, unsigned a, const struct sn_expr *e)
{
	unsigned fam = e->value.addr.family == 6 ? 6 : 4;
	uint64_t m[2], p[2];

	mask_words(fam, e->bits, m);
	/* IPv4 addresses keep bytes 4 to 15 zero, so the prefix test ignores them. */
	addr_words(e->value.addr.bytes, p);
	p[0] &= m[0];
	p[1] &= m[1];
	line(g, "v%u.type = SX_T_UINT;", n);
	line(g, "v%u.u = ok%u && v%u.type == SX_T_ADDR && v%u.family == %u &&", n, a, a, a,
	     e->value.addr.family);
	line(g, "\t(v%u.a[0] & %#llxull) == %#llxull && (v%u.a[1] & %#llxull) == %#llxull;", a,
	     (unsigned long long)m[0], (unsigned long long)p[0], a, (unsigned long long)m[1],
	     (unsigned long long)p[1]);
	line(g, "ok%u = 1;", n);
}

static int emit_binary(struct sx_gen *g, unsigned n, unsigned a, unsigned b, enum sn_binop op)
{
	line(g, "v%u.type = SX_T_UINT;", n);
	if (op >= SN_BIN_EQ && op <= SN_BIN_GE) {
		line(g, "v%u.u = ok%u && ok%u && sx_cmp(%d, &v%u, &v%u);", n, a, b,
		     (int)(op - SN_BIN_EQ), a, b);
		line(g, "ok%u = 1;", n);
		return 0;
	}
	if (op == SN_BIN_AND || op == SN_BIN_OR) {
		line(g, "v%u.u = sx_true(ok%u, &v%u) %s sx_true(ok%u, &v%u);", n, a, a,
		     op == SN_BIN_AND ? "&&" : "||", b, b);
		line(g, "ok%u = 1;", n);
		return 0;
	}
	line(g, "ok%u = ok%u && ok%u;", n, a, b);
	switch (op) {
	case SN_BIN_ADD:
		line(g, "v%u.u = v%u.u + v%u.u;", n, a, b);
		return 0;
	case SN_BIN_SUB:
		line(g, "v%u.u = v%u.u > v%u.u ? v%u.u - v%u.u : 0;", n, a, b, a, b);
		return 0;
	case SN_BIN_AND_BITS:
		line(g, "v%u.u = v%u.u & v%u.u;", n, a, b);
		return 0;
	default:
		return -EINVAL;
	}
}

int sx_emit_expr(struct sx_gen *g, const struct sn_expr *e, const char *cols)
{
	unsigned n = g->tmp++;
	int a, b;

	line(g, "struct sx_val v%u = {};", n);
	line(g, "int ok%u = 0;", n);
	switch (e->kind) {
	case SN_EX_CONST:
		return emit_const(g, n, &e->value) ? -EINVAL : (int)n;
	case SN_EX_FIELD:
		return emit_field(g, n, e->field) ? -EINVAL : (int)n;
	case SN_EX_COL:
		if (cols) {
			line(g, "v%u = %s[%d];", n, cols, e->col);
			line(g, "ok%u = 1;", n);
		}
		return (int)n;
	case SN_EX_NOT:
		a = sx_emit_expr(g, e->a, cols);
		if (a < 0)
			return a;
		line(g, "v%u.type = SX_T_UINT;", n);
		line(g, "v%u.u = !sx_true(ok%d, &v%d);", n, a, a);
		line(g, "ok%u = 1;", n);
		return (int)n;
	case SN_EX_BINARY:
		a = sx_emit_expr(g, e->a, cols);
		b = a < 0 ? a : sx_emit_expr(g, e->b, cols);
		if (b < 0)
			return b;
		return emit_binary(g, n, (unsigned)a, (unsigned)b, e->op) ? -EINVAL : (int)n;
	case SN_EX_MASK:
		a = sx_emit_expr(g, e->a, cols);
		if (a < 0)
			return a;
		line(g, "v%u = v%d;", n, a);
		line(g, "ok%u = ok%d;", n, a);
		emit_mask(g, n, e->bits);
		return (int)n;
	case SN_EX_IN_PREFIX:
		a = sx_emit_expr(g, e->a, cols);
		if (a < 0)
			return a;
		emit_prefix(g, n, (unsigned)a, e);
		return (int)n;
	default:
		return -EINVAL;
	}
}

int sx_emit_field_value(struct sx_gen *g, enum sn_field_id id)
{
	unsigned n = g->tmp++;

	line(g, "struct sx_val v%u = {};", n);
	line(g, "int ok%u = 0;", n);
	return emit_field(g, n, id) ? -EINVAL : (int)n;
}
