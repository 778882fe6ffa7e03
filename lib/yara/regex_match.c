/* regex_match.c — compiles the regex AST into a Pike-VM program (bytes, byte sets,
 * prioritised splits, jumps, zero-width assertions) and runs it without
 * backtracking: every input byte is examined once per live instruction. */
#include "yara/regex_internal.h"

#include <stdlib.h>
#include <string.h>

#include "assay.h"

/* ---- compiler ---------------------------------------------------------- */

struct compiler {
    struct yara_regex *re;
    int status;
    size_t column;
};

/* A class of several bytes: programs repeat the same few (`.` of a jump,
 * a nibble), so a set the program holds already is used again. */
static uint32_t intern_set(struct compiler *c, const uint8_t bits[32])
{
    size_t n = c->re->sets.n;
    for (size_t k = n > 4 ? n - 4 : 0; k < n; k++)
        if (memcmp(c->re->sets.v[k].bits, bits, 32) == 0)
            return (uint32_t)k;
    struct re_set set;
    memcpy(set.bits, bits, 32);
    if (util_vec_push(&c->re->sets, set) != 0) {
        c->status = ASSAY_ENOMEM;
        return 0;
    }
    return (uint32_t)n;
}

static uint32_t emit(struct compiler *c, uint8_t op, uint8_t arg, uint32_t x, uint32_t y,
                     uint32_t col)
{
    if (c->status)
        return 0;
    if (c->re->prog.n >= YARA_REGEX_MAX_INSTS) {
        c->status = ASSAY_ELIMIT;
        c->column = col;
        return 0;
    }
    struct re_inst in = {op, arg, x, y};
    if (util_vec_push(&c->re->prog, in) != 0) {
        c->status = ASSAY_ENOMEM;
        return 0;
    }
    return (uint32_t)(c->re->prog.n - 1);
}

static uint32_t pc_now(const struct compiler *c)
{
    return (uint32_t)c->re->prog.n;
}

static void patch_x(struct compiler *c, uint32_t at, uint32_t to)
{
    if (!c->status)
        c->re->prog.v[at].x = to;
}

static void patch_y(struct compiler *c, uint32_t at, uint32_t to)
{
    if (!c->status)
        c->re->prog.v[at].y = to;
}

static void gen(struct compiler *c, uint32_t n);

/* A split that prefers the body (greedy) or the exit (lazy); the body is the
 * next instruction, the other target is patched later. Returns its pc. */
static uint32_t emit_opt_split(struct compiler *c, bool greedy, uint32_t col)
{
    uint32_t s = emit(c, RE_OP_SPLIT, 0, 0, 0, col);
    if (greedy)
        patch_x(c, s, s + 1);
    else
        patch_y(c, s, s + 1);
    return s;
}

static void patch_exit(struct compiler *c, uint32_t s, bool greedy, uint32_t to)
{
    if (greedy)
        patch_y(c, s, to);
    else
        patch_x(c, s, to);
}

static void gen_repeat(struct compiler *c, const struct yara_regex_node *n)
{
    for (uint32_t i = 0; i < n->min && !c->status; i++)
        gen(c, n->first_child);
    if (n->max == YARA_REGEX_INF) {
        uint32_t s = emit_opt_split(c, n->greedy, n->column);
        gen(c, n->first_child);
        emit(c, RE_OP_JMP, 0, s, 0, n->column);
        patch_exit(c, s, n->greedy, pc_now(c));
        return;
    }
    uint32_t opt = n->max - n->min;
    if (opt == 0)
        return;
    uint32_t *splits = malloc(sizeof *splits * opt);
    if (!splits) {
        c->status = ASSAY_ENOMEM;
        return;
    }
    for (uint32_t i = 0; i < opt && !c->status; i++) {
        splits[i] = emit_opt_split(c, n->greedy, n->column);
        gen(c, n->first_child);
    }
    if (!c->status)
        for (uint32_t i = 0; i < opt; i++)
            patch_exit(c, splits[i], n->greedy, pc_now(c));
    free(splits);
}

static void gen_alt(struct compiler *c, const struct yara_regex_node *n)
{
    UTIL_VEC(uint32_t) jumps = {0};
    for (uint32_t ch = n->first_child; ch != YARA_REGEX_NONE && !c->status;) {
        uint32_t next = c->re->nodes.v[ch].next_sibling;
        if (next == YARA_REGEX_NONE) {
            gen(c, ch);
            break;
        }
        uint32_t s = emit(c, RE_OP_SPLIT, 0, 0, 0, n->column);
        patch_x(c, s, s + 1);
        gen(c, ch);
        uint32_t j = emit(c, RE_OP_JMP, 0, 0, 0, n->column);
        if (!c->status && util_vec_push(&jumps, j) != 0)
            c->status = ASSAY_ENOMEM;
        patch_y(c, s, pc_now(c));
        ch = next;
    }
    for (size_t i = 0; i < jumps.n && !c->status; i++)
        patch_x(c, jumps.v[i], pc_now(c));
    util_vec_free(&jumps);
}

static void gen(struct compiler *c, uint32_t idx)
{
    if (c->status)
        return;
    const struct yara_regex_node *n = &c->re->nodes.v[idx];
    switch (n->kind) {
    case YARA_REGEX_CLASS: {
        int lowest;
        if (re_set_members(n->set, &lowest) == 1) {
            emit(c, RE_OP_BYTE, 0, (uint32_t)lowest, 0, n->column);
            break;
        }
        uint32_t set = intern_set(c, n->set);
        if (!c->status)
            emit(c, RE_OP_SET, 0, set, 0, n->column);
        break;
    }
    case YARA_REGEX_EMPTY:
        break;
    case YARA_REGEX_ASSERT:
        emit(c, RE_OP_ASSERT, n->assert_kind, 0, 0, n->column);
        break;
    case YARA_REGEX_CONCAT:
        for (uint32_t ch = n->first_child; ch != YARA_REGEX_NONE && !c->status;
             ch = c->re->nodes.v[ch].next_sibling)
            gen(c, ch);
        break;
    case YARA_REGEX_ALT:
        gen_alt(c, n);
        break;
    case YARA_REGEX_REPEAT:
        gen_repeat(c, n);
        break;
    default:
        break;
    }
}

int yara_regex_compile_program_(struct yara_regex *re, size_t *column)
{
    struct compiler c = {re, 0, 0};
    gen(&c, re->root);
    emit(&c, RE_OP_MATCH, 0, 0, 0, 0);
    *column = c.column;
    if (c.status)
        return c.status;
    util_vec_shrink(&re->prog); /* kept for the life of the rules: no slack */
    util_vec_shrink(&re->sets);
    return yara_regex_prepare_(re);
}

bool yara_regex_fixed_length(const struct yara_regex *re, size_t *len)
{
    if (!re->linear)
        return false;
    *len = re->prefix;
    return true;
}

int yara_regex_prepare_(struct yara_regex *re)
{
    uint32_t k = 0;
    while (k < re->prog.n && (re->prog.v[k].op == RE_OP_SET || re->prog.v[k].op == RE_OP_BYTE))
        k++;
    re->prefix = k;
    re->linear = k + 1 == re->prog.n && re->prog.v[k].op == RE_OP_MATCH;
    return 0;
}

/* ---- Pike VM ----------------------------------------------------------- */

struct vm {
    const struct yara_regex *re;
    const uint8_t *data;
    size_t len;
    bool reverse;     /* position i reads data[len - 1 - i] */
    uint32_t *mark;   /* per pc: stamp of the list it was last added to */
    uint32_t stamp;
    uint32_t *stack;  /* DFS stack for add_thread */
    uint32_t *cur, *nxt;       /* pcs of the current / next list */
    size_t *cur_st, *nxt_st;   /* start offset of each thread */
    size_t ncur, nnxt;
};

static inline uint8_t byte_at(const struct vm *vm, size_t pos)
{
    return vm->reverse ? vm->data[vm->len - 1 - pos] : vm->data[pos];
}

/* Is the byte at original (left-to-right) offset `at` a word character? */
static bool is_word_orig(const struct vm *vm, size_t at)
{
    if (at >= vm->len)
        return false;
    uint8_t c = vm->data[at];
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool check_assert(const struct vm *vm, uint8_t kind, size_t pos)
{
    switch (kind) {
    case YARA_REGEX_BOL: return pos == 0;
    case YARA_REGEX_EOL: return pos == vm->len;
    default: {
        /* Word boundaries are judged in the data's own order. (YARA 4.2 took
         * either end of the data as a boundary whatever the byte next to it;
         * 4.5 looks at the byte, as here.) */
        size_t at = vm->reverse ? vm->len - pos : pos;
        bool before, after;
        if (vm->re->flags & YARA_REGEX_WIDE_WORD) {
            /* A wide character is a byte followed by 00. */
            before = at >= 2 && vm->data[at - 1] == 0 && is_word_orig(vm, at - 2);
            after = at + 1 < vm->len && vm->data[at + 1] == 0 && is_word_orig(vm, at);
        } else {
            before = at >= 1 && is_word_orig(vm, at - 1);
            after = is_word_orig(vm, at);
        }
        return kind == YARA_REGEX_WORDB ? before != after : before == after;
    }
    }
}

/* Follow splits/jumps/assertions from pc at `pos` in priority order, adding
 * the consuming and MATCH instructions reached to the next list. */
static void add_thread(struct vm *vm, uint32_t pc0, size_t pos, size_t start)
{
    const struct re_inst *prog = vm->re->prog.v;
    size_t sp = 0;
    vm->stack[sp++] = pc0;
    while (sp > 0) {
        uint32_t pc = vm->stack[--sp];
        if (vm->mark[pc] == vm->stamp)
            continue;
        vm->mark[pc] = vm->stamp;
        const struct re_inst *in = &prog[pc];
        switch (in->op) {
        case RE_OP_JMP:
            vm->stack[sp++] = in->x;
            break;
        case RE_OP_SPLIT:
            vm->stack[sp++] = in->y;
            vm->stack[sp++] = in->x;
            break;
        case RE_OP_ASSERT:
            if (check_assert(vm, in->arg, pos))
                vm->stack[sp++] = pc + 1;
            break;
        default:
            vm->nxt[vm->nnxt] = pc;
            vm->nxt_st[vm->nnxt++] = start;
            break;
        }
    }
}

static void swap_lists(struct vm *vm)
{
    uint32_t *t = vm->cur;
    vm->cur = vm->nxt;
    vm->nxt = t;
    size_t *ts = vm->cur_st;
    vm->cur_st = vm->nxt_st;
    vm->nxt_st = ts;
    vm->ncur = vm->nnxt;
    vm->nnxt = 0;
    if (++vm->stamp == 0) { /* wrapped: forget every mark */
        memset(vm->mark, 0, vm->re->prog.n * sizeof *vm->mark);
        vm->stamp = 1;
    }
}

static bool vm_init(struct vm *vm, const struct yara_regex *re, const uint8_t *data, size_t len)
{
    size_t n = re->prog.n;
    memset(vm, 0, sizeof *vm);
    vm->re = re;
    vm->data = data;
    vm->len = len;
    vm->mark = calloc(n, sizeof *vm->mark);
    vm->stack = malloc((2 * n + 2) * sizeof *vm->stack);
    vm->cur = malloc(n * sizeof *vm->cur);
    vm->nxt = malloc(n * sizeof *vm->nxt);
    vm->cur_st = malloc(n * sizeof *vm->cur_st);
    vm->nxt_st = malloc(n * sizeof *vm->nxt_st);
    vm->stamp = 1;
    return vm->mark && vm->stack && vm->cur && vm->nxt && vm->cur_st && vm->nxt_st;
}

static void vm_free(struct vm *vm)
{
    free(vm->mark);
    free(vm->stack);
    free(vm->cur);
    free(vm->nxt);
    free(vm->cur_st);
    free(vm->nxt_st);
}

/* Run from `from`; when `anchored`, only threads starting at `from`, else a
 * new lowest-priority thread starts at every offset until a match is found.
 * Each thread consumes at most YARA_REGEX_SCAN_LIMIT bytes. */
static bool vm_run(struct vm *vm, size_t from, bool anchored, size_t *mstart, size_t *mlen)
{
    const struct re_inst *prog = vm->re->prog.v;
    bool matched = false;
    vm->nnxt = 0;
    add_thread(vm, 0, from, from);
    swap_lists(vm);
    for (size_t pos = from;; pos++) {
        if (vm->ncur == 0 && (anchored || matched))
            break;
        for (size_t i = 0; i < vm->ncur; i++) {
            const struct re_inst *in = &prog[vm->cur[i]];
            size_t st = vm->cur_st[i];
            if (in->op == RE_OP_MATCH) {
                matched = true;
                *mstart = st;
                *mlen = pos - st;
                if (anchored && (vm->re->flags & YARA_REGEX_SHORTEST))
                    return true;
                break; /* lower-priority threads die */
            }
            if (pos < vm->len && pos - st < YARA_REGEX_SCAN_LIMIT &&
                re_takes(vm->re->sets.v, in, byte_at(vm, pos)))
                add_thread(vm, vm->cur[i] + 1, pos + 1, st);
        }
        if (pos >= vm->len)
            break;
        if (!anchored && !matched)
            add_thread(vm, 0, pos + 1, pos + 1);
        swap_lists(vm);
    }
    return matched;
}

struct yara_regex_scratch {
    size_t cap; /* program size the arrays hold */
    uint32_t stamp;
    uint32_t *mark, *stack, *cur, *nxt;
    size_t *cur_st, *nxt_st;
};

struct yara_regex_scratch *yara_regex_scratch_new(void)
{
    return calloc(1, sizeof(struct yara_regex_scratch));
}

static void scratch_arrays_free(struct yara_regex_scratch *s)
{
    free(s->mark);
    free(s->stack);
    free(s->cur);
    free(s->nxt);
    free(s->cur_st);
    free(s->nxt_st);
}

void yara_regex_scratch_free(struct yara_regex_scratch *s)
{
    if (!s)
        return;
    scratch_arrays_free(s);
    free(s);
}

static bool scratch_fit(struct yara_regex_scratch *s, size_t n)
{
    if (n <= s->cap)
        return true;
    scratch_arrays_free(s);
    memset(s, 0, sizeof *s);
    s->mark = calloc(n, sizeof *s->mark);
    s->stack = malloc((2 * n + 2) * sizeof *s->stack);
    s->cur = malloc(n * sizeof *s->cur);
    s->nxt = malloc(n * sizeof *s->nxt);
    s->cur_st = malloc(n * sizeof *s->cur_st);
    s->nxt_st = malloc(n * sizeof *s->nxt_st);
    if (!(s->mark && s->stack && s->cur && s->nxt && s->cur_st && s->nxt_st)) {
        scratch_arrays_free(s);
        memset(s, 0, sizeof *s);
        return false;
    }
    s->cap = n;
    s->stamp = 1;
    return true;
}

static bool match_with(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data, size_t len,
                       size_t start, bool reverse, size_t *match_len, bool *oom);
static bool vm_from_scratch(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data,
                            size_t len, bool reverse, struct vm *vm);
static void vm_to_scratch(struct yara_regex_scratch *s, const struct vm *vm);

bool yara_regex_match_at_with(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data,
                              size_t len, size_t start, size_t *match_len, bool *oom)
{
    return match_with(s, re, data, len, start, false, match_len, oom);
}

bool yara_regex_match_back_with(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data,
                                size_t len, size_t end, size_t *match_len, bool *oom)
{
    if (end > len)
        return false;
    return match_with(s, re, data, len, len - end, true, match_len, oom);
}

/* A VM over scratch memory for one anchored run (at most
 * YARA_REGEX_SCAN_LIMIT + 2 steps, so the stamp never wraps inside it). */
static bool vm_from_scratch(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data,
                            size_t len, bool reverse, struct vm *vm)
{
    if (!scratch_fit(s, re->prog.n))
        return false;
    /* Marks of earlier runs are below the current stamp; a wrap clears them. */
    if (s->stamp > UINT32_MAX - (YARA_REGEX_SCAN_LIMIT + 2)) {
        memset(s->mark, 0, s->cap * sizeof *s->mark);
        s->stamp = 1;
    }
    *vm = (struct vm){.re = re, .data = data, .len = len, .reverse = reverse, .mark = s->mark,
                      .stamp = s->stamp + 1, .stack = s->stack, .cur = s->cur, .nxt = s->nxt,
                      .cur_st = s->cur_st, .nxt_st = s->nxt_st};
    return true;
}

static void vm_to_scratch(struct yara_regex_scratch *s, const struct vm *vm)
{
    s->stamp = vm->stamp + 1;
    if (s->stamp == 0) {
        memset(s->mark, 0, s->cap * sizeof *s->mark);
        s->stamp = 1;
    }
}

/* The bytes from `start` (read backwards when `reverse`) go through the
 * program's first `re->prefix` instructions: false when some byte is outside
 * its set or the data ends first. Every match must pass this test. */
static bool prefix_matches(const struct yara_regex *re, const uint8_t *data, size_t len, size_t start, bool reverse)
{
    uint32_t k = re->prefix;
    if (k > YARA_REGEX_SCAN_LIMIT)
        k = YARA_REGEX_SCAN_LIMIT;
    if (len - start < k)
        return false;
    const struct re_inst *prog = re->prog.v;
    const struct re_set *sets = re->sets.v;
    if (reverse) {
        const uint8_t *p = data + (len - 1 - start);
        for (uint32_t i = 0; i < k; i++)
            if (!re_takes(sets, &prog[i], *(p - i)))
                return false;
    } else {
        const uint8_t *p = data + start;
        for (uint32_t i = 0; i < k; i++)
            if (!re_takes(sets, &prog[i], p[i]))
                return false;
    }
    return true;
}

/* A linear program (only consuming instructions) matches exactly its
 * length when its prefix test passes, and no match can exceed the scan limit. */
static bool linear_match(const struct yara_regex *re, const uint8_t *data, size_t len, size_t start, bool reverse,
                         size_t *match_len)
{
    if (re->prefix > YARA_REGEX_SCAN_LIMIT || !prefix_matches(re, data, len, start, reverse))
        return false;
    *match_len = re->prefix;
    return true;
}

static bool match_with(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data, size_t len,
                       size_t start, bool reverse, size_t *match_len, bool *oom)
{
    if (!re || start > len)
        return false;
    if (re->linear) {
        size_t ml;
        if (!linear_match(re, data, len, start, reverse, &ml))
            return false;
        if (match_len)
            *match_len = ml;
        return true;
    }
    if (!prefix_matches(re, data, len, start, reverse))
        return false;
    struct vm vm;
    if (!vm_from_scratch(s, re, data, len, reverse, &vm)) {
        if (oom)
            *oom = true;
        return false;
    }
    size_t ms = 0, ml = 0;
    bool ok = vm_run(&vm, start, true, &ms, &ml);
    vm_to_scratch(s, &vm);
    if (ok && match_len)
        *match_len = ml;
    return ok;
}

/* Anchored at `from`: every length at which some path reaches MATCH. */
static size_t vm_run_all(struct vm *vm, size_t from, size_t *lens, size_t max)
{
    const struct re_inst *prog = vm->re->prog.v;
    size_t n = 0;
    vm->nnxt = 0;
    add_thread(vm, 0, from, from);
    swap_lists(vm);
    for (size_t pos = from; vm->ncur > 0; pos++) {
        bool matched_here = false;
        for (size_t i = 0; i < vm->ncur; i++) {
            const struct re_inst *in = &prog[vm->cur[i]];
            size_t st = vm->cur_st[i];
            if (in->op == RE_OP_MATCH) {
                matched_here = true;
                continue;
            }
            if (pos < vm->len && pos - st < YARA_REGEX_SCAN_LIMIT &&
                re_takes(vm->re->sets.v, in, byte_at(vm, pos)))
                add_thread(vm, vm->cur[i] + 1, pos + 1, st);
        }
        if (matched_here && n < max)
            lens[n++] = pos - from;
        if (pos >= vm->len)
            break;
        swap_lists(vm);
    }
    return n;
}

size_t yara_regex_match_back_all(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data,
                                 size_t len, size_t end, size_t *lens, size_t max, bool *oom)
{
    if (!re || end > len)
        return 0;
    if (re->linear) {
        size_t ml;
        if (max == 0 || !linear_match(re, data, len, len - end, true, &ml))
            return 0;
        lens[0] = ml;
        return 1;
    }
    if (!prefix_matches(re, data, len, len - end, true))
        return 0;
    struct vm vm;
    if (!vm_from_scratch(s, re, data, len, true, &vm)) {
        if (oom)
            *oom = true;
        return 0;
    }
    size_t n = vm_run_all(&vm, len - end, lens, max);
    vm_to_scratch(s, &vm);
    return n;
}

bool yara_regex_match_at(const struct yara_regex *re, const uint8_t *data, size_t len,
                         size_t start, size_t *match_len)
{
    if (!re || start > len)
        return false;
    struct vm vm;
    bool ok = false;
    size_t ms = 0, ml = 0;
    if (vm_init(&vm, re, data, len))
        ok = vm_run(&vm, start, true, &ms, &ml);
    vm_free(&vm);
    if (ok && match_len)
        *match_len = ml;
    return ok;
}

bool yara_regex_search(const struct yara_regex *re, const uint8_t *data, size_t len, size_t from,
                       size_t *match_start, size_t *match_len)
{
    if (!re || from > len)
        return false;
    struct vm vm;
    bool ok = false;
    size_t ms = 0, ml = 0;
    if (vm_init(&vm, re, data, len))
        ok = vm_run(&vm, from, false, &ms, &ml);
    vm_free(&vm);
    if (ok) {
        if (match_start)
            *match_start = ms;
        if (match_len)
            *match_len = ml;
    }
    return ok;
}
