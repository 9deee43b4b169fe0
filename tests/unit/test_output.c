/* Result writers: exact JSON lines with escaping, seconds, and text tables. */
#include <string.h>

#include "testutil.h"
#include "sonata/output.h"

static struct sn_column cols[] = {
	{ .name = "host", .type = SN_T_ADDR, .is_key = true },
	{ .name = "count", .type = SN_T_UINT, .is_key = false },
	{ .name = "name", .type = SN_T_STR, .is_key = true },
};
static struct sn_schema schema = { cols, 3 };
static struct sn_query query = { .name = "syn_flood" };

static void make_row(struct sn_row *row, struct sn_value *v, const char *host, uint64_t n,
		     const char *name, size_t name_len)
{
	memset(v, 0, 3 * sizeof(*v));
	v[0].type = SN_T_ADDR;
	assert_int_equal(sn_addr_parse(host, &v[0].addr), 0);
	v[1].type = SN_T_UINT;
	v[1].u = n;
	v[2].type = SN_T_STR;
	v[2].s.ptr = name;
	v[2].s.len = (uint32_t)name_len;
	memset(row, 0, sizeof(*row));
	row->query = &query;
	row->window_start_ns = 1617600000ull * 1000000000ull;
	row->window_end_ns = row->window_start_ns + 500000000ull;
	row->schema = &schema;
	row->cols = v;
}

/* Write one row as JSON to a string the caller frees. */
static char *json_of(const struct sn_row *row)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(sn_json_write_row(f, row), 0);
	fclose(f);
	return text;
}

static void json_exact_line(void **state)
{
	struct sn_value v[3];
	struct sn_row row;
	char *text;

	make_row(&row, v, "10.0.0.1", 42, "example.com", 11);
	text = json_of(&row);
	assert_string_equal(text, "{\"query\": \"syn_flood\", \"window_start\": 1617600000, "
		"\"window_end\": 1617600000.5, \"key\": {\"host\": \"10.0.0.1\", "
		"\"name\": \"example.com\"}, \"values\": {\"count\": 42}}\n");
	free(text);
}

static void json_escapes(void **state)
{
	static const char name[] = "a\"b\\c\nd\te\x01\x7f\xff";
	struct sn_value v[3];
	struct sn_row row;
	char *text;

	make_row(&row, v, "2001:db8::1", 18446744073709551615ull, name, sizeof(name) - 1);
	row.incomplete = true;
	text = json_of(&row);
	assert_string_equal(text, "{\"query\": \"syn_flood\", \"window_start\": 1617600000, "
		"\"window_end\": 1617600000.5, \"key\": {\"host\": \"2001:db8::1\", "
		"\"name\": \"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\\u00ff\"}, "
		"\"values\": {\"count\": 18446744073709551615}, \"incomplete\": true}\n");
	free(text);
}

static void seconds_format(void **state)
{
	char buf[32];

	assert_int_equal(sn_format_seconds(0, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "0");
	sn_format_seconds(1617600000ull * 1000000000ull, buf, sizeof(buf));
	assert_string_equal(buf, "1617600000");
	sn_format_seconds(1617600000ull * 1000000000ull + 250000000ull, buf, sizeof(buf));
	assert_string_equal(buf, "1617600000.25");
	sn_format_seconds(1ull, buf, sizeof(buf));
	assert_string_equal(buf, "0.000000001");
	assert_int_equal(sn_format_seconds(123456789000ull, buf, 4), 3);
	assert_string_equal(buf, "123");
}

static void text_table(void **state)
{
	struct sn_text_table *t;
	struct sn_value v1[3], v2[3];
	struct sn_row r1, r2;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(sn_text_new(&t), 0);
	make_row(&r1, v1, "10.0.0.1", 7, "a.example", 9);
	make_row(&r2, v2, "192.168.100.200", 12345, "b", 1);
	r2.incomplete = true;
	assert_int_equal(sn_text_add(t, &r1), 0);
	assert_int_equal(sn_text_add(t, &r2), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(sn_text_print(t, f), 0);
	/* A second print has nothing left to show. */
	assert_int_equal(sn_text_print(t, f), 0);
	fclose(f);
	assert_string_equal(text,
		"query syn_flood\n"
		"window_start  host             name       count\n"
		"  1617600000  10.0.0.1         a.example      7\n"
		"  1617600000  192.168.100.200  b          12345  (incomplete)\n");
	free(text);
	sn_text_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_exact_line),
		cmocka_unit_test(json_escapes),
		cmocka_unit_test(seconds_format),
		cmocka_unit_test(text_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
