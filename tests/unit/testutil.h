/* Shared helpers for the cmocka unit tests. */
#ifndef SONATA_TESTUTIL_H
#define SONATA_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

/* Path of a shared capture: $TRACES/NAME, default ../shared/traces/NAME. */
static inline const char *trace_path(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("TRACES");

	snprintf(buf, sizeof(buf), "%s/%s", dir && *dir ? dir : "../shared/traces", name);
	return buf;
}

/* Path of the sonata binary under test: $BUILD/sonata, default build/sonata. */
static inline const char *sonata_bin(void)
{
	static char buf[4096];
	const char *dir = getenv("BUILD");

	snprintf(buf, sizeof(buf), "%s/sonata", dir && *dir ? dir : "build");
	return buf;
}

#endif
