/* Unit tests for typed values: address text, masks and ordering. */
#include "testutil.h"

#include <errno.h>
#include <string.h>

#include "sonata/value.h"

static struct sn_addr addr(const char *text)
{
	struct sn_addr a;

	assert_int_equal(sn_addr_parse(text, &a), 0);
	return a;
}

static void roundtrip(const char *text, int family)
{
	char buf[64];
	struct sn_addr a = addr(text);

	assert_int_equal(a.family, family);
	assert_int_equal(sn_addr_format(&a, buf, sizeof(buf)), (int)strlen(text));
	assert_string_equal(buf, text);
}

static void test_addr_roundtrip(void **state)
{
	roundtrip("10.0.0.1", 4);
	roundtrip("0.0.0.0", 4);
	roundtrip("255.255.255.255", 4);
	roundtrip("2001:db8::1", 6);
	roundtrip("::", 6);
	roundtrip("::1", 6);
	roundtrip("fe80::1:2:3:4", 6);
	roundtrip("::ffff:192.0.2.1", 6);
}

static void test_addr_canonical(void **state)
{
	char buf[64];
	struct sn_addr a = addr("2001:0DB8:0:0:0:0:0:0001");

	sn_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1");
}

static void test_addr_parse_invalid(void **state)
{
	struct sn_addr a;

	assert_int_equal(sn_addr_parse("10.0.0", &a), -EINVAL);
	assert_int_equal(sn_addr_parse("10.0.0.256", &a), -EINVAL);
	assert_int_equal(sn_addr_parse("", &a), -EINVAL);
	assert_int_equal(sn_addr_parse("1:2:3", &a), -EINVAL);
	assert_int_equal(sn_addr_parse("example.com", &a), -EINVAL);
}

static void test_addr_v4_zero_tail(void **state)
{
	struct sn_addr a = addr("1.2.3.4");
	uint8_t zero[12] = { 0 };

	assert_memory_equal(a.bytes + 4, zero, sizeof(zero));
}

static void check_mask(const char *text, unsigned bits, const char *expect)
{
	char buf[64];
	struct sn_addr a = addr(text);

	sn_addr_mask(&a, bits);
	sn_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, expect);
}

static void test_addr_mask(void **state)
{
	check_mask("192.168.37.201", 0, "0.0.0.0");
	check_mask("192.168.37.201", 8, "192.0.0.0");
	check_mask("192.168.37.201", 12, "192.160.0.0");
	check_mask("192.168.37.201", 24, "192.168.37.0");
	check_mask("192.168.37.201", 31, "192.168.37.200");
	check_mask("192.168.37.201", 32, "192.168.37.201");
	check_mask("192.168.37.201", 64, "192.168.37.201");
	check_mask("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 0, "::");
	check_mask("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 8, "2000::");
	check_mask("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 24, "2001:d00::");
	check_mask("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 64, "2001:db8:aaaa:bbbb::");
	check_mask("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 127,
		   "2001:db8:aaaa:bbbb:cccc:dddd:eeee:fffe");
	check_mask("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 128,
		   "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff");
}

static void test_addr_equal(void **state)
{
	struct sn_addr a = addr("10.1.2.3");
	struct sn_addr b = addr("10.1.2.3");
	struct sn_addr c = addr("10.1.2.4");
	struct sn_addr v6 = addr("::a01:203");

	assert_true(sn_addr_equal(&a, &b));
	assert_false(sn_addr_equal(&a, &c));
	assert_false(sn_addr_equal(&a, &v6));
}

static struct sn_value uint_value(uint64_t u)
{
	struct sn_value v = { .type = SN_T_UINT, .u = u };

	return v;
}

static struct sn_value addr_value(const char *text)
{
	struct sn_value v = { .type = SN_T_ADDR };

	v.addr = addr(text);
	return v;
}

static struct sn_value str_value(const char *text)
{
	struct sn_value v = { .type = SN_T_STR };

	v.s.ptr = text;
	v.s.len = (uint32_t)strlen(text);
	return v;
}

static void test_compare_uint(void **state)
{
	struct sn_value a = uint_value(5), b = uint_value(7), big = uint_value(UINT64_MAX);

	assert_int_equal(sn_value_compare(&a, &b), -1);
	assert_int_equal(sn_value_compare(&b, &a), 1);
	assert_int_equal(sn_value_compare(&a, &a), 0);
	assert_int_equal(sn_value_compare(&b, &big), -1);
	assert_true(sn_value_equal(&big, &big));
}

static void test_compare_addr(void **state)
{
	struct sn_value a = addr_value("9.255.255.255");
	struct sn_value b = addr_value("10.0.0.0");
	struct sn_value v6 = addr_value("::");
	struct sn_value v6b = addr_value("::1");

	assert_int_equal(sn_value_compare(&a, &b), -1);
	assert_int_equal(sn_value_compare(&b, &a), 1);
	assert_int_equal(sn_value_compare(&b, &v6), -1);
	assert_int_equal(sn_value_compare(&v6, &b), 1);
	assert_int_equal(sn_value_compare(&v6, &v6b), -1);
	assert_true(sn_value_equal(&v6b, &v6b));
}

static void test_compare_str(void **state)
{
	struct sn_value a = str_value("abc"), b = str_value("abd"), prefix = str_value("ab");
	struct sn_value empty = str_value("");

	assert_int_equal(sn_value_compare(&a, &b), -1);
	assert_int_equal(sn_value_compare(&prefix, &a), -1);
	assert_int_equal(sn_value_compare(&a, &prefix), 1);
	assert_int_equal(sn_value_compare(&empty, &prefix), -1);
	assert_true(sn_value_equal(&empty, &empty));
	assert_false(sn_value_equal(&a, &b));
}

static void test_compare_types(void **state)
{
	struct sn_value u = uint_value(1), a = addr_value("1.0.0.0"), s = str_value("1");

	assert_int_equal(sn_value_compare(&u, &a), -1);
	assert_int_equal(sn_value_compare(&a, &s), -1);
	assert_int_equal(sn_value_compare(&s, &u), 1);
	assert_false(sn_value_equal(&u, &s));
}

static void test_format_values(void **state)
{
	char buf[64];
	struct sn_value u = uint_value(18446744073709551615ull);
	struct sn_value a = addr_value("2001:db8::2");
	struct sn_value s = str_value("pirate.sea");
	struct sn_value bytes = { .type = SN_T_BYTES };
	struct sn_value none = { .type = SN_T_NONE };

	bytes.s.ptr = "GET\r\n\\";
	bytes.s.len = 6;
	assert_int_equal(sn_value_format(&u, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "18446744073709551615");
	sn_value_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::2");
	sn_value_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "pirate.sea");
	sn_value_format(&bytes, buf, sizeof(buf));
	assert_string_equal(buf, "GET\\x0d\\x0a\\x5c");
	sn_value_format(&none, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	assert_string_equal(sn_type_name(SN_T_ADDR), "addr");
}

static void test_format_truncates(void **state)
{
	char buf[6];
	struct sn_value s = str_value("pirate.sea");
	struct sn_value bytes = { .type = SN_T_BYTES };

	assert_int_equal(sn_value_format(&s, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "pirat");
	bytes.s.ptr = "ab\001cd";
	bytes.s.len = 5;
	assert_int_equal(sn_value_format(&bytes, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_roundtrip),
		cmocka_unit_test(test_addr_canonical),
		cmocka_unit_test(test_addr_parse_invalid),
		cmocka_unit_test(test_addr_v4_zero_tail),
		cmocka_unit_test(test_addr_mask),
		cmocka_unit_test(test_addr_equal),
		cmocka_unit_test(test_compare_uint),
		cmocka_unit_test(test_compare_addr),
		cmocka_unit_test(test_compare_str),
		cmocka_unit_test(test_compare_types),
		cmocka_unit_test(test_format_values),
		cmocka_unit_test(test_format_truncates),
	};

	return cmocka_run_group_tests_name("value", tests, NULL, NULL);
}
