/* Private structures of the XDP data plane: the ring buffer record the program writes and
 * the user-space state around the loaded program. gen_prelude.c emits the same layouts
 * into the BPF C, so both sides read one definition each; the static asserts keep them
 * in step. */
#ifndef SONATA_XDP_INT_H
#define SONATA_XDP_INT_H

#include <stdint.h>

#include "sonata/decode.h"
#include "sonata/xdp.h"
#include "dataplane/runner_int.h"

/* A tuple column: a number or an address, zero-filled so that equal values are equal bytes. */
struct sx_val {
	uint32_t type;		/* enum sn_type: SN_T_UINT or SN_T_ADDR */
	uint32_t family;	/* 4 or 6 for addresses */
	uint64_t u;
	uint8_t b[16];
};

enum sx_kind {
	SX_TUPLE = 1,	/* cols are the input of operator op */
	SX_PACKET = 2,	/* the packet itself enters operator op (frame in the record) */
	SX_PARTIAL = 3,	/* cols are a partial aggregate of reduce op */
};

/* Header of one entry; its cols[max_columns] follow. */
struct sx_ent {
	uint16_t q;	/* engine query: the level's index in the runner */
	uint16_t s;	/* stream index in the query */
	uint16_t op;
	uint8_t kind;
	uint8_t ncols;
	uint32_t pad[2];	/* the columns start 8-byte aligned, as in the program */
};

_Static_assert(sizeof(struct sx_val) == 32, "struct sx_val of gen_prelude.c");
_Static_assert(sizeof(struct sx_ent) == 16, "struct sx_ent of gen_prelude.c");

/* Header of one record: one per packet that sends anything to user space. Entries of
 * ent_bytes each follow, then at frame_off the copied frame when frame_len > 0. */
struct sx_rec {
	uint64_t ts;		/* packet time, ns */
	uint64_t now;		/* latest packet time seen by the program, ns */
	uint32_t nent;
	uint32_t frame_len;	/* bytes copied */
	uint32_t wire_len;	/* bytes of the frame */
	uint32_t pad;
};

_Static_assert(sizeof(struct sx_rec) == 32, "struct sx_rec of gen_prelude.c");

/* Global state of the program (map sx_cfg, one entry). */
struct sx_cfg {
	uint64_t fixed_ts;	/* test runs: the packet time; 0: the clock below */
	uint64_t offset;	/* live: CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	uint64_t newest;	/* latest packet time seen */
	uint64_t lost;		/* ring buffer full */
	uint64_t late;		/* packets passed because a filter was not installed yet */
	uint64_t truncated;
};

/* Refinement filter slot of a level (map sx_fstate, two per level by window parity). */
struct sx_fstate {
	uint64_t win;		/* window start the slot's trie is for */
	uint32_t valid;
	uint32_t pass_all;	/* the feeder reported more keys than the trie holds */
};

/* LPM trie key: the level (engine query, big endian), the family byte, the address. One
 * trie per window parity contains the keys of every fed level. */
struct sx_lpm_key {
	uint32_t prefixlen;	/* 24 + prefix length */
	uint8_t data[19];
};

/* Keys installed in one trie slot (level and parity), so that clearing the slot deletes
 * exactly those. */
struct sx_keys {
	struct sx_lpm_key *k;
	size_t n, cap;
};

/* Layout of the program generated for one runner. */
struct sx_layout {
	unsigned max_columns;
	unsigned max_entries;	/* entries per record */
	size_t ent_bytes;	/* one entry with its columns */
	size_t frame_off;	/* offset of the frame in a record */
	uint32_t frame_max;
	size_t nlevels;		/* levels = engine queries of the runner */
};

void sx_layout_init(struct sx_layout *l, const struct sn_dp_runner *r,
		    const struct sn_xdp_target *t);

struct bpf_object;
struct bpf_program;
struct ring_buffer;

struct sn_xdp {
	struct sn_dp_runner *r;
	struct sn_xdp_opts opts;
	struct sx_layout lay;
	struct sn_decoder dec;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct ring_buffer *ring;
	int prog_fd, cfg_fd, fstate_fd;
	int *trie_fd;		/* two per level, by window parity; -1: not fed */
	struct sx_keys *installed;	/* per level and parity */
	uint64_t *filter_win;	/* per level and parity: window installed, UINT64_MAX: none */
	uint64_t *user_win;	/* per level: window start seen by the test driver */
	int ifindex;
	int link_fd;		/* BPF link of the attachment; -1: not attached */
	uint32_t attach_flags;
	bool attached;
	bool sync;		/* test runs: the driver advances the engine before each frame */
	char dir[4096];		/* generated C and object */
	bool remove_dir;
	int error;		/* first injection error of a record handler */
	/* tests: called with each entry before it enters the engine */
	void (*tap)(const struct sx_ent *e, const struct sn_value *cols, void *arg);
	void *tap_arg;
	struct sn_xdp_stats st;
};

/* gen.c */
int sx_generate(const struct sn_dp_runner *r, const struct sn_xdp_target *t,
		const struct sx_layout *lay, FILE *f);
/* gen_prelude.c: types, maps and the packet parser shared by every program. */
void sx_emit_prelude(FILE *f, const struct sx_layout *lay);
/* gen_expr.c: C statements that evaluate e into variable v<id>, ok<id>. */
struct sx_gen;
int sx_emit_expr(struct sx_gen *g, const struct sn_expr *e, const char *cols);

/* load.c */
int sx_build(struct sn_xdp *x);
void sx_unload(struct sn_xdp *x);
/* filter.c */
int sx_filters_update(struct sn_xdp *x, uint64_t ts_ns, bool live);
/* ring.c */
int sx_ring_open(struct sn_xdp *x);

#endif
