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

static void released_pages_read_back_the_same(void **state)
{
    (void)state;
    char path[] = "/tmp/assay-test-pages-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = 1 << 20;
    uint8_t *want = malloc(len);
    for (size_t i = 0; i < len; i++)
        want[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(write(fd, want, len), (ssize_t)len);
    const uint8_t *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    assert_true(map != MAP_FAILED);
    assert_memory_equal(map, want, len);
    util_release_pages(map + 100, len - 200); /* unaligned ends: whole pages only */
    assert_memory_equal(map, want, len);
    munmap((void *)map, len);
    close(fd);
    unlink(path);
    free(want);
}

/* Populating is best effort: pages past the end of a file that shrank are
 * left alone (no SIGBUS), the others read back the same. */
static void populated_pages_of_a_shrunk_file_raise_nothing(void **state)
{
    (void)state;
    char path[] = "/tmp/assay-test-pages-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = 1 << 20;
    uint8_t *want = malloc(len);
    for (size_t i = 0; i < len; i++)
        want[i] = (uint8_t)(i * 13 + 1);
    assert_int_equal(write(fd, want, len), (ssize_t)len);
    const uint8_t *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    assert_true(map != MAP_FAILED);
    util_populate_pages(map + 100, len - 200);
    assert_memory_equal(map, want, len);
    util_release_pages(map, len);
    assert_int_equal(ftruncate(fd, 4096), 0);
    util_populate_pages(map, len);
    assert_memory_equal(map, want, 4096);
    munmap((void *)map, len);
    close(fd);
    unlink(path);
    free(want);
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
