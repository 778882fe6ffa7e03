/* test_util.c — the shared containers: buffer, vector, (dev, inode) set,
 * page release and populating on a file mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/idset.h"
#include "util/pages.h"

static void buffer_grows_and_formats(void **state)
{
    (void)state;
    struct util_buf b = {0};
    for (int i = 0; i < 10000; i++)
        assert_int_equal(util_buf_append_byte(&b, (uint8_t)i), 0);
    assert_int_equal(b.len, 10000);
    assert_int_equal(b.data[9999], (uint8_t)9999);
    b.len = 0;
    assert_int_equal(util_buf_printf(&b, "%s-%d", "x", 42), 0);
    assert_int_equal(util_buf_printf(&b, "/%05d", 7), 0);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "x-42/00007", 10);
    int64_t off = util_buf_append_cstr(&b, "tail");
    assert_int_equal(off, 10);
    assert_string_equal((char *)b.data + off, "tail");
    util_buf_free(&b);
    assert_null(b.data);
}

static void vector_push_reserve(void **state)
{
    (void)state;
    UTIL_VEC(uint64_t) v = {0};
    for (uint64_t i = 0; i < 1000; i++)
        assert_int_equal(util_vec_push(&v, i * i), 0);
    assert_int_equal(v.n, 1000);
    assert_int_equal(v.v[999], 999ull * 999ull);
    assert_int_equal(util_vec_reserve(&v, 5000), 0);
    assert_true(v.cap >= 6000);
    util_vec_free(&v);
    assert_int_equal(v.n, 0);
}

static void idset_add_has(void **state)
{
    (void)state;
    struct util_idset s = {0};
    assert_false(util_idset_has(&s, 1, 2));
    for (uint64_t i = 0; i < 5000; i++)
        assert_int_equal(util_idset_add(&s, i, i * 7), 1);
    assert_int_equal(util_idset_add(&s, 10, 70), 0); /* already there */
    assert_true(util_idset_has(&s, 4999, 4999 * 7));
    assert_false(util_idset_has(&s, 4999, 1));
    /* (0, 0) is a valid member, not the empty-slot marker. */
    assert_true(util_idset_has(&s, 0, 0));
    assert_int_equal(s.count, 5000);
    util_idset_free(&s);
}

/* A temporary file of `len` bytes (`want`, i * mul + add), mapped; its
 * descriptor and path for the caller to close and unlink. */
struct mapped_file {
    char path[64];
    int fd;
    size_t len;
    uint8_t *want;
    const uint8_t *map;
};

static void map_test_file(struct mapped_file *m, size_t len, unsigned mul, unsigned add)
{
    snprintf(m->path, sizeof m->path, "/tmp/assay-test-pages-XXXXXX");
    m->fd = mkstemp(m->path);
    assert_true(m->fd >= 0);
    m->len = len;
    m->want = malloc(len);
    for (size_t i = 0; i < len; i++)
        m->want[i] = (uint8_t)(i * mul + add);
    assert_int_equal(write(m->fd, m->want, len), (ssize_t)len);
    m->map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, m->fd, 0);
    assert_true(m->map != MAP_FAILED);
}

static void unmap_test_file(struct mapped_file *m)
{
    munmap((void *)m->map, m->len);
    close(m->fd);
    unlink(m->path);
    free(m->want);
}

static void released_pages_read_back_the_same(void **state)
{
    (void)state;
    struct mapped_file m;
    map_test_file(&m, 1 << 20, 31, 7);
    assert_memory_equal(m.map, m.want, m.len);
    util_release_pages(m.map + 100, m.len - 200); /* unaligned ends: whole pages only */
    assert_memory_equal(m.map, m.want, m.len);
    unmap_test_file(&m);
}

/* Populating is best effort: pages past the end of a file that shrank are
 * left alone (no SIGBUS), the others read back the same. */
static void populated_pages_of_a_shrunk_file_raise_nothing(void **state)
{
    (void)state;
    struct mapped_file m;
    map_test_file(&m, 1 << 20, 13, 1);
    util_populate_pages(m.map + 100, m.len - 200);
    assert_memory_equal(m.map, m.want, m.len);
    util_release_pages(m.map, m.len);
    assert_int_equal(ftruncate(m.fd, 4096), 0);
    util_populate_pages(m.map, m.len);
    assert_memory_equal(m.map, m.want, 4096);
    unmap_test_file(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buffer_grows_and_formats),
        cmocka_unit_test(vector_push_reserve),
        cmocka_unit_test(idset_add_has),
        cmocka_unit_test(released_pages_read_back_the_same),
        cmocka_unit_test(populated_pages_of_a_shrunk_file_raise_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
