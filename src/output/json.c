/* JSON lines: one object per result row. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sonata/output.h"

int sn_format_seconds(uint64_t ns, char *buf, size_t size)
{
	uint64_t sec = ns / 1000000000u;
	uint32_t frac = (uint32_t)(ns % 1000000000u);
	char digits[16];
	int len, n;

	if (!frac)
		n = snprintf(buf, size, "%" PRIu64, sec);
	else {
		len = snprintf(digits, sizeof(digits), "%09" PRIu32, frac);
		while (len > 0 && digits[len - 1] == '0')
			len--;
		n = snprintf(buf, size, "%" PRIu64 ".%.*s", sec, len, digits);
	}
	if (n < 0 || size == 0)
		return 0;
	return (size_t)n >= size ? (int)size - 1 : n;
}

/* Write text as a JSON string; bytes outside printable ASCII become \u00XX. */
static void put_json_string(FILE *f, const char *s, size_t len)
{
	size_t i;

	putc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c < 0x20 || c >= 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else {
			putc(c, f);
		}
	}
	putc('"', f);
}

static void put_value(FILE *f, const struct sn_value *v)
{
	char text[64];

	switch (v->type) {
	case SN_T_UINT:
		fprintf(f, "%" PRIu64, v->u);
		break;
	case SN_T_ADDR:
		sn_addr_format(&v->addr, text, sizeof(text));
		put_json_string(f, text, strlen(text));
		break;
	case SN_T_STR:
	case SN_T_BYTES:
		put_json_string(f, v->s.ptr, v->s.len);
		break;
	case SN_T_NONE:
		fputs("null", f);
		break;
	}
}

/* Write the columns whose role is key (or value) as one JSON object. */
static void put_columns(FILE *f, const struct sn_row *row, bool keys)
{
	const char *sep = "";
	size_t k;

	putc('{', f);
	for (k = 0; k < row->schema->n; k++) {
		const struct sn_column *col = &row->schema->cols[k];

		if (col->is_key != keys)
			continue;
		fputs(sep, f);
		put_json_string(f, col->name, strlen(col->name));
		fputs(": ", f);
		put_value(f, &row->cols[k]);
		sep = ", ";
	}
	putc('}', f);
}

int sn_json_write_row(FILE *f, const struct sn_row *row)
{
	char start[32], end[32];

	sn_format_seconds(row->window_start_ns, start, sizeof(start));
	sn_format_seconds(row->window_end_ns, end, sizeof(end));
	fputs("{\"query\": ", f);
	put_json_string(f, row->query->name, strlen(row->query->name));
	fprintf(f, ", \"window_start\": %s, \"window_end\": %s, \"key\": ", start, end);
	put_columns(f, row, true);
	fputs(", \"values\": ", f);
	put_columns(f, row, false);
	if (row->incomplete)
		fputs(", \"incomplete\": true", f);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
