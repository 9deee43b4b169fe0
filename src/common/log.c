#include <stdarg.h>
#include <stdio.h>

#include "sonata/log.h"

static enum sn_log_level current_level = SN_LOG_WARN;

void sn_log_set_level(enum sn_log_level level)
{
	current_level = level;
}

enum sn_log_level sn_log_get_level(void)
{
	return current_level;
}

void sn_log(enum sn_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (level > current_level)
		return;
	fprintf(stderr, "sonata: %s: ", prefix[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
