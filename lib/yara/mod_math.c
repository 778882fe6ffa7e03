/* mod_math.c — statistics over byte ranges for YARA's math module (see mod_math.h). */
#include "mod_math.h"

#include <math.h>

bool yara_math_range(size_t len, int64_t offset, int64_t size, size_t *start, size_t *count)
{
    if (offset < 0 || size < 0 || (uint64_t)offset >= len)
        return false;
    *start = (size_t)offset;
    uint64_t left = len - (size_t)offset;
    *count = (uint64_t)size < left ? (size_t)size : (size_t)left;
    return true;
}

void yara_math_histogram(const uint8_t *p, size_t n, uint64_t counts[256])
{
    for (int i = 0; i < 256; i++)
        counts[i] = 0;
    for (size_t i = 0; i < n; i++)
        counts[p[i]]++;
}

double yara_math_entropy(const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0.0;
    uint64_t counts[256];
    yara_math_histogram(p, n, counts);
    double h = 0.0;
    for (int i = 0; i < 256; i++) {
        if (!counts[i])
            continue;
        double x = (double)counts[i] / (double)n;
        h -= x * log2(x);
    }
    return h;
}

double yara_math_mean(const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += p[i];
    return sum / (double)n;
}

double yara_math_deviation(const uint8_t *p, size_t n, double mean)
{
    if (n == 0)
        return 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += fabs((double)p[i] - mean);
    return sum / (double)n;
}

double yara_math_serial_correlation(const uint8_t *p, size_t n)
{
    if (n == 0)
        return -100000.0;
    double sum = 0.0, sumsq = 0.0, pairs = 0.0;
    for (size_t i = 0; i < n; i++) {
        double x = p[i], next = p[(i + 1) % n];
        sum += x;
        sumsq += x * x;
        pairs += x * next;
    }
    double dn = (double)n;
    double denominator = dn * sumsq - sum * sum;
    if (denominator == 0.0)
        return -100000.0;
    return (dn * pairs - sum * sum) / denominator;
}

bool yara_math_monte_carlo_pi(const uint8_t *p, size_t n, double *error)
{
    /* Each point is 3 bytes of x and 3 of y, big-endian; inside when it
     * falls in the quarter circle of radius 2^24 - 1. */
    const double radius = 16777215.0;
    size_t points = n / 6, inside = 0;
    if (points == 0)
        return false;
    for (size_t i = 0; i < points; i++) {
        const uint8_t *q = p + 6 * i;
        double x = (double)((uint32_t)q[0] << 16 | (uint32_t)q[1] << 8 | q[2]);
        double y = (double)((uint32_t)q[3] << 16 | (uint32_t)q[4] << 8 | q[5]);
        if (x * x + y * y <= radius * radius)
            inside++;
    }
    double estimate = 4.0 * (double)inside / (double)points;
    *error = fabs(estimate - M_PI) / M_PI;
    return true;
}

int yara_math_mode(const uint8_t *p, size_t n)
{
    if (n == 0)
        return -1;
    uint64_t counts[256];
    yara_math_histogram(p, n, counts);
    int best = 0;
    for (int i = 1; i < 256; i++)
        if (counts[i] > counts[best])
            best = i;
    return best;
}
