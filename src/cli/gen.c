/* `sonata gen`: write a synthetic capture with labelled attacks and its ground truth. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sonata/gen.h"
#include "sonata/log.h"

enum attack_field { AF_VICTIM, AF_ATTACKER, AF_START, AF_DURATION, AF_RATE, AF_SOURCES,
		    AF_COUNT };

static const char *const field_names[AF_COUNT] = {
	"victim", "attacker", "start", "duration", "rate", "sources",
};

enum gen_opt {
	O_PACKETS = 'n', O_DURATION = 'd', O_RATE = 'r', O_SEED = 's', O_OUT = 'o',
	O_HELP = 'h', O_HOSTS = 256, O_SERVERS, O_RESOLVERS, O_ZIPF, O_ATTACK, O_SNAPLEN,
	O_START, O_ATTACK_BASE = 1000,
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: sonata gen -o OUT.pcap [options]\n"
		"Write a synthetic Ethernet/IPv4 capture and OUT.truth.json describing it.\n\n"
		"  -o, --output FILE       pcap file to write (required)\n"
		"  -n, --packets N         stop after N packets\n"
		"  -d, --duration S        seconds of traffic (default 60, or 5 s after the last attack)\n"
		"  -r, --rate PPS          background packets per second (default 1000)\n"
		"      --hosts N           client hosts (default 200)\n"
		"      --servers N         servers (default hosts/4, at least 8)\n"
		"      --resolvers N       DNS resolvers (default 4)\n"
		"      --zipf S            exponent of server popularity (default 1.0)\n"
		"  -s, --seed N            random seed (default 1)\n"
		"      --snaplen N         bytes kept per packet (default 65535)\n"
		"      --start SECONDS     epoch seconds of the first packet (default 1700000000)\n"
		"      --attack KIND[,KIND...]|all   enable attacks\n"
		"      --KIND-victim ADDR, --KIND-attacker ADDR   IPv4 addresses\n"
		"      --KIND-start S, --KIND-duration S   seconds after the capture start\n"
		"      --KIND-rate PPS     attack packets per second, replies included\n"
		"      --KIND-sources N    distinct attacker addresses counted up from --KIND-attacker\n"
		"  -h, --help              show this help\n\n"
		"KIND: new_tcp_conns ssh_brute_force superspreader port_scan ddos syn_flood\n"
		"      incomplete_flows slowloris dns_tunneling zorro dns_reflection\n");
}

static int parse_double(const char *opt, const char *s, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min) {
		sn_err("invalid value '%s' for --%s: expected a number of at least %g", s, opt,
		       min);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Without --packets, a run writes about rate x duration packets: refuse
 * runs far beyond any benchmark (a typo such as --ddos-start 1e9 would
 * otherwise fill the disk). */
#define MAX_ESTIMATED_PACKETS 2e9

static int check_size(const struct sn_gen_opts *opts)
{
	struct sn_gen_opts o = *opts;
	double estimate;

	if (o.packets)
		return 0;
	sn_gen_resolve(&o);
	estimate = o.rate * o.duration;
	for (int k = 0; k < SN_ATK_COUNT; k++) {
		if (o.attacks[k].enabled)
			estimate += o.attacks[k].rate * o.attacks[k].duration;
	}
	if (o.duration > 0 && estimate <= MAX_ESTIMATED_PACKETS)
		return 0;
	sn_err("this run would write about %.3g packets over %.3g s, more than the limit of "
	       "%.0e: lower --rate, --duration or the attack start and duration, or cap the "
	       "run with --packets N", estimate, o.duration, MAX_ESTIMATED_PACKETS);
	return -EINVAL;
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		sn_err("invalid value '%s' for --%s: expected an integer from %llu to %llu", s,
		       opt, (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_addr(const char *opt, const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		sn_err("invalid address '%s' for --%s: expected an IPv4 address such as 10.0.0.1",
		       s, opt);
		return -EINVAL;
	}
	*out = ntohl(a.s_addr);
	return 0;
}

static int parse_attacks(const char *list, struct sn_gen_opts *o)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int k = sn_attack_parse(tok);

		if (!strcmp(tok, "all")) {
			for (k = 0; k < SN_ATK_COUNT; k++)
				o->attacks[k].enabled = 1;
			continue;
		}
		if (k < 0) {
			sn_err("unknown attack '%s': run 'sonata gen --help' for the eleven kinds",
			       tok);
			err = -EINVAL;
			break;
		}
		o->attacks[k].enabled = 1;
	}
	free(copy);
	return err;
}

static int parse_attack_field(int code, const char *arg, struct sn_gen_opts *o)
{
	int kind = (code - O_ATTACK_BASE) / AF_COUNT;
	int field = (code - O_ATTACK_BASE) % AF_COUNT;
	struct sn_gen_attack *a = &o->attacks[kind];
	char name[48];
	uint64_t n;
	int err;

	snprintf(name, sizeof(name), "%s-%s", sn_attack_name((enum sn_attack_kind)kind),
		 field_names[field]);
	switch (field) {
	case AF_VICTIM:
		return parse_addr(name, arg, &a->victim);
	case AF_ATTACKER:
		return parse_addr(name, arg, &a->attacker);
	case AF_START:
		return parse_double(name, arg, 0, &a->start);
	case AF_DURATION:
		return parse_double(name, arg, 0.001, &a->duration);
	case AF_RATE:
		return parse_double(name, arg, 0.001, &a->rate);
	default:
		err = parse_u64(name, arg, 1, 4000, &n);
		a->sources = (uint32_t)n;
		return err;
	}
}

static int parse_u32(const char *opt, const char *s, uint64_t min, uint64_t max, uint32_t *out)
{
	uint64_t v;
	int err = parse_u64(opt, s, min, max, &v);

	*out = (uint32_t)v;
	return err;
}

static int parse_one(int c, const char *arg, struct sn_gen_opts *o)
{
	switch (c) {
	case O_OUT:
		o->out_path = arg;
		return 0;
	case O_PACKETS:
		return parse_u64("packets", arg, 1, UINT64_MAX, &o->packets);
	case O_DURATION:
		return parse_double("duration", arg, 0.001, &o->duration);
	case O_RATE:
		return parse_double("rate", arg, 0.001, &o->rate);
	case O_SEED:
		return parse_u64("seed", arg, 0, UINT64_MAX, &o->seed);
	case O_HOSTS:
		return parse_u32("hosts", arg, 1, 4000000, &o->hosts);
	case O_SERVERS:
		return parse_u32("servers", arg, 1, 1000000, &o->servers);
	case O_RESOLVERS:
		return parse_u32("resolvers", arg, 1, 254, &o->resolvers);
	case O_ZIPF:
		return parse_double("zipf", arg, 0, &o->zipf);
	case O_SNAPLEN:
		return parse_u32("snaplen", arg, 64, 262144, &o->snaplen);
	case O_START:
		return parse_u64("start", arg, 0, 4000000000ull, &o->start_sec);
	case O_ATTACK:
		return parse_attacks(arg, o);
	default:
		return parse_attack_field(c, arg, o);
	}
}

#define BASE_OPTS 14
#define ATTACK_OPTS (SN_ATK_COUNT * AF_COUNT)

static void build_options(struct option *opts, char names[][40])
{
	static const struct option base[BASE_OPTS] = {
		{ "output", required_argument, NULL, O_OUT },
		{ "packets", required_argument, NULL, O_PACKETS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "rate", required_argument, NULL, O_RATE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "hosts", required_argument, NULL, O_HOSTS },
		{ "servers", required_argument, NULL, O_SERVERS },
		{ "resolvers", required_argument, NULL, O_RESOLVERS },
		{ "zipf", required_argument, NULL, O_ZIPF },
		{ "snaplen", required_argument, NULL, O_SNAPLEN },
		{ "start", required_argument, NULL, O_START },
		{ "attack", required_argument, NULL, O_ATTACK },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int n = 0;

	memcpy(opts, base, sizeof(base[0]) * (BASE_OPTS - 1));
	n = BASE_OPTS - 1;
	for (int k = 0; k < SN_ATK_COUNT; k++) {
		for (int fld = 0; fld < AF_COUNT; fld++, n++) {
			int i = k * AF_COUNT + fld;

			snprintf(names[i], 40, "%s-%s", sn_attack_name((enum sn_attack_kind)k),
				 field_names[fld]);
			opts[n] = (struct option){ names[i], required_argument, NULL,
						   O_ATTACK_BASE + i };
		}
	}
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
}

static void report(const struct sn_gen_opts *o, const struct sn_gen_result *r)
{
	double pps = r->seconds > 0 ? (double)r->packets / r->seconds : 0;

	printf("wrote %llu packets (%llu bytes) to %s in %.2f s: %.0f packets/s\n",
	       (unsigned long long)r->packets, (unsigned long long)r->bytes, o->out_path,
	       r->seconds, pps);
	if (r->budget_overflows * 100 > r->bg_flows)
		sn_warn("%llu background flows exceeded a host's budget of new flows per "
			"second: the background may trip detection thresholds; raise --hosts "
			"or lower --rate", (unsigned long long)r->budget_overflows);
}

int cmd_gen(int argc, char **argv)
{
	static struct option opts[BASE_OPTS + ATTACK_OPTS];
	static char names[ATTACK_OPTS][40];
	struct sn_gen_opts o;
	struct sn_gen_result r;
	int c;

	sn_gen_defaults(&o);
	build_options(opts, names);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:n:d:r:s:h", opts, NULL)) != -1) {
		if (c == O_HELP) {
			usage(stdout);
			return 0;
		}
		if (c == '?' || c == ':') {
			usage(stderr);
			return 2;
		}
		if (parse_one(c, optarg, &o))
			return 2;
	}
	if (optind < argc) {
		sn_err("unexpected argument '%s': sonata gen takes only options", argv[optind]);
		return 2;
	}
	if (!o.out_path) {
		sn_err("missing output file: give one with -o OUT.pcap");
		return 2;
	}
	if (!strcmp(o.out_path, "-")) {
		sn_err("-o - is not supported: the ground truth is written beside the capture, "
		       "so give a file name, e.g. -o /tmp/test.pcap");
		return 2;
	}
	if (check_size(&o))
		return 2;
	if (sn_gen_run(&o, &r))
		return 1;
	report(&o, &r);
	return 0;
}
