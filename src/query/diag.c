/* Error messages of the query front end: position, source line and caret. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "query/query_int.h"

/* Lines longer than this are shown as an excerpt around the error column. */
#define SHOW_WIDTH 100
#define SHOW_BEFORE 60

static void line_of(const struct sq_parser *p, size_t pos, unsigned *line, size_t *start,
		    size_t *end)
{
	size_t i, ls = 0;
	unsigned n = 1;

	if (pos > p->len)
		pos = p->len;
	for (i = 0; i < pos; i++) {
		if (p->src[i] == '\n') {
			n++;
			ls = i + 1;
		}
	}
	for (i = pos; i < p->len && p->src[i] != '\n'; i++)
		;
	*line = n;
	*start = ls;
	*end = i;
	if (i > ls && p->src[i - 1] == '\r')
		(*end)--;
}

static size_t put(char *buf, size_t size, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t size, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (off + 1 >= size)
		return off;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, size - off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return off;
	if ((size_t)n >= size - off)
		return size - 1;
	return off + (size_t)n;
}

static char shown(char c)
{
	if (c == '\t' || (c >= 0x20 && c < 0x7f) || (unsigned char)c >= 0x80)
		return c;
	return '?';
}

/* Append the source line and a caret under pos; long lines are cut to an
 * excerpt marked with "...". */
static size_t put_line(const struct sq_parser *p, size_t pos, size_t ls, size_t le,
		       char *buf, size_t size, size_t off)
{
	size_t from = ls, to = le, i;
	bool cut_head = false, cut_tail = false;

	if (pos > le)
		pos = le;
	if (pos - ls > SHOW_BEFORE && le - ls > SHOW_WIDTH) {
		from = pos - SHOW_BEFORE;
		cut_head = true;
	}
	if (to - from > SHOW_WIDTH) {
		to = from + SHOW_WIDTH;
		cut_tail = true;
	}
	off = put(buf, size, off, "\n%s", cut_head ? "..." : "");
	for (i = from; i < to; i++)
		off = put(buf, size, off, "%c", shown(p->src[i]));
	off = put(buf, size, off, "%s\n%s", cut_tail ? "..." : "", cut_head ? "   " : "");
	for (i = from; i < pos; i++)
		off = put(buf, size, off, "%c", p->src[i] == '\t' ? '\t' : ' ');
	return put(buf, size, off, "^");
}

int sq_error(struct sq_parser *p, size_t pos, const char *fmt, ...)
{
	unsigned line;
	size_t ls, le, off;
	va_list ap;
	int n;

	if (!p->err || p->errlen == 0)
		return -EINVAL;
	line_of(p, pos, &line, &ls, &le);
	if (pos > p->len)
		pos = p->len;
	off = put(p->err, p->errlen, 0, "%s:%u:%zu: error: ", p->file, line, pos - ls + 1);
	if (off + 1 < p->errlen) {
		va_start(ap, fmt);
		n = vsnprintf(p->err + off, p->errlen - off, fmt, ap);
		va_end(ap);
		if (n > 0)
			off += (size_t)n < p->errlen - off ? (size_t)n : p->errlen - off - 1;
	}
	put_line(p, pos, ls, le, p->err, p->errlen, off);
	return -EINVAL;
}

/* Copy src[start, end) to buf for a message, cut with "..." past 40 bytes. */
const char *sq_snippet(const struct sq_parser *p, size_t start, size_t end, char *buf,
		       size_t size)
{
	size_t n = end > start ? end - start : 0;
	size_t i, o = 0;

	if (size < 8)
		return "";
	if (n > 40)
		n = 40;
	for (i = 0; i < n && o + 4 < size; i++) {
		char c = p->src[start + i];

		buf[o++] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : shown(c);
	}
	if (n < end - start)
		o = put(buf, size, o, "...");
	buf[o] = '\0';
	return buf;
}

/* Describe a token for "expected X but found Y" messages. */
const char *sq_token_desc(const struct sq_parser *p, const struct sq_token *t, char *buf,
			  size_t size)
{
	char text[64];

	if (t->kind == TK_EOF) {
		snprintf(buf, size, "end of file");
		return buf;
	}
	sq_snippet(p, t->pos, t->pos + t->len, text, sizeof(text));
	if (t->kind == TK_STRING)
		snprintf(buf, size, "string %s", text);
	else
		snprintf(buf, size, "'%s'", text);
	return buf;
}
