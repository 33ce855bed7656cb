/* hprof edge types and names: the heap keeps only the targets, and the
 * names come back from the classes' fields and the skipped counts
 * (struct ecodec in hprof.c).  Each dump is loaded twice, once with every
 * node's edges listed as they are (hprof_edges_listed), and every edge's
 * type and name must agree; a made dump also checks the names themselves
 * where the encoding has its corners: runs of nulls in an array around the
 * side table's limit and long ones, two classes of one name with other
 * fields, a thread with local roots.
 *
 * String labels: a plain file's are read from it when shown (lazy_make in
 * hprof.c), a compressed one's while loading; both must agree, node for
 * node, on the JDK fixture and on a made dump of Strings around the
 * corners of the lazy reader (blocks of 64 nodes, heap dump segments, a
 * duplicate id, class dumps and roots between objects). */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "heapsift/analyze.h"
#include "heapsift/io.h"
#include "heapsift/load.h"
#include "heapsift/view.h"
#include "heapsift/xalloc.h"

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void
put(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	XGROW(b->p, b->cap, b->len + n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void
u1(struct buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(b, &x, 1);
}

static void
u2(struct buf *b, unsigned v)
{
	u1(b, v >> 8);
	u1(b, v);
}

static void
u4(struct buf *b, uint32_t v)
{
	u2(b, v >> 16);
	u2(b, v & 0xffff);
}

static void
id8(struct buf *b, uint64_t v)
{
	u4(b, (uint32_t)(v >> 32));
	u4(b, (uint32_t)v);
}

/* A top-level record around body. */
static void
rec(struct buf *b, unsigned tag, const struct buf *body)
{
	u1(b, tag);
	u4(b, 0);
	u4(b, (uint32_t)body->len);
	put(b, body->p, body->len);
}

static void
string(struct buf *b, uint64_t sid, const char *s)
{
	struct buf r = { 0 };
	id8(&r, sid);
	put(&r, s, strlen(s));
	rec(b, 0x01, &r);
	free(r.p);
}

static void
load_class(struct buf *b, uint32_t serial, uint64_t cid, uint64_t name)
{
	struct buf r = { 0 };
	u4(&r, serial);
	id8(&r, cid);
	u4(&r, 0);
	id8(&r, name);
	rec(b, 0x02, &r);
	free(r.p);
}

/* A class with object fields named by string ids (0-terminated), and one
 * static object field when stat is set. */
static void
class_dump(struct buf *h, uint64_t cid, const uint64_t *fields, uint64_t stat_name,
           uint64_t stat_val)
{
	unsigned n = 0;
	u1(h, 0x20);
	id8(h, cid);
	u4(h, 0);
	for (int i = 0; i < 6; i++)
		id8(h, 0);	/* super, loader, signers, domain, reserved */
	u4(h, 0);
	u2(h, 0);
	u2(h, stat_name ? 1 : 0);
	if (stat_name) {
		id8(h, stat_name);
		u1(h, 2);
		id8(h, stat_val);
	}
	while (fields[n])
		n++;
	u2(h, n);
	for (unsigned i = 0; i < n; i++) {
		id8(h, fields[i]);
		u1(h, 2);
	}
}

static void
instance(struct buf *h, uint64_t oid, uint64_t cid, const uint64_t *vals, unsigned n)
{
	u1(h, 0x21);
	id8(h, oid);
	u4(h, 0);
	id8(h, cid);
	u4(h, n * 8);
	for (unsigned i = 0; i < n; i++)
		id8(h, vals[i]);
}

/* b with the heap dump segment h (freed) and a HEAP DUMP END after it. */
static struct buf
end_dump(struct buf *b, struct buf *h)
{
	rec(b, 0x1C, h);
	h->len = 0;
	rec(b, 0x2C, h);
	free(h->p);
	return *b;
}

/* A dump's header (JAVA PROFILE 1.0.2, 8-byte ids) and a STRING record
 * for each of names[1, n), with its index as its id. */
static void
dump_start(struct buf *b, const char *const *names, unsigned n)
{
	const char head[] = "JAVA PROFILE 1.0.2";
	put(b, head, sizeof head);
	u4(b, 8);
	id8(b, 0);
	for (unsigned i = 1; i < n; i++)
		string(b, i, names[i]);
}

/* The made dump: see the file's comment. */
static struct buf
made_dump(void)
{
	struct buf b = { 0 }, h = { 0 };
	const char head[] = "JAVA PROFILE 1.0.2";
	static const uint64_t dup1[] = { 2, 3, 0 }, dup2[] = { 4, 0 }, dup3[] = { 2, 3, 0 },
	                      holder[] = { 2, 3, 4, 0 }, thread[] = { 2, 0 };

	put(&b, head, sizeof head);
	u4(&b, 8);
	id8(&b, 0);
	string(&b, 1, "Dup");
	string(&b, 2, "a");
	string(&b, 3, "b");
	string(&b, 4, "c");
	string(&b, 5, "Holder");
	string(&b, 6, "T");
	string(&b, 7, "s");
	string(&b, 8, "Same");
	load_class(&b, 1, 0x100, 1);
	load_class(&b, 2, 0x110, 1);
	load_class(&b, 3, 0x120, 5);
	load_class(&b, 4, 0x130, 6);
	load_class(&b, 5, 0x140, 8);
	load_class(&b, 6, 0x150, 8);

	class_dump(&h, 0x100, dup1, 0, 0);	/* Dup {a, b} */
	class_dump(&h, 0x110, dup2, 0, 0);	/* Dup {c}: other fields */
	class_dump(&h, 0x120, holder, 7, 0x2000);	/* Holder {a, b, c}, static s */
	class_dump(&h, 0x130, thread, 0, 0);	/* T {a} */
	class_dump(&h, 0x140, dup3, 0, 0);	/* Same {a, b} twice: not shared */
	class_dump(&h, 0x150, dup3, 0, 0);
	u1(&h, 0x05);	/* sticky class */
	id8(&h, 0x120);
	u1(&h, 0x01);	/* JNI global */
	id8(&h, 0x2000);
	id8(&h, 0x9999);
	u1(&h, 0x08);	/* thread object, serial 1 */
	id8(&h, 0x1018);
	u4(&h, 1);
	u4(&h, 0);
	u1(&h, 0x03);	/* java frame of thread 1 */
	id8(&h, 0x1010);
	u4(&h, 1);
	u4(&h, 0);
	instance(&h, 0x1000, 0x100, (uint64_t[]){ 0x1010, 0 }, 2);
	instance(&h, 0x1008, 0x110, (uint64_t[]){ 0x1010 }, 1);
	instance(&h, 0x1010, 0x120, (uint64_t[]){ 0, 0x1000, 0x1008 }, 3);
	instance(&h, 0x1018, 0x130, (uint64_t[]){ 0x1000 }, 1);
	instance(&h, 0x1020, 0x140, (uint64_t[]){ 0, 0x1028 }, 2);
	instance(&h, 0x1028, 0x150, (uint64_t[]){ 0x1020, 0x1777 }, 2);	/* absent id */
	/* Object[70000]: elements 0, 1, 16, 32, 300, 69999 (gaps 0, 0, 14,
	 * 15, 267, 69698: the last three in the side table) */
	u1(&h, 0x22);
	id8(&h, 0x2000);
	u4(&h, 0);
	u4(&h, 70000);
	id8(&h, 0);
	for (uint32_t i = 0; i < 70000; i++)
		id8(&h, i == 0 ? 0x1000 : i == 1 ? 0x1008 : i == 16 ? 0x1020 : i == 32 ? 0x1028 :
		        i == 300 ? 0x1010 : i == 69999 ? 0x1018 : 0);
	return end_dump(&b, &h);
}

static struct heap *
load_both(const char *name, const void *data, size_t size, int listed)
{
	struct model m;
	struct hs_error err;
	int r;

	hprof_edges_listed = listed;
	error_clear(&err);
	if (data)
		r = load_mem(name, data, size, "hprof", NULL, &m, &err);
	else
		r = load_file(name, NULL, NULL, &m, &err);
	hprof_edges_listed = 0;
	ck_assert_msg(r == HS_OK, "%s: %s", name, err.msg);
	return m.heap;
}

/* Every edge's type and name agree, walking the nodes in order and again
 * out of order (each node's are made when asked). */
static void
same_edges(const struct heap *a, const struct heap *b)
{
	ck_assert_uint_eq(a->edge_count, b->edge_count);
	ck_assert_ptr_null(a->edge_type);
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t k = 0; k < a->edge_count; k++) {
			uint32_t e = pass == 0 ? k : (uint32_t)(((uint64_t)k * 7919) % a->edge_count);
			char x[256], y[256];
			ck_assert_uint_eq(heap_edge_to(a, e), heap_edge_to(b, e));
			ck_assert_uint_eq(heap_edge_type(a, e), heap_edge_type(b, e));
			ck_assert_uint_eq(heap_edge_name_id(a, e), heap_edge_name_id(b, e));
			heap_edge_label(a, e, x, sizeof x);
			heap_edge_label(b, e, y, sizeof y);
			ck_assert_str_eq(x, y);
		}
}

/* The labels of node id's edges, space-separated. */
static void
labels_of(struct heap *h, uint64_t id, char *out, size_t size)
{
	uint32_t n = heap_find_id(h, id);
	size_t len = 0;

	out[0] = '\0';
	ck_assert_uint_ne(n, HEAP_NONE);
	for (uint32_t e = heap_first_edge(h, n), e_end = heap_first_edge(h, n + 1); e < e_end; e++) {
		char l[256];
		heap_edge_label(h, e, l, sizeof l);
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", l);
	}
}

START_TEST(test_made_dump)
{
	struct buf d = made_dump();
	struct heap *a = load_both("made.hprof", d.p, d.len, 0);
	struct heap *b = load_both("made.hprof", d.p, d.len, 1);
	char s[512];

	same_edges(a, b);
	labels_of(a, 0x2000, s, sizeof s);
	ck_assert_str_eq(s, "[0] [1] [16] [32] [300] [69999]");
	labels_of(a, 0x1010, s, sizeof s);
	ck_assert_str_eq(s, ".b .c");
	labels_of(a, 0x1000, s, sizeof s);
	ck_assert_str_eq(s, ".a");
	labels_of(a, 0x1008, s, sizeof s);
	ck_assert_str_eq(s, ".c");
	labels_of(a, 0x1020, s, sizeof s);
	ck_assert_str_eq(s, ".b");
	labels_of(a, 0x1028, s, sizeof s);
	ck_assert_str_eq(s, ".a");
	labels_of(a, 0x120, s, sizeof s);
	ck_assert_str_eq(s, ".s");
	/* the thread: its field, then its local root */
	labels_of(a, 0x1018, s, sizeof s);
	ck_assert_ptr_nonnull(strstr(s, ".a {"));
	heap_free(a);
	heap_free(b);
	free(d.p);
}
END_TEST

START_TEST(test_jdk_dump)
{
	const char *path = test_data("hprof/leak.hprof.gz");
	struct heap *a = load_both(path, NULL, 0, 0);
	struct heap *b = load_both(path, NULL, 0, 1);

	ck_assert_uint_gt(a->edge_count, 1000);
	same_edges(a, b);
	heap_free(a);
	heap_free(b);
}
END_TEST

/* --- String labels --------------------------------------------------------- */

/* A dump of n Strings (class java.lang.String {value, coder, hash}),
 * String i at 0x100000 + 16 i with value "v<i>" (UTF-16 when i % 5 == 1),
 * its byte[] at 0x800000 + 16 i, before or after it; in two heap dump
 * segments, some arrays in the other segment; a second record of String 3's
 * id (with another value: the first wins); a class dump with a constant
 * pool and a static, and roots, between objects; String 7's value an int[],
 * String 9's null, String 11's absent. */
static struct buf
strings_dump(uint32_t n)
{
	struct buf b = { 0 }, h = { 0 };
	const char head[] = "JAVA PROFILE 1.0.2";
	const uint64_t sc = 0x500, other = 0x510;

	put(&b, head, sizeof head);
	u4(&b, 8);
	id8(&b, 0);
	string(&b, 1, "java/lang/String");
	string(&b, 2, "value");
	string(&b, 3, "coder");
	string(&b, 4, "hash");
	string(&b, 5, "Other");
	load_class(&b, 1, sc, 1);
	load_class(&b, 2, other, 5);
	/* java.lang.String {value, coder, hash} */
	u1(&h, 0x20);
	id8(&h, sc);
	u4(&h, 0);
	for (int i = 0; i < 6; i++)
		id8(&h, 0);
	u4(&h, 24);
	u2(&h, 0);
	u2(&h, 0);
	u2(&h, 3);
	id8(&h, 2);
	u1(&h, 2);
	id8(&h, 3);
	u1(&h, 8);
	id8(&h, 4);
	u1(&h, 10);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t sid = 0x100000 + 16 * (uint64_t)i, aid = 0x800000 + 16 * (uint64_t)i;
		char v[16];
		int len = snprintf(v, sizeof v, "v%u", i);
		bool utf16 = i % 5 == 1;
		if (i == n / 2) {
			/* the next segment; the class in the middle of it */
			rec(&b, 0x1C, &h);
			free(h.p);
			h = (struct buf){ 0 };
			u1(&h, 0x05);	/* sticky class */
			id8(&h, sc);
		}
		if (i == n / 2 + 3) {
			/* class Other: two constants, a static int */
			u1(&h, 0x20);
			id8(&h, other);
			u4(&h, 0);
			for (int k = 0; k < 6; k++)
				id8(&h, 0);
			u4(&h, 0);
			u2(&h, 2);
			u2(&h, 0);
			u1(&h, 10);
			u4(&h, 7);
			u2(&h, 1);
			u1(&h, 11);
			id8(&h, 8);
			u2(&h, 1);
			id8(&h, 4);
			u1(&h, 10);
			u4(&h, 42);
			u2(&h, 0);
			u1(&h, 0x01);	/* JNI global */
			id8(&h, sid);
			id8(&h, 0x77);
		}
		/* the String */
		u1(&h, 0x21);
		id8(&h, sid);
		u4(&h, 0);
		id8(&h, sc);
		u4(&h, 13);
		id8(&h, i == 9 ? 0 : i == 11 ? 0x999990 : aid);
		u1(&h, utf16);
		u4(&h, i);
		if (i == 3) {
			/* the same id again: ignored */
			u1(&h, 0x21);
			id8(&h, sid);
			u4(&h, 0);
			id8(&h, sc);
			u4(&h, 13);
			id8(&h, 0x800000 + 16 * (uint64_t)(i + 1));
			u1(&h, 0);
			u4(&h, 0);
		}
		/* its value: after it, or at the end for every fourth */
		if (i % 4 == 0 && i != 7)
			continue;
		u1(&h, 0x23);
		id8(&h, aid);
		u4(&h, 0);
		if (i == 7) {
			u4(&h, 1);
			u1(&h, 10);
			u4(&h, 7);
			continue;
		}
		u4(&h, utf16 ? 2 * (uint32_t)len : (uint32_t)len);
		u1(&h, 8);
		for (int k = 0; k < len; k++) {
			u1(&h, (unsigned char)v[k]);
			if (utf16)
				u1(&h, 0);	/* little-endian, as x86's JDK writes them */
		}
	}
	rec(&b, 0x1C, &h);
	free(h.p);
	h = (struct buf){ 0 };
	for (uint32_t i = 0; i < n; i += 4) {
		char v[16];
		int len = snprintf(v, sizeof v, "v%u", i);
		u1(&h, 0x23);
		id8(&h, 0x800000 + 16 * (uint64_t)i);
		u4(&h, 0);
		u4(&h, (uint32_t)len);
		u1(&h, 8);
		put(&h, v, (size_t)len);
	}
	return end_dump(&b, &h);
}

static char *
write_temp(const void *data, size_t size)
{
	char *path = xstrdup("/tmp/heapsift-check-hprof-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
	close(fd);
	return path;
}

/* Every node shows the same name in both heaps, asked in node order and
 * again out of order; returns how many are String labels. */
static uint32_t
same_names(const struct heap *a, const struct heap *b)
{
	uint32_t quoted = 0;

	ck_assert_uint_eq(a->node_count, b->node_count);
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t k = 0; k < a->node_count; k++) {
			uint32_t v = pass == 0 ? k : (uint32_t)(((uint64_t)k * 7919) % a->node_count);
			char x[256], y[256];
			heap_display_name(a, v, x, sizeof x);
			heap_display_name(b, v, y, sizeof y);
			ck_assert_msg(strcmp(x, y) == 0, "node %u: %s against %s", v, x, y);
			quoted += pass == 0 && x[0] == '"';
		}
	return quoted;
}

static const char *
name_of(struct heap *h, uint64_t id, char *buf, size_t size)
{
	uint32_t v = heap_find_id(h, id);
	ck_assert_uint_ne(v, HEAP_NONE);
	heap_display_name(h, v, buf, size);
	return buf;
}

START_TEST(test_made_strings)
{
	const uint32_t n = 300;
	struct buf d = strings_dump(n);
	char *path = write_temp(d.p, d.len), x[256];
	struct heap *mem = load_both("strings.hprof", d.p, d.len, 0);
	struct heap *file = load_both(path, NULL, 0, 0);

	ck_assert_ptr_null(mem->lazy);
	ck_assert_ptr_nonnull(file->lazy);
	/* all but the int[], the null and the absent value */
	ck_assert_uint_eq(same_names(mem, file), n - 3);
	ck_assert_str_eq(name_of(file, 0x100000 + 16 * 5, x, sizeof x), "\"v5\"");
	ck_assert_str_eq(name_of(file, 0x100000 + 16 * 6, x, sizeof x), "\"v6\"");	/* UTF-16 */
	ck_assert_str_eq(name_of(file, 0x100000 + 16 * 3, x, sizeof x), "\"v3\"");
	ck_assert_str_eq(name_of(file, 0x100000 + 16 * 299, x, sizeof x), "\"v299\"");
	ck_assert_str_eq(name_of(file, 0x100000 + 16 * 7, x, sizeof x), "java.lang.String");

	/* the file changed: garbage, then cut short; names, never a crash */
	for (int k = 0; k < 2; k++) {
		FILE *f = fopen(path, "r+");
		ck_assert_ptr_nonnull(f);
		if (k == 0) {
			for (size_t i = 300; i < d.len; i += 7) {
				fseek(f, (long)i, SEEK_SET);
				fputc((int)(i * 31 % 251), f);
			}
		} else {
			ck_assert_int_eq(ftruncate(fileno(f), (off_t)(d.len / 2)), 0);
		}
		fclose(f);
		for (uint32_t v = 0; v < file->node_count; v++)
			heap_display_name(file, v, x, sizeof x);
	}
	heap_free(mem);
	heap_free(file);
	unlink(path);
	free(path);
	free(d.p);
}
END_TEST

/* Values (lazy_values in hprof.c): a made dump whose objects hold every
 * primitive type, read back from the file as Java prints them. */
struct tfield {
	uint64_t name;
	uint8_t type;
	uint64_t bits;		/* a static's value, big-endian in its size */
};

static unsigned
tsize(uint8_t t)
{
	static const unsigned sz[12] = { 0, 0, 8, 0, 1, 2, 4, 8, 1, 2, 4, 8 };
	return t < 12 ? sz[t] : 0;
}

static void
uN(struct buf *b, uint64_t v, unsigned n)
{
	while (n--)
		u1(b, (unsigned)(v >> (8 * n)));
}

static void
typed_class(struct buf *h, uint64_t cid, uint64_t super, const struct tfield *f, unsigned nf,
            const struct tfield *st, unsigned ns)
{
	u1(h, 0x20);
	id8(h, cid);
	u4(h, 0);
	id8(h, super);
	for (int i = 0; i < 5; i++)
		id8(h, 0);	/* loader, signers, domain, reserved */
	u4(h, 0);
	u2(h, 0);
	u2(h, ns);
	for (unsigned i = 0; i < ns; i++) {
		id8(h, st[i].name);
		u1(h, st[i].type);
		uN(h, st[i].bits, tsize(st[i].type));
	}
	u2(h, nf);
	for (unsigned i = 0; i < nf; i++) {
		id8(h, f[i].name);
		u1(h, f[i].type);
	}
}

static uint64_t
fbits(float f)
{
	uint32_t w;
	memcpy(&w, &f, sizeof w);
	return w;
}

static uint64_t
dbits(double d)
{
	uint64_t w;
	memcpy(&w, &d, sizeof w);
	return w;
}

/* An instance of Prim (by, s, i, l, f, d, r) extends Base (b, c): its
 * field data, Prim's first. */
static void
prim_instance(struct buf *h, uint64_t oid, int8_t by, int16_t sh, int32_t in, int64_t lo, float f,
              double d, uint64_t r, uint8_t b, uint16_t c)
{
	u1(h, 0x21);
	id8(h, oid);
	u4(h, 0);
	id8(h, 0x310);
	u4(h, 1 + 2 + 4 + 8 + 4 + 8 + 8 + 1 + 2);
	u1(h, (uint8_t)by);
	u2(h, (uint16_t)sh);
	u4(h, (uint32_t)in);
	uN(h, (uint64_t)lo, 8);
	u4(h, (uint32_t)fbits(f));
	uN(h, dbits(d), 8);
	id8(h, r);
	u1(h, b);
	u2(h, c);
}

static struct buf
values_dump(void)
{
	struct buf b = { 0 }, h = { 0 };
	static const char *const names[] = {
		NULL, "Base", "Prim", "b", "c", "by", "s", "i", "l", "f", "d", "r",
		"sf", "sd", "sc", "sl", "sref", "sn",
	};
	static const struct tfield base[] = { { 3, 4, 0 }, { 4, 5, 0 } };
	static const struct tfield prim[] = {
		{ 5, 8, 0 }, { 6, 9, 0 }, { 7, 10, 0 }, { 8, 11, 0 }, { 9, 6, 0 }, { 10, 7, 0 }, { 11, 2, 0 },
	};
	struct tfield st[] = {
		{ 12, 6, 0 }, { 13, 7, 0 }, { 14, 5, '\n' }, { 15, 11, 1ULL << 63 }, { 16, 2, 0x1000 },
		{ 17, 2, 0 },
	};

	st[0].bits = fbits(NAN);
	st[1].bits = dbits(-INFINITY);
	dump_start(&b, names, sizeof names / sizeof names[0]);
	load_class(&b, 1, 0x300, 1);
	load_class(&b, 2, 0x310, 2);
	typed_class(&h, 0x300, 0, base, 2, NULL, 0);
	typed_class(&h, 0x310, 0x300, prim, 7, st, 6);
	u1(&h, 0x05);	/* sticky class */
	id8(&h, 0x310);
	/* r: null, an id not in the dump, an object's (an edge, no value) */
	prim_instance(&h, 0x1000, -1, -32768, 2147483647, INT64_MIN, 0.1f, 1e10, 0, 1, 0xE9);
	prim_instance(&h, 0x1040, 7, 300, -5, 42, 1.0f, 0.1, 0x9999, 0, '\'');
	prim_instance(&h, 0x1080, 0, 0, 0, 0, 1e7f, 0.001, 0x1000, 2, 0xD800);
	prim_instance(&h, 0x10C0, 0, 0, 0, 0, -0.0f, 1.0e-4, 0, 0, 'x');
	/* int[3], boolean[2], double[2], byte[2000], an int[1000] without data */
	u1(&h, 0x23); id8(&h, 0x2000); u4(&h, 0); u4(&h, 3); u1(&h, 10);
	u4(&h, 1); u4(&h, (uint32_t)-2); u4(&h, 3);
	u1(&h, 0x23); id8(&h, 0x2010); u4(&h, 0); u4(&h, 2); u1(&h, 4);
	u1(&h, 0); u1(&h, 1);
	u1(&h, 0x23); id8(&h, 0x2020); u4(&h, 0); u4(&h, 2); u1(&h, 7);
	uN(&h, dbits(123456789.0), 8); uN(&h, dbits(-2.5e-300), 8);
	u1(&h, 0x23); id8(&h, 0x2040); u4(&h, 0); u4(&h, 2000); u1(&h, 8);
	for (unsigned i = 0; i < 2000; i++)
		u1(&h, i & 0xff);
	u1(&h, 0xC3); id8(&h, 0x3000); u4(&h, 0); u4(&h, 1000); u1(&h, 10);
	/* subnormals: Java writes the closest of two digits, not d.0 */
	u1(&h, 0x23); id8(&h, 0x3010); u4(&h, 0); u4(&h, 2); u1(&h, 6);
	u4(&h, 1); u4(&h, 2);	/* Float.MIN_VALUE, twice it */
	u1(&h, 0x23); id8(&h, 0x3020); u4(&h, 0); u4(&h, 1); u1(&h, 7);
	uN(&h, 1, 8);		/* Double.MIN_VALUE */
	return end_dump(&b, &h);
}

/* Node id's values as "name=text:type ...", the first max of them. */
static const char *
values_of(struct heap *h, uint64_t id, uint32_t max, char *out, size_t size)
{
	uint32_t n = heap_find_id(h, id), count, k;
	struct heap_value v[16];
	size_t len = 0;

	ck_assert_uint_ne(n, HEAP_NONE);
	out[0] = '\0';
	count = heap_node_values(h, n, 0, NULL, 0);
	len += (size_t)snprintf(out, size, "%" PRIu32 ":", count);
	for (k = 0; k < count && k < max; k++) {
		ck_assert_uint_eq(heap_node_values(h, n, k, v, 1), count);
		if (v[0].name == HEAP_NONE)
			len += (size_t)snprintf(out + len, size - len, " [%" PRIu32 "]=", v[0].index);
		else
			len += (size_t)snprintf(out + len, size - len, " %s=", heap_str(h, v[0].name));
		len += (size_t)snprintf(out + len, size - len, "%s:%s", v[0].text, v[0].type);
	}
	return out;
}

/* The inspector's rows of node id, as "edge edge ...", in the view's
 * order (its index, ascending); each row's index is its place. */
static const char *
inspect_order(struct heap *h, uint64_t id, char *out, size_t size)
{
	struct view *v = view_new(&view_inspect, h);
	struct vrows rows = { 0 };
	struct cell c;
	size_t len = 0;
	int ic = view_col_find(v, "index"), ec = view_col_find(v, "edge");

	v->subject = heap_find_id(h, id);
	view_children(v, NULL, ic, false, &rows);
	out[0] = '\0';
	for (size_t i = 0; i < rows.n; i++) {
		view_cell(v, &rows.v[i], (size_t)ic, &c);
		ck_assert_uint_eq(c.u, i);
		view_cell(v, &rows.v[i], (size_t)ec, &c);
		len += (size_t)snprintf(out + len, size - len, "%s%.*s", i ? " " : "", (int)c.len, c.s);
	}
	vrows_free(&rows);
	view_free(v);
	return out;
}

/* Classes HotSpot injects a reference field into (ResolvedMethodName's
 * vmholder, StackTraceElement's declaringClassObject): the field counts in
 * the size, but it is not in the dump, so no edge comes of it.  (The edges
 * were once read from the next class's fields: here the id of the object
 * after the instance, an edge that is not there.) */
START_TEST(test_injected_refs)
{
	struct buf b = { 0 }, h = { 0 };
	static const char *const names[] = {
		NULL, "java.lang.invoke.ResolvedMethodName", "java.lang.StackTraceElement", "B", "b", "f",
		"methodName",
	};
	static const struct tfield bf[] = { { 4, 8, 0 }, { 5, 2, 0 } };	/* byte b; Object f */
	static const struct tfield sf[] = { { 6, 2, 0 } };	/* String methodName */
	struct heap *hp;
	uint32_t n;

	dump_start(&b, names, sizeof names / sizeof names[0]);
	load_class(&b, 1, 0x100, 1);
	load_class(&b, 2, 0x200, 2);
	load_class(&b, 3, 0x180, 3);
	/* B's fields next after ResolvedMethodName's (none) */
	typed_class(&h, 0x100, 0, NULL, 0, NULL, 0);
	typed_class(&h, 0x180, 0, bf, 2, NULL, 0);
	typed_class(&h, 0x200, 0, sf, 1, NULL, 0);
	/* a ResolvedMethodName, then a B whose id sits where B's f would be */
	u1(&h, 0x21); id8(&h, 0x1000); u4(&h, 0); id8(&h, 0x100); u4(&h, 0);
	u1(&h, 0x21); id8(&h, 0x1010); u4(&h, 0); id8(&h, 0x180); u4(&h, 9);
	u1(&h, 0); id8(&h, 0);
	/* a StackTraceElement without a method name, then an object (the ids
	 * a HotSpot heap of the default layout would give them) */
	u1(&h, 0x21); id8(&h, 0x1028); u4(&h, 0); id8(&h, 0x200); u4(&h, 8);
	id8(&h, 0);
	u1(&h, 0x21); id8(&h, 0x1040); u4(&h, 0); id8(&h, 0x180); u4(&h, 9);
	u1(&h, 0); id8(&h, 0);
	for (unsigned i = 0; i < 3; i++) {
		u1(&h, 0x05);	/* sticky class */
		id8(&h, 0x100 + 0x80 * i);
	}
	b = end_dump(&b, &h);
	hp = load_both("injected.hprof", b.p, b.len, 0);
	n = heap_find_id(hp, 0x1000);
	ck_assert_uint_ne(n, HEAP_NONE);
	ck_assert_uint_eq(heap_edge_count_of(hp, n), 0);
	ck_assert_uint_eq(heap_node_self(hp, n), 24);	/* 12 + vmtarget's 8 + vmholder's 4 */
	n = heap_find_id(hp, 0x1028);
	ck_assert_uint_ne(n, HEAP_NONE);
	ck_assert_uint_eq(heap_edge_count_of(hp, n), 0);
	ck_assert_uint_eq(heap_node_self(hp, n), 24);	/* 12 + 4 + the injected 4 */
	heap_free(hp);
	free(b.p);
}
END_TEST

/* JDK 17's @Contended classes laid out with their 128-byte pads: a made
 * dump with their fields as JDK 17.0.21 declares them (javap -p), one
 * instance each, at the addresses a compressed-oops heap gives them; the
 * sizes are jcmd GC.class_histogram's for them (tests/java/Contended.java
 * checks them live in every layout). */
START_TEST(test_contended_sizes)
{
	struct buf b = { 0 }, h = { 0 };
	static const char *const names[] = {
		NULL, "java/util/concurrent/ForkJoinPool", "java/util/concurrent/ForkJoinPool$WorkQueue",
		"java/util/concurrent/atomic/Striped64$Cell", "java/util/concurrent/Exchanger$Node",
		"keepAlive", "stealCount", "scanRover", "threadIds", "bounds", "mode", "queues",
		"registrationLock", "termination", "workerNamePrefix", "factory", "ueh", "saturate", "ctl",
		"phase", "stackPred", "config", "base", "array", "owner", "top", "source", "nsteals",
		"value", "index", "bound", "collides", "hash", "item", "match", "parked",
	};
	static const struct tfield fjp[] = {
		{ 5, 11, 0 }, { 6, 11, 0 }, { 7, 10, 0 }, { 8, 10, 0 }, { 9, 10, 0 }, { 10, 10, 0 },
		{ 11, 2, 0 }, { 12, 2, 0 }, { 13, 2, 0 }, { 14, 2, 0 }, { 15, 2, 0 }, { 16, 2, 0 },
		{ 17, 2, 0 }, { 18, 11, 0 },
	};
	static const struct tfield wq[] = {
		{ 19, 10, 0 }, { 20, 10, 0 }, { 21, 10, 0 }, { 22, 10, 0 }, { 23, 2, 0 }, { 24, 2, 0 },
		{ 25, 10, 0 }, { 26, 10, 0 }, { 27, 10, 0 },
	};
	static const struct tfield cell[] = { { 28, 11, 0 } };
	static const struct tfield node[] = {
		{ 29, 10, 0 }, { 30, 10, 0 }, { 31, 10, 0 }, { 32, 10, 0 }, { 33, 2, 0 }, { 34, 2, 0 },
		{ 35, 2, 0 },
	};
	static const struct { uint64_t cls; const struct tfield *f; unsigned nf; uint32_t size; } c[] = {
		{ 0x100, fjp, 14, 336 }, { 0x110, wq, 9, 304 }, { 0x120, cell, 1, 280 }, { 0x130, node, 7, 296 },
	};
	uint64_t at = 0x10000;
	struct heap *hp;

	dump_start(&b, names, sizeof names / sizeof names[0]);
	for (unsigned i = 0; i < 4; i++) {
		load_class(&b, i + 1, c[i].cls, i + 1);
		typed_class(&h, c[i].cls, 0, c[i].f, c[i].nf, NULL, 0);
	}
	for (unsigned k = 0; k < 3; k++)	/* three of each, one after another */
		for (unsigned i = 0; i < 4; i++) {
			unsigned bytes = 0;
			for (unsigned f = 0; f < c[i].nf; f++)
				bytes += tsize(c[i].f[f].type);
			u1(&h, 0x21); id8(&h, at); u4(&h, 0); id8(&h, c[i].cls); u4(&h, bytes);
			for (unsigned z = 0; z < bytes; z++)
				u1(&h, 0);
			at += c[i].size;
		}
	b = end_dump(&b, &h);
	hp = load_both("contended.hprof", b.p, b.len, 0);
	ck_assert_str_eq(hp->note, "compressed oops and class pointers");
	at = 0x10000;
	for (unsigned i = 0; i < 4; i++) {
		uint32_t n = heap_find_id(hp, at);
		ck_assert_uint_ne(n, HEAP_NONE);
		ck_assert_uint_eq(heap_node_self(hp, n), c[i].size);
		at += c[i].size;
	}
	heap_free(hp);
	free(b.p);

	/* JDK 19 and later (a Thread with a FieldHolder): Thread's
	 * threadLocalRandom fields no longer padded (12 + 4 + 16 = 32 bytes, not
	 * 288), and ForkJoinPool as JDK 25 declares it, its group ctl and
	 * parallelism: 360 bytes, as JDK 25's jcmd counts it */
	{
		static const char *const n25[] = {
			NULL, "java/lang/Thread", "java/util/concurrent/ForkJoinPool", "holder", "termination",
			"saturate", "factory", "ueh", "container", "workerNamePrefix", "poolName",
			"delayScheduler", "queues", "runState", "keepAlive", "config", "stealCount",
			"threadIds", "ctl", "parallelism", "threadLocalRandomSeed", "threadLocalRandomProbe",
			"threadLocalRandomSecondarySeed",
		};
		static const struct tfield thr[] = { { 3, 2, 0 }, { 20, 11, 0 }, { 21, 10, 0 }, { 22, 10, 0 } };
		static const struct tfield fjp25[] = {
			{ 4, 2, 0 }, { 5, 2, 0 }, { 6, 2, 0 }, { 7, 2, 0 }, { 8, 2, 0 }, { 9, 2, 0 },
			{ 10, 2, 0 }, { 11, 2, 0 }, { 12, 2, 0 }, { 13, 11, 0 }, { 14, 11, 0 }, { 15, 11, 0 },
			{ 16, 11, 0 }, { 17, 11, 0 }, { 18, 11, 0 }, { 19, 10, 0 },
		};
		b = (struct buf){ 0 };
		h = (struct buf){ 0 };
		dump_start(&b, n25, sizeof n25 / sizeof n25[0]);
		load_class(&b, 1, 0x100, 1);
		load_class(&b, 2, 0x110, 2);
		typed_class(&h, 0x100, 0, thr, 4, NULL, 0);
		typed_class(&h, 0x110, 0, fjp25, 16, NULL, 0);
		at = 0x10000;
		for (unsigned k = 0; k < 3; k++, at += 360) {
			u1(&h, 0x21); id8(&h, at); u4(&h, 0); id8(&h, 0x110); u4(&h, 9 * 8 + 6 * 8 + 4);
			for (unsigned z = 0; z < 9 * 8 + 6 * 8 + 4; z++)
				u1(&h, 0);
		}
		u1(&h, 0x21); id8(&h, at); u4(&h, 0); id8(&h, 0x100); u4(&h, 24);
		for (unsigned z = 0; z < 24; z++)
			u1(&h, 0);
		b = end_dump(&b, &h);
		hp = load_both("contended25.hprof", b.p, b.len, 0);
		ck_assert_uint_eq(heap_node_self(hp, heap_find_id(hp, 0x10000)), 360);
		ck_assert_uint_eq(heap_node_self(hp, heap_find_id(hp, at)), 32);
		heap_free(hp);
		free(b.p);
	}
}
END_TEST

/* Threads are named after their class and their name's value: a
 * java.lang.Thread, a subclass, one whose name is a char[] (JDK 8), and
 * threads whose name is null, not in the dump, or no String (another
 * thread); from memory (labels made while loading) and from the file
 * (made when shown). */
START_TEST(test_thread_names)
{
	struct buf b = { 0 }, h = { 0 };
	static const char *const names[] = {
		NULL, "java/lang/String", "java/lang/Thread", "MyThread", "value", "coder", "name",
		"priority", "x",
	};
	static const struct tfield str[] = { { 4, 2, 0 }, { 5, 8, 0 } };
	static const struct tfield thr[] = { { 6, 2, 0 }, { 7, 10, 0 } };
	static const struct tfield mine[] = { { 8, 10, 0 } };
	static const struct { uint64_t id, cls, name; } threads[] = {
		{ 0x3000, 0x600, 0x1000 }, { 0x3020, 0x610, 0x1010 }, { 0x3040, 0x600, 0 },
		{ 0x3060, 0x600, 0x9999 }, { 0x3080, 0x600, 0x3000 }, { 0x30a0, 0x600, 0x2100 },
	};
	static const char *const want[] = {
		"java.lang.Thread \"worker-1\"", "MyThread \"sub\"", "java.lang.Thread", "java.lang.Thread",
		"java.lang.Thread", "java.lang.Thread \"old-style\"",
	};
	char *path, x[256];
	struct heap *mem, *file;

	dump_start(&b, names, sizeof names / sizeof names[0]);
	load_class(&b, 1, 0x500, 1);
	load_class(&b, 2, 0x600, 2);
	load_class(&b, 3, 0x610, 3);
	typed_class(&h, 0x500, 0, str, 2, NULL, 0);
	typed_class(&h, 0x600, 0, thr, 2, NULL, 0);
	typed_class(&h, 0x610, 0x600, mine, 1, NULL, 0);
	for (unsigned i = 0; i < 2; i++) {
		const char *v = i ? "sub" : "worker-1";
		u1(&h, 0x21); id8(&h, 0x1000 + 0x10 * i); u4(&h, 0); id8(&h, 0x500); u4(&h, 9);
		id8(&h, 0x2000 + 0x10 * i); u1(&h, 0);
		u1(&h, 0x23); id8(&h, 0x2000 + 0x10 * i); u4(&h, 0); u4(&h, (uint32_t)strlen(v)); u1(&h, 8);
		put(&h, v, strlen(v));
	}
	/* char[] "old-style": UTF-16, big-endian as the dump writes chars */
	u1(&h, 0x23); id8(&h, 0x2100); u4(&h, 0); u4(&h, 9); u1(&h, 5);
	for (const char *c = "old-style"; *c; c++)
		u2(&h, (uint16_t)*c);
	for (unsigned i = 0; i < sizeof threads / sizeof threads[0]; i++) {
		bool sub = threads[i].cls == 0x610;
		u1(&h, 0x21); id8(&h, threads[i].id); u4(&h, 0); id8(&h, threads[i].cls);
		u4(&h, sub ? 16 : 12);
		if (sub)
			u4(&h, 1);	/* MyThread.x, then Thread's fields */
		id8(&h, threads[i].name);
		u4(&h, 5);
	}
	for (unsigned i = 0; i < 3; i++) {
		u1(&h, 0x05);	/* sticky class */
		id8(&h, (const uint64_t[]){ 0x500, 0x600, 0x610 }[i]);
	}
	b = end_dump(&b, &h);
	path = write_temp(b.p, b.len);
	mem = load_both("threads.hprof", b.p, b.len, 0);
	file = load_both(path, NULL, 0, 0);
	ck_assert_ptr_nonnull(file->lazy);
	for (unsigned i = 0; i < sizeof threads / sizeof threads[0]; i++) {
		ck_assert_str_eq(name_of(mem, threads[i].id, x, sizeof x), want[i]);
		ck_assert_str_eq(name_of(file, threads[i].id, x, sizeof x), want[i]);
	}
	ck_assert_str_eq(name_of(file, 0x1000, x, sizeof x), "\"worker-1\"");
	heap_free(mem);
	heap_free(file);
	unlink(path);
	free(path);
	free(b.p);
}
END_TEST

/* A java.lang.ref.Reference's referent: an edge typed after the kind of
 * reference, named .referent, that retains (the dominators count it, as
 * MAT does) but makes no path: distances go around it, and in the
 * retainers it comes last, with no distance.  X1 is held by a soft
 * reference (a subclass of SoftReference, its own field first) and,
 * further, by a chain of two A's; X2 by a weak reference alone. */
START_TEST(test_referents)
{
	struct buf b = { 0 }, h = { 0 };
	static const char *const names[] = {
		NULL, "java/lang/ref/Reference", "java/lang/ref/SoftReference", "MyRef",
		"java/lang/ref/WeakReference", "A", "X", "referent", "queue", "timestamp", "extra", "next",
	};
	static const struct tfield ref[] = { { 7, 2, 0 }, { 8, 2, 0 } };
	static const struct tfield soft[] = { { 9, 11, 0 } };
	static const struct tfield mine[] = { { 10, 2, 0 } };
	static const struct tfield a[] = { { 11, 2, 0 } };
	const uint64_t cls[] = { 0x100, 0x110, 0x120, 0x130, 0x140, 0x150 };
	char x[256];

	dump_start(&b, names, sizeof names / sizeof names[0]);
	for (unsigned i = 0; i < 6; i++)
		load_class(&b, i + 1, cls[i], i + 1);
	typed_class(&h, 0x100, 0, ref, 2, NULL, 0);
	typed_class(&h, 0x110, 0x100, soft, 1, NULL, 0);
	typed_class(&h, 0x120, 0x110, mine, 1, NULL, 0);
	typed_class(&h, 0x130, 0x100, NULL, 0, NULL, 0);
	typed_class(&h, 0x140, 0, a, 1, NULL, 0);
	typed_class(&h, 0x150, 0, NULL, 0, NULL, 0);
	/* r1: MyRef {extra, timestamp, referent = X1, queue} */
	u1(&h, 0x21); id8(&h, 0x1000); u4(&h, 0); id8(&h, 0x120); u4(&h, 32);
	id8(&h, 0); id8(&h, 7); id8(&h, 0x2000); id8(&h, 0);
	/* w1: WeakReference {referent = X2, queue} */
	u1(&h, 0x21); id8(&h, 0x1100); u4(&h, 0); id8(&h, 0x130); u4(&h, 16);
	id8(&h, 0x2100); id8(&h, 0);
	/* a1 -> a2 -> X1 */
	u1(&h, 0x21); id8(&h, 0x1200); u4(&h, 0); id8(&h, 0x140); u4(&h, 8); id8(&h, 0x1210);
	u1(&h, 0x21); id8(&h, 0x1210); u4(&h, 0); id8(&h, 0x140); u4(&h, 8); id8(&h, 0x2000);
	u1(&h, 0x21); id8(&h, 0x2000); u4(&h, 0); id8(&h, 0x150); u4(&h, 0);
	u1(&h, 0x21); id8(&h, 0x2100); u4(&h, 0); id8(&h, 0x150); u4(&h, 0);
	for (unsigned i = 0; i < 3; i++) {
		u1(&h, 0x01);	/* JNI global: r1, w1, a1 */
		id8(&h, (const uint64_t[]){ 0x1000, 0x1100, 0x1200 }[i]);
		id8(&h, 0x77 + i);
	}
	b = end_dump(&b, &h);
	for (int listed = 0; listed < 2; listed++) {
		struct heap *hp = load_both("referents.hprof", b.p, b.len, listed);
		struct hs_error err;
		uint32_t r1 = heap_find_id(hp, 0x1000), w1 = heap_find_id(hp, 0x1100);
		uint32_t a2 = heap_find_id(hp, 0x1210), x1 = heap_find_id(hp, 0x2000);
		uint32_t x2 = heap_find_id(hp, 0x2100);
		struct view *v;
		struct vrows rows = { 0 };
		struct cell c;

		error_clear(&err);
		ck_assert_int_eq(analyze_heap(hp, NULL, &err), HS_OK);
		labels_of(hp, 0x1000, x, sizeof x);
		ck_assert_str_eq(x, ".referent");
		labels_of(hp, 0x1100, x, sizeof x);
		ck_assert_str_eq(x, ".referent");
		ck_assert_str_eq(hp->edge_type_names[heap_edge_type(hp, heap_first_edge(hp, r1))],
		                 "soft reference");
		ck_assert_str_eq(hp->edge_type_names[heap_edge_type(hp, heap_first_edge(hp, w1))],
		                 "weak reference");
		ck_assert(heap_edge_soft(hp, heap_first_edge(hp, r1)));
		ck_assert(!heap_edge_soft(hp, heap_first_edge(hp, a2)));
		/* (GC roots) 0, JNI Global 1, a1 2, a2 3, X1 4: not 3 through r1 */
		ck_assert_int_eq(heap_node_distance(hp, x1), 4);
		ck_assert_int_lt(heap_node_distance(hp, x2), 0);
		/* X2 only: reachable through a referent alone */
		ck_assert_uint_eq(hp->referent_only_count, 1);
		ck_assert_uint_eq(hp->referent_only_bytes, heap_node_self(hp, x2));
		/* but w1 alone holds X2: it retains it */
		ck_assert_uint_eq(heap_idom(hp, x2), w1);
		ck_assert_uint_eq(heap_retained(hp, w1), heap_node_self(hp, w1) + heap_node_self(hp, x2));
		/* X1's retainers: a2 first, then r1's referent, with no distance */
		v = view_new(&view_retainers, hp);
		v->subject = x1;
		view_children(v, NULL, (size_t)view_col_find(v, "distance"), false, &rows);
		ck_assert_uint_eq(rows.n, 2);
		ck_assert_uint_eq(view_row_object(v, &rows.v[0]), a2);
		view_cell(v, &rows.v[0], (size_t)view_col_find(v, "distance"), &c);
		ck_assert(!c.empty);
		ck_assert_int_eq(c.i, 3);
		ck_assert_uint_eq(view_row_object(v, &rows.v[1]), r1);
		view_cell(v, &rows.v[1], (size_t)view_col_find(v, "distance"), &c);
		ck_assert(c.empty);
		vrows_free(&rows);
		view_free(v);
		heap_free(hp);
	}
	free(b.p);
}
END_TEST

START_TEST(test_made_values)
{
	struct buf d = values_dump();
	char *path = write_temp(d.p, d.len), x[1024];
	struct heap *mem = load_both("values.hprof", d.p, d.len, 0);
	struct heap *file = load_both(path, NULL, 0, 0);
	struct heap_value v[4];

	/* from memory (a compressed dump's case) there is no file to read */
	ck_assert_uint_eq(heap_node_values(mem, heap_find_id(mem, 0x1000), 0, v, 4), 0);
	ck_assert_str_eq(values_of(file, 0x1000, 16, x, sizeof x),
	                 "9: by=-1:byte s=-32768:short i=2147483647:int l=-9223372036854775808:long "
	                 "f=0.1:float d=1.0E10:double r=null:object b=true:boolean c='\xc3\xa9':char");
	ck_assert_str_eq(values_of(file, 0x1040, 16, x, sizeof x),
	                 "9: by=7:byte s=300:short i=-5:int l=42:long f=1.0:float d=0.1:double "
	                 "r=0x9999 (not in the dump):object b=false:boolean c='\\u0027':char");
	ck_assert_str_eq(values_of(file, 0x1080, 16, x, sizeof x),
	                 "8: by=0:byte s=0:short i=0:int l=0:long "
	                 "f=1.0E7:float d=0.001:double b=true:boolean c='\\ud800':char");
	ck_assert_str_eq(values_of(file, 0x10C0, 16, x, sizeof x),
	                 "9: by=0:byte s=0:short i=0:int l=0:long "
	                 "f=-0.0:float d=1.0E-4:double r=null:object b=false:boolean c='x':char");
	/* the statics of the class object: sref is an edge */
	ck_assert_str_eq(values_of(file, 0x310, 16, x, sizeof x),
	                 "5: sf=NaN:float sd=-Infinity:double sc='\\u000a':char sl=-9223372036854775808:long "
	                 "sn=null:object");
	ck_assert_str_eq(values_of(file, 0x300, 16, x, sizeof x), "0:");
	/* the inspector reads the fields in the class dump's order: the
	 * reference that is an edge between the values, a class's own edges
	 * before its statics */
	ck_assert_str_eq(inspect_order(file, 0x1080, x, sizeof x), ".by .s .i .l .f .d .r .b .c");
	ck_assert_str_eq(inspect_order(file, 0x1040, x, sizeof x), ".by .s .i .l .f .d .r .b .c");
	ck_assert_str_eq(inspect_order(file, 0x310, x, sizeof x), "{<super>} .sf .sd .sc .sl .sref .sn");
	ck_assert_str_eq(inspect_order(mem, 0x1080, x, sizeof x), ".r");
	ck_assert_str_eq(inspect_order(mem, 0x310, x, sizeof x), "{<super>} .sref");
	ck_assert_str_eq(values_of(file, 0x2000, 16, x, sizeof x), "3: [0]=1:int [1]=-2:int [2]=3:int");
	ck_assert_str_eq(values_of(file, 0x2010, 16, x, sizeof x), "2: [0]=false:boolean [1]=true:boolean");
	ck_assert_str_eq(values_of(file, 0x2020, 16, x, sizeof x),
	                 "2: [0]=1.23456789E8:double [1]=-2.5E-300:double");
	/* a long array: its first 1000 elements */
	ck_assert_str_eq(values_of(file, 0x2040, 2, x, sizeof x), "1000: [0]=0:byte [1]=1:byte");
	ck_assert_uint_eq(heap_node_values(file, heap_find_id(file, 0x2040), 999, v, 4), 1000);
	ck_assert_str_eq(v[0].text, "-25");	/* 999 & 0xff = 231 */
	ck_assert_str_eq(values_of(file, 0x3000, 16, x, sizeof x), "0:");
	ck_assert_str_eq(values_of(file, 0x3010, 16, x, sizeof x), "2: [0]=1.4E-45:float [1]=2.8E-45:float");
	ck_assert_str_eq(values_of(file, 0x3020, 16, x, sizeof x), "1: [0]=4.9E-324:double");

	/* the file changed: cut short, then garbage; values or none, never a crash */
	for (int k = 0; k < 2; k++) {
		FILE *f = fopen(path, "r+");
		ck_assert_ptr_nonnull(f);
		if (k == 0) {
			ck_assert_int_eq(ftruncate(fileno(f), (off_t)(d.len - 1500)), 0);
		} else {
			for (size_t i = 200; i < d.len; i += 5) {
				fseek(f, (long)i, SEEK_SET);
				fputc((int)(i * 37 % 253), f);
			}
		}
		fclose(f);
		for (uint32_t n = 0; n < file->node_count; n++) {
			uint32_t c = heap_node_values(file, n, 0, NULL, 0);
			for (uint32_t i = 0; i < c; i += 4)
				heap_node_values(file, n, i, v, 4);
		}
	}
	heap_free(mem);
	heap_free(file);
	unlink(path);
	free(path);
	free(d.p);
}
END_TEST

/* A class of 65,535 int statics: the inspector lists them all, cell by
 * cell, in time linear in them (each value read once, not once a cell). */
START_TEST(test_many_values)
{
	struct buf b = { 0 }, h = { 0 };
	const char head[] = "JAVA PROFILE 1.0.2";
	const unsigned n = 65535;
	char *path;
	struct heap *hp;
	struct view *v;
	struct vrows rows = { 0 };
	struct cell c;

	put(&b, head, sizeof head);
	u4(&b, 8);
	id8(&b, 0);
	string(&b, 1, "Many");
	string(&b, 2, "s");
	load_class(&b, 1, 0x100, 1);
	u1(&h, 0x20);
	id8(&h, 0x100);
	u4(&h, 0);
	for (int i = 0; i < 6; i++)
		id8(&h, 0);
	u4(&h, 0);
	u2(&h, 0);
	u2(&h, n);
	for (unsigned i = 0; i < n; i++) {
		id8(&h, 2);
		u1(&h, 10);
		u4(&h, i);
	}
	u2(&h, 0);
	u1(&h, 0x05);	/* sticky class */
	id8(&h, 0x100);
	b = end_dump(&b, &h);
	path = write_temp(b.p, b.len);
	hp = load_both(path, NULL, 0, 0);
	v = view_new(&view_inspect, hp);
	v->subject = heap_find_id(hp, 0x100);
	view_children(v, NULL, 0, false, &rows);
	ck_assert_uint_eq(rows.n, n);
	for (size_t i = 0; i < rows.n; i++)
		for (int col = 0; col < 5; col++)
			view_cell(v, &rows.v[i], (size_t)col, &c);
	view_cell(v, &rows.v[n - 1], (size_t)view_col_find(v, "name"), &c);
	ck_assert_int_eq(c.len, 5);
	ck_assert_int_eq(memcmp(c.s, "65534", 5), 0);
	vrows_free(&rows);
	view_free(v);
	heap_free(hp);
	unlink(path);
	free(path);
	free(b.p);
}
END_TEST

START_TEST(test_jdk_strings)
{
	const char *gz = test_data("hprof/leak.hprof.gz");
	struct io io;
	struct hs_error err;
	struct heap *mem, *file, *spilled;
	char *path;

	error_clear(&err);
	ck_assert_int_eq(io_open(&io, gz, &err), HS_OK);
	path = write_temp(io.data, io.size);
	io_close(&io);
	/* the gzip'd bytes from memory: decompressed into memory, labels
	 * made while loading; from the file: into a temporary file, read
	 * when shown as the plain file's are */
	{
		FILE *f = fopen(gz, "rb");
		static uint8_t data[4 << 20];
		size_t n;
		ck_assert_ptr_nonnull(f);
		n = fread(data, 1, sizeof data, f);
		ck_assert(feof(f));
		fclose(f);
		mem = load_both(gz, data, n, 0);
	}
	file = load_both(path, NULL, 0, 0);
	spilled = load_both(gz, NULL, 0, 0);
	ck_assert_ptr_null(mem->lazy);
	ck_assert_ptr_nonnull(file->lazy);
	ck_assert_ptr_nonnull(spilled->lazy);
	ck_assert_uint_gt(same_names(mem, file), 1000);
	ck_assert_uint_gt(same_names(mem, spilled), 1000);
	heap_free(mem);
	heap_free(file);
	heap_free(spilled);
	unlink(path);
	free(path);
}
END_TEST

/* --- pass A on two threads ------------------------------------------------- */

/* A dump in two heap dump segments, the second after the middle of the
 * file: the second holds what pass A's second thread must hand over in
 * order.  A class dumped again (other fields: the first wins), a new class,
 * a thread object whose serial and trace are new and one whose serial is
 * the first part's (the first wins), Java frame roots of both threads
 * (named from the stack traces), a sticky class, objects that point into
 * the first part and back, and an object id of the first part again. */
static struct buf
two_part_dump(void)
{
	struct buf b = { 0 }, h = { 0 }, r = { 0 };
	const char head[] = "JAVA PROFILE 1.0.2";
	static const uint64_t fa[] = { 2, 0 }, fb[] = { 2, 7, 0 };

	put(&b, head, sizeof head);
	u4(&b, 8);
	id8(&b, 0);
	string(&b, 1, "A");
	string(&b, 2, "f");
	string(&b, 3, "B");
	string(&b, 4, "run");
	string(&b, 5, "()V");
	string(&b, 6, "A.java");
	string(&b, 7, "g");
	load_class(&b, 1, 0x100, 1);
	load_class(&b, 2, 0x200, 3);
	id8(&r, 0x50);		/* STACK FRAME: A.run()V (A.java:42) */
	id8(&r, 4);
	id8(&r, 5);
	id8(&r, 6);
	u4(&r, 1);
	u4(&r, 42);
	rec(&b, 0x04, &r);
	for (uint32_t t = 1; t <= 2; t++) {	/* STACK TRACEs 7 and 8 */
		r.len = 0;
		u4(&r, 6 + t);
		u4(&r, t);
		u4(&r, 1);
		id8(&r, 0x50);
		rec(&b, 0x05, &r);
	}
	free(r.p);

	class_dump(&h, 0x100, fa, 0, 0);
	u1(&h, 0x08);		/* thread object 0x1000, serial 1, trace 7 */
	id8(&h, 0x1000);
	u4(&h, 1);
	u4(&h, 7);
	u1(&h, 0x03);		/* java frame of thread 1 */
	id8(&h, 0x1010);
	u4(&h, 1);
	u4(&h, 0);
	u1(&h, 0x01);		/* JNI global */
	id8(&h, 0x1008);
	id8(&h, 0x9999);
	instance(&h, 0x1000, 0x100, (uint64_t[]){ 0x1008 }, 1);
	instance(&h, 0x1008, 0x100, (uint64_t[]){ 0x2000 }, 1);
	instance(&h, 0x1010, 0x100, (uint64_t[]){ 0x1000 }, 1);
	for (uint32_t i = 0; i < 400; i++) {	/* byte[64]s: the first part's bulk */
		u1(&h, 0x23);
		id8(&h, 0x10000 + 16 * (uint64_t)i);
		u4(&h, 0);
		u4(&h, 64);
		u1(&h, 8);
		for (int k = 0; k < 64; k++)
			u1(&h, (unsigned)(i + k));
	}
	rec(&b, 0x1C, &h);
	h.len = 0;
	class_dump(&h, 0x200, fb, 0, 0);
	class_dump(&h, 0x100, fb, 0, 0);	/* again, other fields */
	u1(&h, 0x08);		/* thread object 0x2000, serial 2, trace 8 */
	id8(&h, 0x2000);
	u4(&h, 2);
	u4(&h, 8);
	u1(&h, 0x08);		/* serial 1 again, another object */
	id8(&h, 0x2008);
	u4(&h, 1);
	u4(&h, 8);
	u1(&h, 0x03);		/* java frames of threads 2 and 1 */
	id8(&h, 0x2008);
	u4(&h, 2);
	u4(&h, 0);
	u1(&h, 0x03);
	id8(&h, 0x1008);
	u4(&h, 1);
	u4(&h, 0);
	u1(&h, 0x05);		/* sticky class */
	id8(&h, 0x200);
	instance(&h, 0x2000, 0x200, (uint64_t[]){ 0x2008, 0x1000 }, 2);
	instance(&h, 0x2008, 0x200, (uint64_t[]){ 0, 0x2000 }, 2);
	instance(&h, 0x1008, 0x200, (uint64_t[]){ 0x2000, 0x2008 }, 2);	/* again */
	return end_dump(&b, &h);
}

/* Loads data both ways, pass A on one thread and on two (split where the
 * loader chooses): the same heap, node for node and edge for edge, or the
 * same error.  Returns where the file was split (0: it was not). */
static size_t
same_both_ways(const char *name, const void *data, size_t size, int *status)
{
	struct model m[2];
	struct hs_error err[2];
	int r[2];
	size_t split = 0;

	for (int k = 0; k < 2; k++) {
		hprof_parallel_min = k ? 0 : SIZE_MAX;
		error_clear(&err[k]);
		r[k] = load_mem(name, data, size, "hprof", NULL, &m[k], &err[k]);
		if (k)
			split = hprof_parallel_split;
		else
			ck_assert_uint_eq(hprof_parallel_split, 0);
	}
	hprof_parallel_min = (size_t)64 << 20;
	ck_assert_int_eq(r[0], r[1]);
	ck_assert_str_eq(err[0].msg, err[1].msg);
	*status = r[0];
	if (r[0] == HS_OK) {
		const struct heap *a = m[0].heap, *b = m[1].heap;
		ck_assert_uint_eq(a->node_count, b->node_count);
		ck_assert_uint_eq(a->class_count, b->class_count);
		ck_assert_uint_eq(a->root, b->root);
		for (uint32_t v = 0; v < a->node_count; v++) {
			ck_assert_uint_eq(heap_node_id(a, v), heap_node_id(b, v));
			ck_assert_uint_eq(heap_node_class(a, v), heap_node_class(b, v));
			ck_assert_uint_eq(heap_node_type(a, v), heap_node_type(b, v));
			ck_assert_str_eq(heap_node_name(a, v), heap_node_name(b, v));
			ck_assert_uint_eq(heap_node_self(a, v), heap_node_self(b, v));
			ck_assert_uint_eq(heap_first_edge(a, v), heap_first_edge(b, v));
		}
		same_edges(a, b);
		heap_free(m[0].heap);
		heap_free(m[1].heap);
	}
	return split;
}

START_TEST(test_parallel_pass_a)
{
	struct buf d = strings_dump(3000), m = made_dump();
	char *j;
	size_t jlen;
	int st;

	/* the two parts */
	{
		struct buf t = two_part_dump();
		struct model mm;
		struct hs_error err;
		char l[512];
		ck_assert_uint_gt(same_both_ways("two.hprof", t.p, t.len, &st), 0);
		ck_assert_int_eq(st, HS_OK);
		/* what the second part says, as one thread reads it */
		hprof_parallel_min = 0;
		error_clear(&err);
		ck_assert_int_eq(load_mem("two.hprof", t.p, t.len, "hprof", NULL, &mm, &err), HS_OK);
		hprof_parallel_min = (size_t)64 << 20;
		labels_of(mm.heap, 0x2000, l, sizeof l);	/* B {f, g} and its frame */
		ck_assert_str_eq(l, ".f .g {<Java Local> in A.run (A.java:42)}");
		labels_of(mm.heap, 0x1000, l, sizeof l);	/* thread 1: both frames */
		ck_assert_str_eq(l, ".f {<Java Local> in A.run (A.java:42)} {<Java Local> in A.run (A.java:42)}");
		labels_of(mm.heap, 0x1008, l, sizeof l);	/* the first 0x1008 */
		ck_assert_str_eq(l, ".f");
		heap_free(mm.heap);
		free(t.p);
	}
	/* the Strings dump: split at its second segment, of arrays only */
	ck_assert_uint_gt(same_both_ways("strings.hprof", d.p, d.len, &st), 0);
	ck_assert_int_eq(st, HS_OK);
	ck_assert_uint_eq(same_both_ways("made.hprof", m.p, m.len, &st), 0);	/* one segment */
	ck_assert_int_eq(st, HS_OK);
	/* a sub-record broken in the second part: the main thread reads it
	 * again and reports what one thread would */
	{
		size_t at = d.len - 9 - 9 - 1;	/* before HEAP DUMP END: the last String's */
		uint8_t keep = d.p[at];
		d.p[at] = 0x77;
		ck_assert_uint_gt(same_both_ways("strings.hprof", d.p, d.len, &st), 0);
		ck_assert_int_eq(st, HS_EINPUT);
		d.p[at] = keep;
	}
	/* cut short in the second part: no split (the records are not whole) */
	ck_assert_uint_eq(same_both_ways("strings.hprof", d.p, d.len - 100, &st), 0);
	ck_assert_int_eq(st, HS_EINPUT);
	/* the JDK dump */
	j = test_slurp(test_data("hprof/leak.hprof.gz"), &jlen);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_gt(same_both_ways("leak.hprof", j, jlen, &st), 0);
	ck_assert_int_eq(st, HS_OK);
	free(j);
	free(d.p);
	free(m.p);
}
END_TEST

Suite *
suite_hprof(void)
{
	Suite *s = suite_create("hprof");
	TCase *tc = tcase_create("edges");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_made_dump);
	tcase_add_test(tc, test_jdk_dump);
	tcase_add_test(tc, test_injected_refs);
	tcase_add_test(tc, test_referents);
	tcase_add_test(tc, test_contended_sizes);
	suite_add_tcase(s, tc);
	tc = tcase_create("labels");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_made_strings);
	tcase_add_test(tc, test_jdk_strings);
	tcase_add_test(tc, test_made_values);
	tcase_add_test(tc, test_thread_names);
	tcase_add_test(tc, test_many_values);
	suite_add_tcase(s, tc);
	tc = tcase_create("parallel");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_parallel_pass_a);
	suite_add_tcase(s, tc);
	return s;
}
