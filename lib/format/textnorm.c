/* textnorm.c — normalized text for type-7 signatures (see textnorm.h). */
#include "textnorm.h"

#include <stdbool.h>

enum char_class { KEEP, SPACE, DROP };

static enum char_class classify(unsigned c)
{
    if (c == ' ' || (c >= 0x09 && c <= 0x0d))
        return SPACE;
    if (c >= 0x21 && c <= 0x7f)
        return KEEP;
    return DROP;
}

struct writer {
    uint8_t *out;
    size_t n;
    bool in_space;
};

static void put(struct writer *w, unsigned c)
{
    switch (classify(c)) {
    case KEEP:
        w->out[w->n++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        w->in_space = false;
        break;
    case SPACE:
        if (!w->in_space)
            w->out[w->n++] = ' ';
        w->in_space = true;
        break;
    case DROP:
        break;
    }
}

size_t fmt_text_normalize(const uint8_t *in, size_t len, uint8_t *out)
{
    struct writer w = {.out = out};
    if (len >= 2 && ((in[0] == 0xff && in[1] == 0xfe) || (in[0] == 0xfe && in[1] == 0xff))) {
        bool little = in[0] == 0xff;
        for (size_t i = 2; i + 1 < len; i += 2) {
            unsigned u = little ? (unsigned)in[i] | (unsigned)in[i + 1] << 8 : (unsigned)in[i] << 8 | in[i + 1];
            put(&w, u < 0x80 ? u : 0x80); /* non-ASCII: dropped */
        }
        return w.n;
    }
    for (size_t i = 0; i < len; i++)
        put(&w, in[i]);
    return w.n;
}
