/* libFuzzer target: read the input as a capture file through every reader. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sonata/capture.h"
#include "sonata/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read every packet and touch its bytes so the sanitizers see each access. */
static void read_through(const char *path, int use_mmap)
{
	struct sn_capture_opts opts = { .use_mmap = use_mmap };
	const char *paths[] = { path };
	struct sn_source *src;
	struct sn_packet pkt;
	volatile uint8_t sink = 0;
	uint32_t i;

	if (sn_source_open_files(&src, paths, 1, &opts) < 0)
		return;
	while (sn_source_next(src, &pkt) == 1)
		for (i = 0; i < pkt.caplen; i++)
			sink ^= pkt.data[i];
	(void)sn_source_error(src);
	(void)sn_source_bytes_done(src);
	sn_source_close(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	sn_log_set_level(SN_LOG_ERROR);
	fd = memfd_create("fuzz-capture", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	read_through(path, 1);
	read_through(path, 0);
	close(fd);
	return 0;
}
