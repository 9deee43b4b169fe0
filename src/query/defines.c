/* Loading query files, and checking -D defines against the loaded queries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

/* Query files larger than this are rejected, so that a device such as
 * /dev/zero given as a query file fails at once instead of filling memory. */
#define QUERY_FILE_MAX (64u << 20)

int sn_query_parse_file(struct sn_query_set *set, const char *path,
			const struct sn_define *defs, size_t n_defs, char *err, size_t errlen)
{
	char *text = NULL, *grown;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(path, "rb");
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: failed to open query file: %s", path, strerror(errno));
		return rc;
	}
	do {
		if (len == cap) {
			if (cap >= QUERY_FILE_MAX) {
				rc = -EFBIG;
				snprintf(err, errlen, "%s: query file is larger than %u MB: give a "
					 "query file, not a device or a capture", path,
					 QUERY_FILE_MAX >> 20);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			grown = realloc(text, cap);
			if (!grown) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory while reading", path);
				goto out;
			}
			text = grown;
		}
		errno = 0;
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: failed to read query file: %s", path,
			 strerror(errno ? errno : EIO));
		goto out;
	}
	rc = sn_query_parse_text(set, path, text, len, defs, n_defs, err, errlen);
out:
	free(text);
	fclose(f);
	return rc;
}

static bool query_has_param(const struct sn_query *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->n_params; i++)
		if (!strcmp(q->params[i].name, name))
			return true;
	return false;
}

/* True when some query declares the parameter the define names, either as
 * NAME or as QUERY.NAME. */
static bool define_known(const struct sn_query_set *set, const char *name)
{
	size_t i, qlen;

	for (i = 0; i < set->n; i++) {
		const struct sn_query *q = &set->queries[i];

		if (query_has_param(q, name))
			return true;
		qlen = strlen(q->name);
		if (!strncmp(name, q->name, qlen) && name[qlen] == '.' &&
		    query_has_param(q, name + qlen + 1))
			return true;
	}
	return false;
}

static void list_params(const struct sn_query_set *set, char *buf, size_t size)
{
	size_t i, j, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < set->n; i++) {
		for (j = 0; j < set->queries[i].n_params && off + 1 < size; j++) {
			n = snprintf(buf + off, size - off, "%s%s.%s", off ? ", " : "",
				     set->queries[i].name, set->queries[i].params[j].name);
			if (n < 0)
				return;
			off += (size_t)n;
		}
	}
	if (!off)
		snprintf(buf, size, "none");
}

int sn_query_check_defines(const struct sn_query_set *set, const struct sn_define *defs,
			   size_t n_defs, char *err, size_t errlen)
{
	char known[512];
	size_t i;

	for (i = 0; i < n_defs; i++) {
		if (define_known(set, defs[i].name))
			continue;
		list_params(set, known, sizeof(known));
		snprintf(err, errlen, "-D %s: no loaded query has a parameter `%s` (known parameters: %s)",
			 defs[i].name, defs[i].name, known);
		return -EINVAL;
	}
	return 0;
}
