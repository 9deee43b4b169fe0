/*
 * eBPF/XDP data plane: the switch part of a plan compiled to an XDP program, so packets
 * that do not satisfy a query never reach user space. The software model in
 * include/sonata/dataplane.h stays the reference: the program emits the tuples the model
 * would send to the stream processor, and the engine runs the rest. docs/xdp.md describes
 * the program, its maps and its limits.
 */
#ifndef SONATA_XDP_H
#define SONATA_XDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sonata/dataplane.h"

enum sn_xdp_mode {
	SN_XDP_AUTO,	/* native where the driver supports it, generic otherwise */
	SN_XDP_NATIVE,
	SN_XDP_GENERIC,
};

/* Limits of an XDP program. sn_xdp_target_default returns the values docs/xdp.md lists. */
struct sn_xdp_target {
	uint32_t max_cells;		/* cells of one register array map */
	uint64_t max_map_bytes;		/* bytes of all register maps together */
	unsigned max_columns;		/* columns of one tuple the program builds */
	unsigned max_streams;		/* streams with a switch part, all levels */
	unsigned max_probes;		/* probes per key (each one is a map lookup) */
	unsigned max_filter_entries;	/* entries of one refinement LPM trie */
	uint32_t frame_max;		/* bytes of a frame copied to user space */
};

void sn_xdp_target_default(struct sn_xdp_target *t);

struct sn_xdp_opts {
	struct sn_xdp_target target;
	const char *clang;	/* compiler; NULL: $SONATA_CLANG or "clang" */
	const char *keep_dir;	/* keep the generated C and object here; NULL: a temp dir */
	uint32_t ring_bytes;	/* ring buffer size, a power of two */
};

void sn_xdp_opts_default(struct sn_xdp_opts *o);

/* Whether the switch part of the runner r fits target t; on -E2BIG the reason is in why. */
struct sn_dp_runner;
int sn_xdp_check(const struct sn_dp_runner *r, const struct sn_xdp_target *t, char *why,
		 size_t len);

/* Write the BPF C program of the switch part of r to f. Returns 0, -E2BIG (does not fit the
 * target, reason logged) or -EIO. */
int sn_xdp_generate(const struct sn_dp_runner *r, const struct sn_xdp_target *t, FILE *f);

struct sn_xdp;

/* Build the model runner of plan over set, generate, compile and load its XDP program.
 * Rows of the final levels go to emit. Returns 0 or a negative errno, and logs a message
 * that names the fix. */
int sn_xdp_new(struct sn_xdp **out, const struct sn_query_set *set, const struct sn_plan *plan,
	       const struct sn_dp_opts *dp, const struct sn_xdp_opts *xo, sn_row_fn emit,
	       void *arg);
/* Attach to interface ifname. Returns 0, -ENODEV, -EBUSY (a program is attached already),
 * -EPERM or another negative errno, with a message logged. */
int sn_xdp_attach(struct sn_xdp *x, const char *ifname, enum sn_xdp_mode mode);
/* Detach from the interface; safe to call twice and from a signal-free context only. */
void sn_xdp_detach(struct sn_xdp *x);
/* Wait up to timeout_ms for tuples and feed them to the engine; close windows that ended
 * before now_ns (0: not live). Returns tuples read or a negative errno. */
int sn_xdp_poll(struct sn_xdp *x, int timeout_ms, uint64_t now_ns);
/* Run one frame through the loaded program with BPF_PROG_TEST_RUN at time ts_ns and feed
 * what it emits to the engine, as sn_dp_packet does for the model. */
int sn_xdp_test_frame(struct sn_xdp *x, const uint8_t *frame, uint32_t len, uint64_t ts_ns);
/* End of input: read what is left, close the last windows. */
void sn_xdp_flush(struct sn_xdp *x);
/* The model runner whose levels, engine and statistics the XDP data plane uses. */
struct sn_dp_runner *sn_xdp_runner(struct sn_xdp *x);

/* Counts of the XDP side. */
struct sn_xdp_stats {
	uint64_t records;	/* ring buffer records read (packets with tuples) */
	uint64_t tuples;	/* tuples and partial aggregates fed to the engine */
	uint64_t frames;	/* frames copied to user space */
	uint64_t lost;		/* records the ring buffer had no room for */
	uint64_t filter_late;	/* packets passed because a refinement filter was late */
	uint64_t truncated;	/* frames longer than the copy limit */
};

void sn_xdp_stats(const struct sn_xdp *x, struct sn_xdp_stats *st);
void sn_xdp_free(struct sn_xdp *x);

#endif
