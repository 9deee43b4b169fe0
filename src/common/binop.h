/* The query language's binary operators on values. The engine, its compiled
 * predicates and the switch model all compute through these, so a tuple
 * computed in a data plane equals the one the stream processor computes. */
#ifndef SONATA_COMMON_BINOP_H
#define SONATA_COMMON_BINOP_H

#include <stdbool.h>
#include <stdint.h>

#include "sonata/query.h"
#include "sonata/value.h"

/* Arithmetic on unsigned values. Values are counts and sizes, so a
 * difference below zero stops at zero; division by zero gives 0. */
static inline uint64_t sn_binop_arith(enum sn_binop op, uint64_t a, uint64_t b)
{
	switch (op) {
	case SN_BIN_ADD:
		return a + b;
	case SN_BIN_SUB:
		return a > b ? a - b : 0;
	case SN_BIN_MUL:
		return a * b;
	case SN_BIN_DIV:
		return b ? a / b : 0;
	case SN_BIN_MOD:
		return b ? a % b : 0;
	case SN_BIN_AND_BITS:
		return a & b;
	default:
		return 0;
	}
}

/* Whether comparison op holds for an ordering result r (<0, 0, >0). */
static inline bool sn_binop_order_holds(enum sn_binop op, int r)
{
	switch (op) {
	case SN_BIN_EQ:
		return r == 0;
	case SN_BIN_NE:
		return r != 0;
	case SN_BIN_LT:
		return r < 0;
	case SN_BIN_LE:
		return r <= 0;
	case SN_BIN_GT:
		return r > 0;
	case SN_BIN_GE:
		return r >= 0;
	default:
		return false;
	}
}

/* Compare two values. Values of different types are only unequal, and an
 * IPv4 address is neither below nor above an IPv6 one. */
static inline bool sn_binop_compare(enum sn_binop op, const struct sn_value *a,
				    const struct sn_value *b)
{
	if (a->type != b->type)
		return op == SN_BIN_NE;
	if (a->type == SN_T_ADDR && a->addr.family != b->addr.family &&
	    op != SN_BIN_EQ && op != SN_BIN_NE)
		return false;
	return sn_binop_order_holds(op, sn_value_compare(a, b));
}

#endif
