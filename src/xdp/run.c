/* The XDP data plane at run time: records from the ring buffer enter the engine as the
 * model's tuples do (sn_engine_advance, then inject), test runs with BPF_PROG_TEST_RUN,
 * and attaching through a BPF link, which the kernel removes when the process exits. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <pcap/dlt.h>

#include "sonata/log.h"
#include "xdp/xdp_int.h"

static struct dp_stream *find_stream(struct dp_level *lv, size_t s)
{
	size_t i;

	for (i = 0; i < lv->n_streams; i++)
		if (lv->streams[i].idx == s)
			return &lv->streams[i];
	return NULL;
}

static void to_values(const struct sx_val *in, size_t n, struct sn_value *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].type = (enum sn_type)in[i].type;
		if (out[i].type == SN_T_ADDR) {
			out[i].addr.family = (uint8_t)in[i].family;
			memcpy(out[i].addr.bytes, in[i].b, 16);
		} else {
			out[i].u = in[i].u;
		}
	}
}

static int inject(struct sn_xdp *x, const struct sx_rec *rec, const struct sx_ent *e,
		  const struct sn_packet *pkt, const struct sn_packet *adv)
{
	struct sn_value cols[64];
	struct dp_level *lv;
	struct dp_stream *ds;
	size_t n = e->ncols < 64 ? e->ncols : 64;

	if (e->q >= x->r->set.n)
		return -EINVAL;
	lv = x->r->by_eng[e->q];
	ds = find_stream(lv, e->s);
	if (!ds)
		return -EINVAL;
	lv->tuples_sp++;
	ds->tuples_sp++;
	if (e->kind != SX_PARTIAL && e->op < ds->cut)
		lv->overflow++;
	x->st.tuples++;
	to_values((const struct sx_val *)(e + 1), n, cols);
	if (x->tap)
		x->tap(e, cols, x->tap_arg);
	if (e->kind == SX_PARTIAL)
		return sn_engine_inject_partial(x->r->eng, e->q, e->s, e->op, cols);
	if (e->kind == SX_PACKET)
		return pkt ? sn_engine_inject(x->r->eng, e->q, e->s, e->op, pkt, NULL) : 0;
	(void)rec;
	return sn_engine_inject(x->r->eng, e->q, e->s, e->op, adv, cols);
}

/* Windows per level for the summary, as the model counts them (the program keeps its own
 * window starts in sx_lstate). */
static void count_windows(struct sn_xdp *x, uint64_t ts_ns)
{
	size_t i;

	for (i = 0; i < x->lay.nlevels; i++) {
		struct dp_level *lv = x->r->by_eng[i];
		uint64_t w = lv->dq->q->window_ns;
		uint64_t start = ts_ns / w * w;

		if (!lv->win_open || start > lv->win) {
			lv->win = start;
			lv->win_open = true;
			lv->windows++;
		}
	}
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct sn_xdp *x = ctx;
	const struct sx_rec *rec = data;
	struct sn_packet adv, pkt;
	bool have_pkt = false;
	uint32_t k;
	int rc;

	if (size < sizeof(*rec) || rec->nent > x->lay.max_entries ||
	    size < sizeof(*rec) + rec->nent * x->lay.ent_bytes)
		return 0;
	x->st.records++;
	if (!x->sync)
		count_windows(x, rec->ts);
	memset(&adv, 0, sizeof(adv));
	adv.ts_ns = x->sync ? rec->ts : rec->now;
	if (!x->sync)
		sn_engine_advance(x->r->eng, &adv);
	if (rec->frame_len && size >= x->lay.frame_off + rec->frame_len) {
		memset(&pkt, 0, sizeof(pkt));
		pkt.ts_ns = rec->ts;
		pkt.caplen = rec->frame_len;
		pkt.wirelen = rec->wire_len;
		pkt.linktype = DLT_EN10MB;
		pkt.data = (const uint8_t *)data + x->lay.frame_off;
		sn_decode(&x->dec, &pkt);
		have_pkt = true;
		x->st.frames++;
	}
	for (k = 0; k < rec->nent; k++) {
		const struct sx_ent *e = (const void *)((const uint8_t *)data + sizeof(*rec) +
							 k * x->lay.ent_bytes);

		rc = inject(x, rec, e, have_pkt ? &pkt : NULL, &adv);
		if (rc && !x->error)
			x->error = rc;
	}
	return 0;
}

int sx_ring_open(struct sn_xdp *x)
{
	int fd = bpf_object__find_map_fd_by_name(x->obj, "sx_ring");

	x->ring = fd < 0 ? NULL : ring_buffer__new(fd, on_record, x, NULL);
	if (!x->ring) {
		sn_err("cannot open the XDP ring buffer: %s", strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static int cfg_set(struct sn_xdp *x, uint64_t fixed_ts, int64_t offset)
{
	struct sx_cfg c;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(x->cfg_fd, &zero, &c))
		return -errno;
	c.fixed_ts = fixed_ts;
	if (offset >= 0)
		c.offset = (uint64_t)offset;
	if (bpf_map_update_elem(x->cfg_fd, &zero, &c, BPF_ANY))
		return -errno;
	return 0;
}

int sn_xdp_new(struct sn_xdp **out, const struct sn_query_set *set, const struct sn_plan *plan,
	       const struct sn_dp_opts *dp, const struct sn_xdp_opts *xo, sn_row_fn emit,
	       void *arg)
{
	struct sn_xdp *x;
	char why[256];
	size_t i;
	int rc;

	*out = NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->link_fd = -1;
	x->prog_fd = -1;
	x->cfg_fd = -1;
	x->fstate_fd = -1;
	if (xo)
		x->opts = *xo;
	else
		sn_xdp_opts_default(&x->opts);
	rc = sn_dp_new(&x->r, set, plan, dp, emit, arg);
	if (!rc)
		rc = sn_decoder_init(&x->dec, NULL);
	if (rc)
		goto fail;
	if (sn_xdp_check(x->r, &x->opts.target, why, sizeof(why))) {
		sn_err("the plan does not fit the XDP target: %s; use a plan with fewer or "
		       "smaller switch tables (--plan filter-dp), or --dataplane model", why);
		rc = -E2BIG;
		goto fail;
	}
	sx_layout_init(&x->lay, x->r, &x->opts.target);
	x->trie_fd = calloc(2 * (x->lay.nlevels + 1), sizeof(*x->trie_fd));
	x->filter_win = calloc(2 * (x->lay.nlevels + 1), sizeof(*x->filter_win));
	x->user_win = calloc(x->lay.nlevels + 1, sizeof(*x->user_win));
	x->installed = calloc(2 * (x->lay.nlevels + 1), sizeof(*x->installed));
	if (!x->trie_fd || !x->filter_win || !x->user_win || !x->installed) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < 2 * (x->lay.nlevels + 1); i++)
		x->filter_win[i] = UINT64_MAX;
	for (i = 0; i < x->lay.nlevels + 1; i++)
		x->user_win[i] = UINT64_MAX;
	rc = sx_build(x);
	if (!rc)
		rc = sx_ring_open(x);
	if (rc)
		goto fail;
	*out = x;
	return 0;
fail:
	sn_xdp_free(x);
	return rc;
}

int sn_xdp_test_frame(struct sn_xdp *x, const uint8_t *frame, uint32_t len, uint64_t ts_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len, .repeat = 1);
	struct sn_packet adv;
	int rc;

	x->sync = true;
	x->r->packets++;
	count_windows(x, ts_ns);
	memset(&adv, 0, sizeof(adv));
	adv.ts_ns = ts_ns;
	/* As sn_dp_packet: windows close first, so refinement keys are known. */
	sn_engine_advance(x->r->eng, &adv);
	rc = sx_filters_update(x, ts_ns, false);
	if (!rc)
		rc = cfg_set(x, ts_ns ? ts_ns : 1, -1);
	if (rc)
		return rc;
	rc = bpf_prog_test_run_opts(x->prog_fd, &o);
	if (rc)
		return -errno;
	ring_buffer__consume(x->ring);
	rc = x->error;
	x->error = 0;
	return rc;
}

int sn_xdp_poll(struct sn_xdp *x, int timeout_ms, uint64_t now_ns)
{
	uint64_t before = x->st.records;
	int rc;

	x->sync = false;
	rc = ring_buffer__poll(x->ring, timeout_ms);
	if (rc < 0 && rc != -EINTR)
		return rc;
	if (now_ns) {
		sn_engine_tick(x->r->eng, now_ns);
		rc = sx_filters_update(x, now_ns, true);
		if (rc)
			return rc;
	}
	rc = x->error;
	x->error = 0;
	return rc ? rc : (int)(x->st.records - before);
}

void sn_xdp_flush(struct sn_xdp *x)
{
	if (x->ring)
		ring_buffer__consume(x->ring);
	sn_dp_flush(x->r);
}

static int attach_mode(struct sn_xdp *x, uint32_t flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = flags);
	int fd = bpf_link_create(x->prog_fd, x->ifindex, BPF_XDP, &o);

	if (fd < 0)
		return -errno;
	x->link_fd = fd;
	x->attach_flags = flags;
	return 0;
}

static int64_t clock_offset(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000ll + rt.tv_nsec - mono.tv_nsec;
}

int sn_xdp_attach(struct sn_xdp *x, const char *ifname, enum sn_xdp_mode mode)
{
	int rc;

	x->ifindex = (int)if_nametoindex(ifname);
	if (!x->ifindex) {
		sn_err("interface %s not found: list interfaces with `ip link`", ifname);
		return -ENODEV;
	}
	rc = cfg_set(x, 0, clock_offset());
	if (rc)
		return rc;
	if (mode == SN_XDP_NATIVE || mode == SN_XDP_AUTO)
		rc = attach_mode(x, XDP_FLAGS_DRV_MODE);
	if (mode == SN_XDP_GENERIC || (mode == SN_XDP_AUTO && rc && rc != -EBUSY &&
				       rc != -EEXIST && rc != -EPERM)) {
		if (mode == SN_XDP_AUTO)
			sn_info("native XDP failed on %s (%s); using generic XDP", ifname,
				strerror(-rc));
		rc = attach_mode(x, XDP_FLAGS_SKB_MODE);
	}
	if (rc == -EBUSY || rc == -EEXIST)
		sn_err("interface %s already has an XDP program; remove it with `ip link set "
		       "dev %s xdp off` (or its owner's tool) and retry", ifname, ifname);
	else if (rc == -EPERM || rc == -EACCES)
		sn_err("attaching XDP to %s was not permitted: run as root or grant "
		       "CAP_NET_ADMIN and CAP_BPF", ifname);
	else if (rc)
		sn_err("attaching XDP to %s in %s mode failed: %s; try --xdp-mode generic",
		       ifname, mode == SN_XDP_GENERIC ? "generic" : "native", strerror(-rc));
	if (!rc) {
		x->attached = true;
		sn_info("XDP program attached to %s (%s mode)", ifname,
			x->attach_flags == XDP_FLAGS_DRV_MODE ? "native" : "generic");
	}
	return rc;
}

void sn_xdp_detach(struct sn_xdp *x)
{
	if (!x || x->link_fd < 0)
		return;
	close(x->link_fd);
	x->link_fd = -1;
	x->attached = false;
}

struct sn_dp_runner *sn_xdp_runner(struct sn_xdp *x)
{
	return x->r;
}

void sn_xdp_stats(const struct sn_xdp *x, struct sn_xdp_stats *st)
{
	struct sx_cfg c;
	uint32_t zero = 0;

	*st = x->st;
	if (x->cfg_fd >= 0 && !bpf_map_lookup_elem(x->cfg_fd, &zero, &c)) {
		st->lost = c.lost;
		st->filter_late = c.late;
		st->truncated = c.truncated;
	}
}

void sn_xdp_free(struct sn_xdp *x)
{
	size_t i;

	if (!x)
		return;
	sn_xdp_detach(x);
	ring_buffer__free(x->ring);
	if (x->obj)
		sx_unload(x);
	sn_decoder_free(&x->dec);
	sn_dp_free(x->r);
	for (i = 0; x->installed && i < 2 * (x->lay.nlevels + 1); i++)
		free(x->installed[i].k);
	free(x->installed);
	free(x->trie_fd);
	free(x->filter_win);
	free(x->user_win);
	free(x);
}
