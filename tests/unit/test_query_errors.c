/* Query errors: every tests/golden/errors/NAME.sq must fail with the exact
 * text of NAME.err, and hostile input must fail cleanly. */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "testutil.h"

#include "sonata/query.h"

#define GOLDEN_DIR "tests/golden/errors"

static char err[8192];

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Parse NAME.sq as file "NAME.sq" and compare with NAME.err, whose one
 * trailing newline is not part of the message. */
static void check_case(const char *dir, const char *file)
{
	char path[1024], want_path[1024];
	struct sn_query_set set = { 0 };
	size_t len, wlen;
	char *text, *want;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(want_path, sizeof(want_path), "%.*s.err", (int)(strlen(path) - 3), path);
	text = read_all(path, &len);
	want = read_all(want_path, &wlen);
	if (wlen && want[wlen - 1] == '\n')
		want[--wlen] = '\0';
	rc = sn_query_parse_text(&set, file, text, len, NULL, 0, err, sizeof(err));
	if (rc == 0 || strcmp(err, want))
		print_error("case %s:\nwant:\n%s\ngot (rc %d):\n%s\n", file, want, rc, err);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, want);
	assert_int_equal(set.n, 0);
	sn_query_set_free(&set);
	free(text);
	free(want);
}

static void golden_cases(void **state)
{
	const char *dir = getenv("GOLDEN_ERRORS");
	struct dirent *d;
	size_t n = 0;
	DIR *dh;

	if (!dir || !*dir)
		dir = GOLDEN_DIR;
	dh = opendir(dir);
	assert_non_null(dh);
	while ((d = readdir(dh))) {
		size_t l = strlen(d->d_name);

		if (l < 4 || strcmp(d->d_name + l - 3, ".sq"))
			continue;
		check_case(dir, d->d_name);
		n++;
	}
	closedir(dh);
	assert_true(n >= 20);
}

static int parse(const char *text, size_t len, const struct sn_define *defs, size_t n_defs)
{
	struct sn_query_set set = { 0 };
	int rc = sn_query_parse_text(&set, "t.sq", text, len, defs, n_defs, err, sizeof(err));

	sn_query_set_free(&set);
	return rc;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void window_define_zero(void **state)
{
	const char text[] = "query q(window = 2) { packets | map ip.dst }";
	const struct sn_define defs[] = { { "q.window", 0 } };

	assert_int_equal(parse(text, strlen(text), defs, 1), -EINVAL);
	assert_string_equal(err, "t.sq:1:9: error: window must be more than 0 seconds, but it is 0 "
			    "(set by -D)\nquery q(window = 2) { packets | map ip.dst }\n        ^");
}

static void fractional_param_use(void **state)
{
	const char text[] = "query q(t = 2.5) { packets | filter ip.len > t | map ip.dst }";

	assert_int_equal(parse(text, strlen(text), NULL, 0), -EINVAL);
	assert_true(starts_with(err, "t.sq:1:46: error: parameter `t` is 2.5, but expressions "
				     "need a whole number"));
}

/* A pipeline of `reps` copies of piece between head and tail. */
static char *repeat(const char *head, const char *piece, size_t reps, const char *tail,
		    size_t *len)
{
	size_t hl = strlen(head), pl = strlen(piece), tl = strlen(tail), i;
	char *buf = malloc(hl + pl * reps + tl + 1);

	assert_non_null(buf);
	memcpy(buf, head, hl);
	for (i = 0; i < reps; i++)
		memcpy(buf + hl + i * pl, piece, pl);
	memcpy(buf + hl + reps * pl, tail, tl + 1);
	*len = hl + pl * reps + tl;
	return buf;
}

static void deep_parens(void **state)
{
	size_t len;
	char *open = repeat("query q() { packets | filter ", "(", 100000, "1", &len);

	assert_int_equal(parse(open, len, NULL, 0), -EINVAL);
	assert_non_null(strstr(err, "expression is nested too deeply (max 256 levels)"));
	free(open);
}

static void deep_not(void **state)
{
	size_t len;
	char *text = repeat("query q() { packets | filter ", "not ", 300, "1 | map ip.dst }",
			    &len);

	assert_int_equal(parse(text, len, NULL, 0), -EINVAL);
	assert_non_null(strstr(err, "nested too deeply"));
	free(text);
}

/* A long flat chain builds a deep tree, which is capped the same way. */
static void long_chain(void **state)
{
	size_t len;
	char *text = repeat("query q() { packets | filter 1", " + 1", 1000000,
			    " > 0 | map ip.dst }", &len);

	assert_int_equal(parse(text, len, NULL, 0), -EINVAL);
	assert_non_null(strstr(err, "nested too deeply"));
	free(text);
}

static void chain_at_limit(void **state)
{
	size_t len;
	char *text = repeat("query q() { packets | filter 1", " + 1", 200, " > 0 | map ip.dst }",
			    &len);

	assert_int_equal(parse(text, len, NULL, 0), 0);
	free(text);
}

/* A 10 MB line: one huge string, one huge name, and many operators. */
static void huge_line(void **state)
{
	size_t len;
	char *text = repeat("query q() { packets | filter payload contains \"", "a", 10 << 20,
			    "\" | map ip.dst }", &len);

	assert_int_equal(parse(text, len, NULL, 0), 0);
	free(text);
	text = repeat("query q() { packets | filter ", "a", 10 << 20, " | map ip.dst }", &len);
	assert_int_equal(parse(text, len, NULL, 0), -EINVAL);
	assert_non_null(strstr(err, "name is too long"));
	assert_true(strlen(err) < 400);
	free(text);
	text = repeat("query q() { packets | map ip.dst", " | filter ip.dst == 1.2.3.4", 400000,
		      " }", &len);
	assert_int_equal(parse(text, len, NULL, 0), -EINVAL);
	assert_non_null(strstr(err, "too many operators in one pipeline (max 1024)"));
	free(text);
	text = repeat("query q() { packets | map ", "x = 1, ", 1000000, "y = 2 }", &len);
	assert_int_equal(parse(text, len, NULL, 0), -EINVAL);
	assert_non_null(strstr(err, "duplicate column `x`"));
	free(text);
}

/* The caret line of a long line is an excerpt around the column. */
static void long_line_excerpt(void **state)
{
	size_t len;
	char *text = repeat("query q() { packets | filter 1", " + 1", 100, " > \"x | map ip.dst }",
			    &len);

	assert_int_equal(parse(text, len, NULL, 0), -EINVAL);
	assert_true(starts_with(err, "t.sq:1:434: error: unterminated string"));
	assert_non_null(strstr(err, "same line\n...1 + 1 + 1"));
	assert_non_null(strstr(err, "ip.dst }\n   " /* under the "..." */));
	free(text);
}

static void nul_byte(void **state)
{
	const char text[] = "query q() { packets \0| map ip.dst }";

	assert_int_equal(parse(text, sizeof(text) - 1, NULL, 0), -EINVAL);
	assert_string_equal(err, "t.sq:1:21: error: unexpected byte 0x00\n"
			    "query q() { packets ?| map ip.dst }\n                    ^");
}

/* The text is exactly len bytes long with no NUL after it; a sanitizer
 * build catches any read past the end. */
static void not_nul_terminated(void **state)
{
	const char full[] = "query q() { packets | filter payload contains \"abc\" | map ip.dst }";
	size_t len = (size_t)(strstr(full, "abc") - full) + 3;
	char *text = malloc(len);

	assert_non_null(text);
	memcpy(text, full, len);
	assert_int_equal(parse(text, len, NULL, 0), -EINVAL);
	assert_true(starts_with(err, "t.sq:1:47: error: unterminated string"));
	memcpy(text, "query q() { packets | map ip.dst/24 }", 37);
	assert_int_equal(parse(text, 33, NULL, 0), -EINVAL);
	assert_true(starts_with(err, "t.sq:1:34: error: expected an expression but found end of file"));
	free(text);
}

static void small_err_buffer(void **state)
{
	const char text[] = "query q() { packets | filter ip.dst == 5 | map ip.dst }";
	struct sn_query_set set = { 0 };
	char small[12];

	assert_int_equal(sn_query_parse_text(&set, "t.sq", text, strlen(text), NULL, 0, small,
					     sizeof(small)), -EINVAL);
	assert_string_equal(small, "t.sq:1:30: ");
	assert_int_equal(sn_query_parse_text(&set, "t.sq", text, strlen(text), NULL, 0, NULL, 0),
			 -EINVAL);
}

static void missing_file(void **state)
{
	struct sn_query_set set = { 0 };

	assert_int_equal(sn_query_parse_file(&set, "tests/golden/none.sq", NULL, 0, err,
					     sizeof(err)), -ENOENT);
	assert_string_equal(err, "tests/golden/none.sq: failed to open query file: "
			    "No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_cases),
		cmocka_unit_test(window_define_zero),
		cmocka_unit_test(fractional_param_use),
		cmocka_unit_test(deep_parens),
		cmocka_unit_test(deep_not),
		cmocka_unit_test(long_chain),
		cmocka_unit_test(chain_at_limit),
		cmocka_unit_test(huge_line),
		cmocka_unit_test(long_line_excerpt),
		cmocka_unit_test(nul_byte),
		cmocka_unit_test(not_nul_terminated),
		cmocka_unit_test(small_err_buffer),
		cmocka_unit_test(missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
