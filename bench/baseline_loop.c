/* Minimal baseline for the benchmark: map a classic pcap file, parse
 * Ethernet/IPv4/TCP of each record and count SYNs (SYN set, ACK clear).
 * With -c, also count SYNs per destination address in an open-addressing
 * hash table, the least work new_tcp_conns needs. No windows, no decoder:
 * this bounds from below what any pcap analyser can do on this machine.
 *
 * usage: baseline_loop [-c] FILE.pcap
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TABLE_CAP (1u << 20)

struct counts {
	uint32_t keys[TABLE_CAP]; /* destination address + 1; 0 = empty */
	uint32_t vals[TABLE_CAP];
	uint32_t used;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void count_dst(struct counts *t, uint32_t dst)
{
	uint32_t key = dst + 1;
	uint32_t i = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 44) & (TABLE_CAP - 1);

	while (t->keys[i] && t->keys[i] != key)
		i = (i + 1) & (TABLE_CAP - 1);
	if (!t->keys[i]) {
		if (t->used + 1 >= TABLE_CAP / 2)
			return; /* full enough: stop adding keys */
		t->keys[i] = key;
		t->used++;
	}
	t->vals[i]++;
}

/* Returns 1 for a TCP SYN without ACK and sets *dst. */
static int parse(const uint8_t *p, uint32_t caplen, uint32_t *dst)
{
	uint32_t ihl;

	if (caplen < 14 + 20 || p[12] != 0x08 || p[13] != 0x00)
		return 0;
	p += 14;
	caplen -= 14;
	ihl = (uint32_t)(p[0] & 0x0f) * 4;
	if ((p[0] >> 4) != 4 || ihl < 20 || caplen < ihl + 20 || p[9] != 6)
		return 0;
	*dst = rd32(p + 16);
	return (p[ihl + 13] & 0x12) == 0x02;
}

int main(int argc, char **argv)
{
	const uint8_t *map, *end, *rec;
	struct counts *t = NULL;
	uint64_t packets = 0, syns = 0;
	int count = argc == 3 && !strcmp(argv[1], "-c");
	struct stat sb;
	int fd;

	if (argc != 2 + count) {
		fprintf(stderr, "usage: baseline_loop [-c] FILE.pcap\n");
		return 2;
	}
	fd = open(argv[1 + count], O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) || sb.st_size < 24) {
		perror(argv[1 + count]);
		return 1;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise((void *)map, (size_t)sb.st_size, MADV_SEQUENTIAL);
	if (count && !(t = calloc(1, sizeof(*t)))) {
		perror("calloc");
		return 1;
	}
	end = map + sb.st_size;
	for (rec = map + 24; rec + 16 <= end; packets++) {
		uint32_t caplen = rd32(rec + 8), dst;

		if (caplen > (uint64_t)(end - rec - 16))
			break;
		if (parse(rec + 16, caplen, &dst)) {
			syns++;
			if (t)
				count_dst(t, dst);
		}
		rec += 16 + caplen;
	}
	printf("%llu packets, %llu syns, %u destinations\n", (unsigned long long)packets,
	       (unsigned long long)syns, t ? t->used : 0);
	free(t);
	munmap((void *)map, (size_t)sb.st_size);
	close(fd);
	return 0;
}
