/* sonata run --threads N: the queries split into N groups, and each group's
 * engine is fed by its own thread, which reads and decodes the input files
 * itself. The main thread runs group 0 in run_loop, so progress and the
 * summary read its source and decoder as before. It writes the rows of every
 * group in the order of one engine over all queries: by the packet during
 * which a row came out, then by query. A row is written once every group has
 * passed its packet, so output lags the input by at most RUN_POLL_PACKETS
 * packets of the slowest group.
 * NOTE: a stop signal ends each thread where it is, so after one the groups
 * may have run different numbers of packets. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/run.h"
#include "sonata/log.h"

#define SEQ_END UINT64_MAX /* rows of the final flush come after every packet */

/* A row copied out of its engine, with the packet number it came out at. */
struct held_row {
	uint64_t seq;
	size_t query; /* index in the whole query set */
	struct sn_row row;
	struct sn_value *cols; /* owned: the columns, then the bytes of their strings */
};

struct run_group {
	struct run_threads *rt;
	size_t index;
	size_t *queries; /* indexes in the whole set, ascending */
	size_t n_queries;
	struct sn_query *copies; /* shallow copies of those queries, for the engine */
	struct sn_query_set set;
	struct sn_engine *engine;
	/* groups 1 and up: the thread and its own input */
	pthread_t thread;
	bool started;
	struct sn_source *src;
	struct sn_decoder *decoder;
	uint64_t seq; /* packet being run, counted from 1, or SEQ_END */
	_Atomic uint64_t done; /* packets run to the end, published every RUN_POLL_PACKETS */
	pthread_mutex_t lock;  /* guards rows, n_rows, cap_rows, head */
	struct held_row *rows;
	size_t n_rows, cap_rows, head;
};

struct run_threads {
	struct run_state *st;
	struct run_group *groups;
	size_t n;
	size_t *group_of, *local_of; /* per query of the whole set */
	atomic_bool stop;
	atomic_bool copy_failed;
	bool input_done; /* group 0 has read its last packet */
};

/* Packets each query runs alone on to measure its cost before the split. */
#define CALIBRATE_PACKETS 32768

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of reading and decoding the first CALIBRATE_PACKETS packets and of
 * running them through eng (none when NULL); 0 when the input fails to open. */
static uint64_t time_prefix(const struct run_config *cfg, struct sn_engine *eng,
			    struct sn_decoder *dec)
{
	struct sn_source *src;
	struct sn_packet pkt;
	uint64_t t0;

	if (sn_source_open_files(&src, cfg->files, cfg->n_files, &cfg->capture))
		return 0;
	t0 = thread_cpu_ns();
	for (int i = 0; i < CALIBRATE_PACKETS && sn_source_next(src, &pkt) > 0; i++) {
		sn_decode(dec, &pkt);
		if (eng)
			sn_engine_packet(eng, &pkt);
	}
	if (eng)
		sn_engine_flush(eng);
	t0 = thread_cpu_ns() - t0;
	sn_source_close(src);
	return t0;
}

/* The CPU time of the queries of unit u run together on the first packets,
 * less that of reading and decoding them. */
static int unit_cost(const struct run_state *st, const size_t *unit, size_t u,
		     struct sn_decoder *dec, uint64_t base, uint64_t *cost)
{
	struct sn_engine_opts opts = st->cfg->engine;
	struct sn_query_set set = { NULL, 0 };
	struct sn_engine *eng;
	uint64_t t;
	int rc;

	set.queries = calloc(st->queries.n, sizeof(*set.queries));
	if (!set.queries)
		return -ENOMEM;
	for (size_t i = 0; i < st->queries.n; i++)
		if (unit[i] == u)
			set.queries[set.n++] = st->queries.queries[i];
	opts.profile = false;
	rc = sn_engine_new(&eng, &set, &opts, NULL, NULL);
	if (!rc) {
		t = time_prefix(st->cfg, eng, dec);
		sn_engine_free(eng);
		*cost = t > base ? t - base : 1;
		sn_debug("queries with %s: %.1f us on the first %d packets",
			 st->queries.queries[u].name, (double)*cost / 1e3, CALIBRATE_PACKETS);
	}
	free(set.queries);
	return rc;
}

/* Cost of each unit of queries that must share a thread (unit[i] is the first
 * query of query i's unit): its CPU time on the first packets. Measured, so
 * the shares follow the traffic (a filter that passes most packets costs
 * more than one that passes few). Queries other than the first of a unit
 * cost 0. */
static int measure_costs(const struct run_state *st, const size_t *unit, uint64_t *cost)
{
	const struct run_config *cfg = st->cfg;
	struct sn_decoder *dec = calloc(1, sizeof(*dec));
	uint64_t base;
	int rc = -ENOMEM;

	if (!dec || sn_decoder_init(dec, &cfg->decode))
		goto out;
	base = time_prefix(cfg, NULL, dec);
	rc = 0;
	for (size_t i = 0; i < st->queries.n && !rc; i++)
		if (unit[i] == i)
			rc = unit_cost(st, unit, i, dec, base, &cost[i]);
	sn_decoder_free(dec);
out:
	free(dec);
	return rc;
}

/* Whether every input is a regular file; *bytes is then their total size.
 * A file that cannot be read is left for the source to report. */
static bool regular_files(const struct run_config *cfg, bool *missing, uint64_t *bytes)
{
	struct stat sb;

	*missing = false;
	*bytes = 0;
	for (size_t i = 0; i < cfg->n_files; i++) {
		if (!strcmp(cfg->files[i], "-"))
			return false;
		if (stat(cfg->files[i], &sb)) {
			*missing = true;
			return false;
		}
		if (!S_ISREG(sb.st_mode))
			return false;
		*bytes += (uint64_t)sb.st_size;
	}
	return true;
}

/* Below this much input the second thread does not pay for timing the
 * queries and reading the input twice (about 0.03 s on the machine of
 * docs/benchmarks.md), so the default stays at one thread. */
#define THREADS_MIN_BYTES (64u << 20)

/* Threads to use. The default is 2 on a machine with 2 or more cores for
 * inputs of THREADS_MIN_BYTES or more, and it is 1 unless the input is
 * regular files that the engine alone reads. */
static size_t thread_count(const struct run_state *st)
{
	const struct run_config *cfg = st->cfg;
	const char *why = NULL;
	long n = cfg->threads;
	bool missing = false;
	uint64_t bytes;

	if (n == 0)
		n = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;
	if (n <= 1)
		return 1;
	if (cfg->iface)
		why = "live capture";
	else if (cfg->plan || cfg->xdp)
		why = "--plan and --dataplane";
	else if (cfg->engine.profile)
		why = "--profile";
	else if (!regular_files(cfg, &missing, &bytes))
		why = missing ? NULL : "standard input and other files that are not regular files";
	else if (cfg->threads == 0 && bytes < THREADS_MIN_BYTES)
		return 1;
	if (why && cfg->threads > 1)
		sn_warn("--threads %d: %s run on one thread", cfg->threads, why);
	if (why || missing)
		return 1;
	return (size_t)n < st->queries.n ? (size_t)n : st->queries.n;
}

/* Greedy split: the costliest unit first, each into the cheapest group so
 * far; the other queries of a unit follow its first. */
static void assign_groups(struct run_threads *rt, const struct sn_query_set *set,
			  const size_t *unit, const uint64_t *cost)
{
	uint64_t *load = calloc(rt->n, sizeof(*load));
	bool *taken = calloc(set->n, sizeof(*taken));

	for (size_t k = 0; load && taken && k < set->n; k++) {
		size_t best = set->n, g = 0;

		for (size_t i = 0; i < set->n; i++)
			if (!taken[i] && unit[i] == i && (best == set->n || cost[i] > cost[best]))
				best = i;
		if (best == set->n)
			break;
		for (size_t i = 1; i < rt->n; i++)
			if (load[i] < load[g])
				g = i;
		taken[best] = true;
		load[g] += cost[best];
		rt->group_of[best] = g;
	}
	for (size_t i = 0; i < set->n; i++) {
		if (!load || !taken)
			rt->group_of[i] = unit[i] % rt->n;
		else
			rt->group_of[i] = rt->group_of[unit[i]];
	}
	free(load);
	free(taken);
}

static size_t row_bytes(const struct sn_row *row)
{
	size_t n = row->schema->n * sizeof(struct sn_value);

	for (size_t i = 0; i < row->schema->n; i++)
		if (row->cols[i].type == SN_T_STR || row->cols[i].type == SN_T_BYTES)
			n += row->cols[i].s.len;
	return n;
}

/* Copy the columns of row, and the bytes of its strings, into one block. */
static struct sn_value *copy_cols(const struct sn_row *row)
{
	size_t n = row->schema->n;
	struct sn_value *v = malloc(row_bytes(row) + 1);
	char *text;

	if (!v)
		return NULL;
	memcpy(v, row->cols, n * sizeof(*v));
	text = (char *)(v + n);
	for (size_t i = 0; i < n; i++) {
		if (v[i].type != SN_T_STR && v[i].type != SN_T_BYTES)
			continue;
		memcpy(text, v[i].s.ptr, v[i].s.len);
		v[i].s.ptr = text;
		text += v[i].s.len;
	}
	return v;
}

static int hold_row(struct run_group *g, const struct sn_row *row, uint64_t seq)
{
	struct held_row *h;

	if (g->n_rows == g->cap_rows) {
		size_t cap = g->cap_rows ? 2 * g->cap_rows : 64;
		struct held_row *grown = realloc(g->rows, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		g->rows = grown;
		g->cap_rows = cap;
	}
	h = &g->rows[g->n_rows];
	h->cols = copy_cols(row);
	if (!h->cols)
		return -ENOMEM;
	h->seq = seq;
	h->query = g->queries[row->query - g->copies];
	h->row = *row;
	h->row.query = &g->rt->st->queries.queries[h->query];
	h->row.cols = h->cols;
	g->n_rows++;
	return 0;
}

/* Engine callback of every group: keep the row until all groups pass its packet. */
static void group_row(const struct sn_row *row, void *arg)
{
	struct run_group *g = arg;
	struct run_threads *rt = g->rt;
	uint64_t seq = g->seq;
	int err;

	if (g->index == 0)
		seq = rt->input_done ? SEQ_END : rt->st->packets + 1;
	pthread_mutex_lock(&g->lock);
	err = hold_row(g, row, seq);
	pthread_mutex_unlock(&g->lock);
	if (err && !atomic_exchange(&rt->copy_failed, true))
		sn_err("query %s: out of memory holding a result row; rows are missing",
		       row->query->name);
}

/* The packets every group has run: rows of these are complete. */
static uint64_t safe_seq(const struct run_threads *rt)
{
	uint64_t safe = rt->input_done ? SEQ_END : rt->st->packets;

	for (size_t i = 1; i < rt->n; i++) {
		uint64_t d = atomic_load_explicit(&rt->groups[i].done, memory_order_acquire);

		if (d < safe)
			safe = d;
	}
	return safe;
}

/* The group whose next row comes first, or NULL when none is at or before safe. */
static struct run_group *next_group(struct run_threads *rt, uint64_t safe)
{
	struct run_group *best = NULL;
	const struct held_row *bh = NULL;

	for (size_t i = 0; i < rt->n; i++) {
		struct run_group *g = &rt->groups[i];
		const struct held_row *h;

		if (g->head == g->n_rows)
			continue;
		h = &g->rows[g->head];
		if (h->seq > safe)
			continue;
		if (!bh || h->seq < bh->seq || (h->seq == bh->seq && h->query < bh->query)) {
			best = g;
			bh = h;
		}
	}
	return best;
}

static void write_rows(struct run_threads *rt)
{
	uint64_t safe = safe_seq(rt);
	struct run_group *g;
	size_t i;

	for (i = 0; i < rt->n; i++)
		pthread_mutex_lock(&rt->groups[i].lock);
	while ((g = next_group(rt, safe)) != NULL) {
		struct held_row *h = &g->rows[g->head++];

		run_output_row(&h->row, rt->st->out);
		free(h->cols);
	}
	for (i = 0; i < rt->n; i++) {
		g = &rt->groups[i];
		if (g->head == g->n_rows)
			g->head = g->n_rows = 0;
		pthread_mutex_unlock(&g->lock);
	}
}

void run_threads_poll(struct run_state *st)
{
	write_rows(st->threads);
}

static void *group_main(void *arg)
{
	struct run_group *g = arg;
	struct sn_packet pkt;
	int rc;

	while (!atomic_load_explicit(&g->rt->stop, memory_order_relaxed)) {
		rc = sn_source_next(g->src, &pkt);
		if (rc == -EAGAIN || rc == -EINTR)
			continue;
		/* The main thread reports a read error: its source reads the same files. */
		if (rc <= 0)
			break;
		g->seq++;
		sn_decode(g->decoder, &pkt);
		sn_engine_packet(g->engine, &pkt);
		if ((g->seq & (RUN_POLL_PACKETS - 1)) == 0)
			atomic_store_explicit(&g->done, g->seq, memory_order_release);
	}
	g->seq = SEQ_END;
	sn_engine_flush(g->engine);
	atomic_store_explicit(&g->done, SEQ_END, memory_order_release);
	return NULL;
}

static int group_init(struct run_threads *rt, struct run_group *g)
{
	const struct run_config *cfg = rt->st->cfg;
	const struct sn_query_set *all = &rt->st->queries;
	size_t k = 0;
	int rc;

	g->rt = rt;
	for (size_t i = 0; i < all->n; i++)
		g->n_queries += rt->group_of[i] == g->index;
	g->queries = calloc(g->n_queries, sizeof(*g->queries));
	g->copies = calloc(g->n_queries, sizeof(*g->copies));
	if (!g->queries || !g->copies)
		return -ENOMEM;
	for (size_t i = 0; i < all->n; i++) {
		if (rt->group_of[i] != g->index)
			continue;
		rt->local_of[i] = k;
		g->queries[k] = i;
		g->copies[k++] = all->queries[i];
	}
	g->set.queries = g->copies;
	g->set.n = g->n_queries;
	rc = sn_engine_new(&g->engine, &g->set, &cfg->engine, group_row, g);
	if (rc || g->index == 0)
		return rc;
	g->decoder = calloc(1, sizeof(*g->decoder));
	if (!g->decoder)
		return -ENOMEM;
	rc = sn_decoder_init(g->decoder, &cfg->decode);
	if (rc) {
		free(g->decoder);
		g->decoder = NULL;
		return rc;
	}
	return sn_source_open_files(&g->src, cfg->files, cfg->n_files, &cfg->capture);
}

static void log_groups(const struct run_threads *rt)
{
	for (size_t i = 0; i < rt->n; i++) {
		const struct run_group *g = &rt->groups[i];

		for (size_t k = 0; k < g->n_queries; k++)
			sn_debug("thread %zu runs query %s", i, g->copies[k].name);
	}
}

/* Worker threads block the stop signals, so the main thread handles them. */
static int start_threads(struct run_threads *rt)
{
	sigset_t block, old;
	int rc = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (size_t i = 1; i < rt->n && !rc; i++) {
		rc = -pthread_create(&rt->groups[i].thread, NULL, group_main, &rt->groups[i]);
		rt->groups[i].started = rc == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int run_threads_open(struct run_state *st)
{
	size_t n = thread_count(st);
	struct run_threads *rt;
	uint64_t *cost = NULL;
	size_t *unit = NULL;
	int rc = -ENOMEM;

	if (n <= 1)
		return 0;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		goto fail;
	st->threads = rt;
	rt->st = st;
	rt->n = n;
	rt->groups = calloc(n, sizeof(*rt->groups));
	rt->group_of = calloc(st->queries.n, sizeof(*rt->group_of));
	rt->local_of = calloc(st->queries.n, sizeof(*rt->local_of));
	if (!rt->groups || !rt->group_of || !rt->local_of)
		goto fail;
	cost = calloc(st->queries.n, sizeof(*cost));
	unit = calloc(st->queries.n, sizeof(*unit));
	if (!cost || !unit)
		goto fail;
	/* Partners come first, so their unit is already known. */
	for (size_t i = 0; i < st->queries.n; i++) {
		size_t p = sn_engine_work_partner(st->engine, i);

		unit[i] = p == i ? i : unit[p];
	}
	rc = measure_costs(st, unit, cost);
	if (rc)
		goto fail;
	assign_groups(rt, &st->queries, unit, cost);
	for (size_t i = 0; i < n; i++) {
		rt->groups[i].index = i;
		pthread_mutex_init(&rt->groups[i].lock, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		rc = group_init(rt, &rt->groups[i]);
		if (rc)
			goto fail;
	}
	sn_engine_free(st->engine);
	st->engine = rt->groups[0].engine;
	log_groups(rt);
	rc = start_threads(rt);
	if (rc)
		goto fail;
	sn_info("running the queries on %zu threads", n);
	free(cost);
	free(unit);
	return 0;
fail:
	free(cost);
	free(unit);
	fprintf(stderr, "sonata: error: cannot start %zu threads: %s; try --threads 1\n", n,
		strerror(-rc));
	return rc;
}

int run_threads_finish(struct run_state *st, bool stopped)
{
	struct run_threads *rt = st->threads;

	atomic_store(&rt->stop, stopped);
	rt->input_done = true;
	sn_engine_flush(st->engine);
	for (size_t i = 1; i < rt->n; i++) {
		if (rt->groups[i].started)
			pthread_join(rt->groups[i].thread, NULL);
		rt->groups[i].started = false;
	}
	write_rows(rt);
	return atomic_load(&rt->copy_failed) ? -ENOMEM : 0;
}

void run_threads_close(struct run_state *st)
{
	struct run_threads *rt = st->threads;

	if (!rt)
		return;
	atomic_store(&rt->stop, true);
	for (size_t i = 0; rt->groups && i < rt->n; i++) {
		struct run_group *g = &rt->groups[i];

		if (!g->rt)
			continue;
		if (g->started)
			pthread_join(g->thread, NULL);
		/* Group 0's engine is st->engine, which run_state_close frees. */
		if (i > 0 || st->engine != g->engine)
			sn_engine_free(g->engine);
		if (g->src)
			sn_source_close(g->src);
		if (g->decoder)
			sn_decoder_free(g->decoder);
		free(g->decoder);
		for (size_t r = g->head; r < g->n_rows; r++)
			free(g->rows[r].cols);
		free(g->rows);
		free(g->queries);
		free(g->copies);
		pthread_mutex_destroy(&g->lock);
	}
	free(rt->groups);
	free(rt->group_of);
	free(rt->local_of);
	free(rt);
	st->threads = NULL;
}

void run_query_stats(const struct run_state *st, size_t query, struct sn_query_stats *qs)
{
	const struct run_threads *rt = st->threads;

	if (!rt) {
		sn_engine_query_stats(st->engine, query, qs);
		return;
	}
	sn_engine_query_stats(rt->groups[rt->group_of[query]].engine, rt->local_of[query], qs);
}
