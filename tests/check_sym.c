/* sym: the symbolizer's library side on this very test program (a PIE with
 * the debug information of the build): runtime addresses through
 * /proc/self/maps, file offsets to addresses, and files it must refuse.
 * tests/sym/compare.sh checks the answers against llvm-symbolizer. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/sym.h"

static const int probe_line = __LINE__ + 2;
static int __attribute__((noinline))
sym_probe_target(int x)
{
	return x * 3 + 1;
}

/* The mappings of this process, as a profiler would record them. */
static struct sym_maps *
self_maps(void)
{
	struct sym_maps *s = sym_maps_new(&(struct sym_options){ NULL, true });
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f)) {
		uint64_t start, end, off;
		char perms[8], path[2048] = "";
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %2047s", &start, &end,
		           perms, &off, path) >= 4 && path[0] == '/')
			sym_maps_add(s, start, end, off, path);
	}
	fclose(f);
	return s;
}

START_TEST(test_runtime_address)
{
	struct sym_maps *s = self_maps();
	const char *module = NULL;
	int (*volatile fp)(int) = sym_probe_target;
	struct sym_result r = sym_maps_lookup(s, (uint64_t)(uintptr_t)fp, &module);
	const struct sym_frame *outer;

	ck_assert_int_eq(fp(1), 4);
	ck_assert_ptr_nonnull(module);
	ck_assert_uint_ge(r.count, 1);
	outer = &r.frames[r.count - 1];
	ck_assert_str_eq(outer->function, "sym_probe_target");
	if (strcmp(outer->file, "??") != 0) {	/* built with -g */
		const char *base = strrchr(outer->file, '/');
		ck_assert_str_eq(base ? base + 1 : outer->file, "check_sym.c");
		ck_assert_int_ge(outer->line, probe_line - 1);
		ck_assert_int_le(outer->line, probe_line + 2);	/* the body, at -O2 */
	}
	/* an address no mapping holds */
	r = sym_maps_lookup(s, 16, &module);
	ck_assert_uint_eq(r.count, 0);
	ck_assert_ptr_null(module);
	sym_maps_free(s);
}
END_TEST

/* The same answer twice (the cache), and "??" for what no symbol covers. */
START_TEST(test_module_lookup)
{
	struct hs_error err;
	struct sym_module *m;
	struct sym_result a, b;
	uint64_t vaddr;

	error_clear(&err);
	m = sym_module_open("/proc/self/exe", &(struct sym_options){ NULL, false }, &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	ck_assert(sym_module_offset_to_vaddr(m, 0, &vaddr));
	a = sym_lookup(m, 1);
	ck_assert_uint_eq(a.count, 1);
	ck_assert_str_eq(a.frames[0].function, "??");
	ck_assert_str_eq(a.frames[0].file, "??");
	ck_assert_uint_eq(a.frames[0].line, 0);
	b = sym_lookup(m, 1);
	ck_assert_ptr_eq(a.frames, b.frames);
	sym_module_close(m);
}
END_TEST

START_TEST(test_refused)
{
	struct hs_error err;
	static const char not_elf[] = "#!/bin/sh\necho hello\n";

	error_clear(&err);
	ck_assert_ptr_null(sym_module_open("/nonexistent/heapsift-test", NULL, &err));
	ck_assert_int_eq(err.status, HS_EIO);
	error_clear(&err);
	ck_assert_ptr_null(sym_module_open("/", NULL, &err));
	ck_assert_int_eq(err.status, HS_EIO);
	error_clear(&err);
	ck_assert_ptr_null(sym_module_open_mem("x", not_elf, sizeof not_elf, NULL, &err));
	ck_assert_int_eq(err.status, HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "not an ELF file"));
}
END_TEST

Suite *
suite_sym(void)
{
	Suite *s = suite_create("sym");
	TCase *tc = tcase_create("sym");
	tcase_add_test(tc, test_runtime_address);
	tcase_add_test(tc, test_module_lookup);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}
