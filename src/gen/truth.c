/* Ground truth: OUT.truth.json beside OUT.pcap, describing the background and each attack. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen_impl.h"
#include "sonata/log.h"

/* OUT.pcap becomes OUT.truth.json; any other name gets ".truth.json" appended. */
static char *truth_path(const char *pcap_path)
{
	size_t n = strlen(pcap_path);
	char *p = malloc(n + 16);

	if (!p)
		return NULL;
	memcpy(p, pcap_path, n + 1);
	if (n > 5 && !strcmp(p + n - 5, ".pcap"))
		p[n - 5] = '\0';
	strcat(p, ".truth.json");
	return p;
}

static double epoch(const struct sn_gen_opts *o, uint64_t us)
{
	return (double)o->start_sec + (double)us / US_PER_SEC;
}

static void write_attack(FILE *fp, const struct sn_gen_opts *o, const struct sn_gen_result *r,
			 int k, int first)
{
	const struct sn_gen_attack *a = &o->attacks[k];
	const struct sn_gen_attack_result *ar = &r->attacks[k];
	char victim[16], attacker[16], last[16];

	sn_gen_addr_str(a->victim, victim);
	sn_gen_addr_str(a->attacker, attacker);
	sn_gen_addr_str(a->attacker + a->sources - 1, last);
	fprintf(fp, "%s    {\"kind\": \"%s\", \"victim\": \"%s\", ", first ? "" : ",\n",
		sn_attack_name((enum sn_attack_kind)k), victim);
	if (k == SN_ATK_SYN_FLOOD)
		fprintf(fp, "\"attacker\": \"spoofed\", \"attacker_last\": \"spoofed\", ");
	else
		fprintf(fp, "\"attacker\": \"%s\", \"attacker_last\": \"%s\", ", attacker, last);
	fprintf(fp, "\"sources\": %u,\n     \"configured_start\": %.6f, "
		"\"configured_end\": %.6f, \"rate\": %g,\n",
		k == SN_ATK_SYN_FLOOD ? 0 : a->sources, (double)o->start_sec + a->start,
		(double)o->start_sec + a->start + a->duration, a->rate);
	fprintf(fp, "     \"start\": %.6f, \"end\": %.6f, \"packets\": %llu, \"syn\": %llu, "
		"\"sessions\": %llu, \"fragments\": %llu}",
		epoch(o, ar->first_us), epoch(o, ar->last_us),
		(unsigned long long)ar->packets, (unsigned long long)ar->syn,
		(unsigned long long)ar->sessions, (unsigned long long)ar->fragments);
}

static void write_json(FILE *fp, const struct sn_gen_opts *o, const struct sn_gen_result *r)
{
	int first = 1;

	fprintf(fp, "{\n  \"generator\": \"sonata gen\",\n  \"seed\": %llu,\n",
		(unsigned long long)o->seed);
	fprintf(fp, "  \"capture_start\": %.6f,\n  \"capture_end\": %.6f,\n",
		(double)o->start_sec, epoch(o, r->end_us));
	fprintf(fp, "  \"packets\": %llu,\n  \"snaplen\": %u,\n", (unsigned long long)r->packets,
		o->snaplen);
	fprintf(fp, "  \"background\": {\"rate\": %g, \"hosts\": %u, \"servers\": %u, "
		"\"resolvers\": %u, \"zipf\": %g,\n    \"packets\": %llu, \"flows\": %llu, "
		"\"budget_overflows\": %llu},\n",
		o->rate, o->hosts, o->servers, o->resolvers, o->zipf,
		(unsigned long long)r->bg_packets, (unsigned long long)r->bg_flows,
		(unsigned long long)r->budget_overflows);
	fprintf(fp, "  \"attacks\": [\n");
	for (int k = 0; k < SN_ATK_COUNT; k++) {
		if (!o->attacks[k].enabled)
			continue;
		write_attack(fp, o, r, k, first);
		first = 0;
	}
	fprintf(fp, "%s  ]\n}\n", first ? "" : "\n");
}

int truth_write(const struct sn_gen_opts *opts, const struct sn_gen_result *res)
{
	char *path = truth_path(opts->out_path);
	FILE *fp;
	int err = 0;

	if (!path)
		return -ENOMEM;
	fp = fopen(path, "w");
	if (!fp) {
		err = -errno;
		sn_err("cannot create '%s': %s", path, strerror(errno));
		goto out;
	}
	write_json(fp, opts, res);
	if (ferror(fp) | fclose(fp)) {
		err = -EIO;
		sn_err("writing '%s' failed", path);
	}
out:
	free(path);
	return err;
}
