/* sym: the symbolizer's library side on this very test program (a PIE with
 * the debug information of the build): runtime addresses through
 * /proc/self/maps, module lists over time, modules checked and found by
 * build ID, file offsets to addresses, and files it must refuse.
 * tests/sym/compare.sh checks the answers against llvm-symbolizer. */
#include "config.h"

#include <inttypes.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* This program's load bias (the first module dl_iterate_phdr names). */
static int
first_bias(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = info->dlpi_addr;
	return 1;
}

static uint64_t
self_bias(void)
{
	uint64_t bias = 0;
	dl_iterate_phdr(first_bias, &bias);
	return bias;
}

static void
self_build_id(uint8_t *id, size_t *len)
{
	struct hs_error err;
	struct sym_module *m;
	const uint8_t *p;

	error_clear(&err);
	m = sym_module_open("/proc/self/exe", NULL, &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	ck_assert_msg(sym_module_build_id(m, &p, len), "the test program has no build ID");
	ck_assert_uint_le(*len, SYM_BUILD_ID_MAX);
	memcpy(id, p, *len);
	sym_module_close(m);
}

static const char *
outer_function(struct sym_result r)
{
	return r.count ? r.frames[r.count - 1].function : "(none)";
}

/* One address range, two modules in turn (a library unloaded, another
 * loaded there): each list names its own; a list before both the first
 * after it, one after both the last before it. */
START_TEST(test_maps_lists)
{
	struct sym_maps *s = sym_maps_new(&(struct sym_options){ NULL, false });
	uint64_t fp = (uint64_t)(uintptr_t)sym_probe_target, bias = self_bias(), at;
	const char *module;
	uint32_t l1, l2, l3, l4;
	struct sym_result r;

	ck_assert_uint_eq(sym_maps_begin(s), 1);
	l1 = 1;
	sym_maps_add_module(s, "/proc/self/exe", NULL, 0, bias, fp - 64, fp + 64);
	l2 = sym_maps_begin(s);
	sym_maps_add_module(s, "/proc/self/exe", NULL, 0, bias, fp - 64, fp + 64);
	l3 = sym_maps_begin(s);
	sym_maps_add_module(s, "/nonexistent/libother.so", NULL, 0, bias - 4096, fp - 64, fp + 64);
	l4 = sym_maps_begin(s);	/* empty: everything unloaded */

	r = sym_maps_lookup_in(s, fp, l1, &module, &at);
	ck_assert_str_eq(outer_function(r), "sym_probe_target");
	ck_assert_str_eq(module, "/proc/self/exe");
	ck_assert_uint_eq(at, fp - bias);
	r = sym_maps_lookup_in(s, fp, l2, &module, NULL);
	ck_assert_str_eq(outer_function(r), "sym_probe_target");
	r = sym_maps_lookup_in(s, fp, l3, &module, &at);
	ck_assert_uint_eq(r.count, 0);
	ck_assert_str_eq(module, "/nonexistent/libother.so");
	ck_assert_uint_eq(at, fp - bias + 4096);
	r = sym_maps_lookup_in(s, fp, 0, &module, NULL);	/* before the first list */
	ck_assert_str_eq(module, "/proc/self/exe");
	r = sym_maps_lookup_in(s, fp, l4, &module, NULL);	/* after the last */
	ck_assert_str_eq(module, "/nonexistent/libother.so");
	r = sym_maps_lookup_in(s, fp + 64, l1, &module, NULL);
	ck_assert_uint_eq(r.count, 0);
	ck_assert_ptr_null(module);
	/* the first module again, after the other: its own answer again */
	sym_maps_begin(s);
	sym_maps_add_module(s, "/proc/self/exe", NULL, 0, bias, fp - 64, fp + 64);
	r = sym_maps_lookup(s, fp, &module);
	ck_assert_str_eq(outer_function(r), "sym_probe_target");
	r = sym_maps_lookup_in(s, fp, l4, &module, NULL);	/* now the first later list's */
	ck_assert_str_eq(module, "/proc/self/exe");
	r = sym_maps_lookup_in(s, fp, UINT32_MAX, &module, NULL);	/* after every list */
	ck_assert_str_eq(outer_function(r), "sym_probe_target");
	ck_assert_uint_eq(sym_maps_module_count(s), 2);
	sym_maps_free(s);
}
END_TEST

/* A module whose file at its path has another build ID is not symbolized;
 * one whose file is gone is found by build ID under the debug directory. */
START_TEST(test_maps_build_id)
{
	uint8_t id[SYM_BUILD_ID_MAX], other[SYM_BUILD_ID_MAX];
	size_t len;
	uint64_t fp = (uint64_t)(uintptr_t)sym_probe_target, bias = self_bias(), at;
	char dir[] = "/tmp/heapsift-check-XXXXXX", sub[64], link[256], exe[PATH_MAX];
	char hex[2 * SYM_BUILD_ID_MAX + 1] = "";
	struct sym_maps *s;
	struct sym_map_info info;
	const char *module;
	struct sym_result r;
	ssize_t n;

	self_build_id(id, &len);
	memcpy(other, id, len);
	other[len - 1] ^= 0xff;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sub, sizeof sub, "%s/.build-id", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof sub, "%s/.build-id/%02x", dir, id[0]);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	for (size_t i = 1; i < len; i++)
		sprintf(hex + 2 * (i - 1), "%02x", id[i]);
	snprintf(link, sizeof link, "%s/%s", sub, hex);
	ck_assert_int_eq(symlink(exe, link), 0);

	s = sym_maps_new(&(struct sym_options){ dir, false });
	sym_maps_begin(s);
	sym_maps_add_module(s, exe, id, len, bias, fp - 64, fp + 64);
	sym_maps_begin(s);
	sym_maps_add_module(s, exe, other, len, bias, fp - 64, fp + 64);
	sym_maps_begin(s);
	sym_maps_add_module(s, "/nonexistent/heapsift-rebuilt", id, len, bias, fp - 64, fp + 64);

	/* the right build ID: the file itself */
	r = sym_maps_lookup_in(s, fp, 1, &module, NULL);
	ck_assert_str_eq(outer_function(r), "sym_probe_target");
	sym_maps_module_info(s, 0, &info);
	ck_assert_int_eq(info.state, SYM_MAP_FILE);
	ck_assert_str_eq(info.file, exe);
	/* another: not this file, and none with it under dir */
	r = sym_maps_lookup_in(s, fp, 2, &module, &at);
	ck_assert_uint_eq(r.count, 0);
	ck_assert_str_eq(module, exe);
	ck_assert_uint_eq(at, fp - bias);
	sym_maps_module_info(s, 1, &info);
	ck_assert_int_eq(info.state, SYM_MAP_CHANGED);
	ck_assert_ptr_null(info.file);
	ck_assert_uint_eq(info.build_id_len, len);
	/* gone from its path: found by build ID */
	sym_maps_module_info(s, 2, &info);
	ck_assert_int_eq(info.state, SYM_MAP_UNTRIED);
	sym_maps_touch(s, fp, 3);
	sym_maps_module_info(s, 2, &info);
	ck_assert_int_eq(info.state, SYM_MAP_BUILD_ID);
	ck_assert_str_eq(info.file, link);
	r = sym_maps_lookup_in(s, fp, 3, &module, NULL);
	ck_assert_str_eq(outer_function(r), "sym_probe_target");
	ck_assert_str_eq(module, "/nonexistent/heapsift-rebuilt");
	sym_maps_free(s);

	unlink(link);
	rmdir(sub);
	snprintf(sub, sizeof sub, "%s/.build-id", dir);
	rmdir(sub);
	rmdir(dir);
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
	tcase_add_test(tc, test_maps_lists);
	tcase_add_test(tc, test_maps_build_id);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}
