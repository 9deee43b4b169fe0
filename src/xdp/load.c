/* Compile the generated program with clang for the BPF target and load it with libbpf.
 * A failed load prints the end of the verifier log and what to do. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sonata/log.h"
#include "xdp/xdp_int.h"

#if defined(__x86_64__)
#define SX_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define SX_MULTIARCH "aarch64-linux-gnu"
#else
#define SX_MULTIARCH "unknown"
#endif

#define SX_LOG_TAIL 2048	/* bytes of the verifier log shown on failure */

static char verifier_log[1 << 16];
static size_t verifier_len;

/* libbpf messages: keep the last part (the verifier log is printed at warning level). */
static int keep_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	if (verifier_len >= sizeof(verifier_log) / 2) {
		/* Keep the second half: the error is at the end of the log. */
		memmove(verifier_log, verifier_log + verifier_len - sizeof(verifier_log) / 4,
			sizeof(verifier_log) / 4);
		verifier_len = sizeof(verifier_log) / 4;
	}
	n = vsnprintf(verifier_log + verifier_len, sizeof(verifier_log) - verifier_len, fmt,
		      ap);
	if (n > 0)
		verifier_len += (size_t)n < sizeof(verifier_log) - verifier_len ?
				(size_t)n : sizeof(verifier_log) - verifier_len - 1;
	return 0;
}

static int make_dir(struct sn_xdp *x)
{
	if (!x->opts.keep_dir)
		x->opts.keep_dir = getenv("SONATA_XDP_KEEP");
	if (x->opts.keep_dir && *x->opts.keep_dir) {
		if (mkdir(x->opts.keep_dir, 0755) && errno != EEXIST) {
			sn_err("cannot create --keep-generated directory %s: %s",
			       x->opts.keep_dir, strerror(errno));
			return -errno;
		}
		snprintf(x->dir, sizeof(x->dir), "%s", x->opts.keep_dir);
		return 0;
	}
	snprintf(x->dir, sizeof(x->dir), "%s/sonata-xdp-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(x->dir)) {
		sn_err("cannot create a temporary directory %s: %s", x->dir, strerror(errno));
		return -errno;
	}
	x->remove_dir = true;
	return 0;
}

static int write_source(struct sn_xdp *x, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f) {
		sn_err("cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	rc = sx_generate(x->r, &x->opts.target, &x->lay, f);
	if (fclose(f) && !rc)
		rc = -EIO;
	if (rc)
		sn_err("generating the XDP program into %s failed (%s)", path, strerror(-rc));
	return rc;
}

static int run_clang(const struct sn_xdp *x, char *src, char *obj)
{
	const char *clang = x->opts.clang ? x->opts.clang : getenv("SONATA_CLANG");
	char log[4200], prog[4096];
	char *argv[] = { prog, "-O2", "-g", "-target", "bpf", "-Wno-unused-variable",
			 "-I/usr/include/" SX_MULTIARCH, "-c", src, "-o", obj, NULL };
	int status;
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s", clang && *clang ? clang : "clang");
	snprintf(log, sizeof(log), "%s/clang.log", x->dir);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (!freopen(log, "w", stderr))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		sn_err("%s not found: install clang (apt-get install clang) or set SONATA_CLANG",
		       argv[0]);
		return -ENOENT;
	}
	sn_err("compiling the generated XDP program %s failed; the compiler output is in %s "
	       "(keep the source with --keep-generated DIR)", src, log);
	return -EINVAL;
}

/* BPF memory is charged to the cgroup on kernels from 5.11; older ones need the rlimit. */
static void raise_memlock(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		sn_debug("memlock rlimit not raised (%s); fine where the kernel charges BPF "
			 "memory to the cgroup", strerror(errno));
}

static void explain_load(int rc)
{
	const char *tail = verifier_log;

	if (verifier_len > SX_LOG_TAIL)
		tail = verifier_log + verifier_len - SX_LOG_TAIL;
	if (rc == -EPERM) {
		sn_err("loading the XDP program was not permitted (%s): run as root or grant "
		       "CAP_BPF and CAP_NET_ADMIN", strerror(-rc));
		return;
	}
	sn_err("the kernel rejected the XDP program (%s). End of the libbpf and verifier "
	       "log:\n%s\nRun with --dataplane model, or a plan with fewer switch tables "
	       "(--plan filter-dp)", strerror(-rc), tail);
}

static int find_fds(struct sn_xdp *x)
{
	char name[64];
	size_t i, p;

	x->prog = bpf_object__find_program_by_name(x->obj, "sonata_xdp");
	x->prog_fd = x->prog ? bpf_program__fd(x->prog) : -1;
	x->cfg_fd = bpf_object__find_map_fd_by_name(x->obj, "sx_cfg");
	x->fstate_fd = bpf_object__find_map_fd_by_name(x->obj, "sx_fstate");
	if (x->prog_fd < 0 || x->cfg_fd < 0 || x->fstate_fd < 0)
		return -ENOENT;
	for (i = 0; i < x->lay.nlevels; i++) {
		for (p = 0; p < 2; p++) {
			x->trie_fd[i * 2 + p] = -1;
			if (x->r->by_eng[i]->feeder < 0)
				continue;
			snprintf(name, sizeof(name), "sx_f%zu", p);
			x->trie_fd[i * 2 + p] = bpf_object__find_map_fd_by_name(x->obj, name);
			if (x->trie_fd[i * 2 + p] < 0)
				return -ENOENT;
		}
	}
	return 0;
}

static int load_object(struct sn_xdp *x, const char *obj)
{
	struct bpf_map *m;
	int ncpu, rc;

	x->obj = bpf_object__open_file(obj, NULL);
	if (!x->obj) {
		rc = -errno;
		sn_err("cannot open the compiled XDP object %s: %s", obj, strerror(-rc));
		return rc;
	}
	ncpu = libbpf_num_possible_cpus();
	m = bpf_object__find_map_by_name(x->obj, "sx_scratch");
	if (ncpu <= 0 || !m || bpf_map__set_max_entries(m, (uint32_t)ncpu))
		return -EINVAL;
	m = bpf_object__find_map_by_name(x->obj, "sx_ring");
	if (!m || bpf_map__set_max_entries(m, x->opts.ring_bytes))
		return -EINVAL;
	raise_memlock();
	verifier_len = 0;
	verifier_log[0] = '\0';
	libbpf_set_print(keep_log);
	rc = bpf_object__load(x->obj);
	libbpf_set_print(NULL);
	if (rc) {
		explain_load(rc);
		return rc;
	}
	rc = find_fds(x);
	if (rc)
		sn_err("the loaded XDP object %s lacks its program or maps", obj);
	return rc;
}

/* Whether files a and b have the same bytes. */
static bool same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;
	int ca, cb;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		same = ca == cb;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

int sx_build(struct sn_xdp *x)
{
	char src[4200], obj[4200], fresh[4200];
	int rc;

	rc = make_dir(x);
	if (rc)
		return rc;
	snprintf(src, sizeof(src), "%s/sonata_xdp.c", x->dir);
	snprintf(obj, sizeof(obj), "%s/sonata_xdp.o", x->dir);
	snprintf(fresh, sizeof(fresh), "%s/sonata_xdp.c.new", x->dir);
	rc = write_source(x, fresh);
	if (rc)
		return rc;
	/* A kept directory whose program is unchanged keeps its object: no compiler run. */
	if (same_file(fresh, src) && access(obj, R_OK) == 0) {
		unlink(fresh);
		sn_debug("reusing %s: the generated program is unchanged", obj);
	} else if (rename(fresh, src)) {
		rc = -errno;
		sn_err("cannot rename %s to %s: %s", fresh, src, strerror(-rc));
	} else {
		unlink(obj);
		rc = run_clang(x, src, obj);
	}
	if (!rc)
		rc = load_object(x, obj);
	return rc;
}

void sx_unload(struct sn_xdp *x)
{
	char path[4200];

	bpf_object__close(x->obj);
	x->obj = NULL;
	if (!x->remove_dir)
		return;
	snprintf(path, sizeof(path), "%s/sonata_xdp.c", x->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sonata_xdp.o", x->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/clang.log", x->dir);
	unlink(path);
	rmdir(x->dir);
	x->remove_dir = false;
}
