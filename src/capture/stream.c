/* A stdio stream over a file descriptor that replays bytes already read from it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture_int.h"

struct replay_stream {
	int fd;
	int close_fd;
	uint8_t prefix[8];
	size_t prefix_len;
	size_t prefix_pos;
	int64_t pos; /* bytes handed to stdio so far */
};

static ssize_t replay_read(void *cookie, char *buf, size_t size)
{
	struct replay_stream *s = cookie;
	ssize_t n;

	if (s->prefix_pos < s->prefix_len) {
		size_t left = s->prefix_len - s->prefix_pos;

		if (left > size)
			left = size;
		memcpy(buf, s->prefix + s->prefix_pos, left);
		s->prefix_pos += left;
		s->pos += (int64_t)left;
		return (ssize_t)left;
	}
	/* A signal that asked the run to stop ends a read blocked on a pipe. */
	do {
		n = read(s->fd, buf, size);
	} while (n < 0 && errno == EINTR && !sn_capture_stop_requested);
	if (n > 0)
		s->pos += n;
	return n;
}

/* Only "where am I" is supported, which is all ftello() needs. */
static int replay_seek(void *cookie, off64_t *offset, int whence)
{
	struct replay_stream *s = cookie;

	if (whence != SEEK_CUR || *offset != 0) {
		errno = ESPIPE;
		return -1;
	}
	*offset = s->pos;
	return 0;
}

static int replay_close(void *cookie)
{
	struct replay_stream *s = cookie;
	int ret = 0;

	if (s->close_fd)
		ret = close(s->fd);
	free(s);
	return ret;
}

FILE *sn_stream_open(int fd, const uint8_t *prefix, size_t prefix_len, int close_fd)
{
	static const cookie_io_functions_t io = {
		.read = replay_read,
		.seek = replay_seek,
		.close = replay_close,
	};
	struct replay_stream *s;
	FILE *fp;

	if (prefix_len > sizeof(s->prefix)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fd = fd;
	s->close_fd = close_fd;
	memcpy(s->prefix, prefix, prefix_len);
	s->prefix_len = prefix_len;
	fp = fopencookie(s, "rb", io);
	if (!fp)
		free(s);
	return fp;
}
