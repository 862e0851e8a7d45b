// The host's fused attention (Sources/CHostAttention) against a double-precision reference,
// built with the address and undefined-behaviour sanitizers by ci/attention-check: every
// instruction-set copy the CPU runs, shapes that cut 64-row tiles, pad the head dimension and
// share key/value heads, with and without packed examples. Exit status 1 on an error beyond
// 2·10⁻⁵·(1 + |value|) for O, dQ, dK and dV; the sanitizers abort on a bad access.
//
//   attention_check BATCH T HEADS KV_HEADS D PACKED INSTRUCTION_SET
#include "host_attention.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static float next_value(unsigned *state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) / 16777216.0 * 2 - 1);
}

static float *random_floats(long count, float scale, unsigned *state) {
    float *values = malloc(sizeof(float) * count);
    for (long i = 0; i < count; i++) values[i] = next_value(state) * scale;
    return values;
}

typedef struct {
    int B, L, H, KV, d, packed;
    float *q, *k, *v, *o, *lse, *d_o, *dq, *dk, *dv;
    int32_t *positions;
} check_case;

// Positions restart every 37 tokens when packed.
static int first_key(const check_case *c, int b, int i) { return c->packed ? i - c->positions[b * c->L + i] : 0; }

static long q_at(const check_case *c, int b, int i, int h) { return ((long)(b * c->L + i) * c->H + h) * c->d; }
static long k_at(const check_case *c, int b, int j, int g) { return ((long)(b * c->L + j) * c->KV + g) * c->d; }

static double worst = 0;

static void compare(double expected, float actual) {
    double error = fabs(expected - actual) / (1 + fabs(expected));
    if (error > worst || error != error) worst = error != error ? INFINITY : error;
}

// One query row of the reference: its probabilities over keys lo...i, then O, and the row's
// share of dQ, dK, dV (accumulated into the double arrays).
static void reference_row(const check_case *c, int b, int h, int i, double *p, double *dq, double *dk, double *dv) {
    const int g = h / (c->H / c->KV), lo = first_key(c, b, i), d = c->d;
    double top = -INFINITY, sum = 0, delta = 0, scale = 1 / sqrt(d);
    for (int j = lo; j <= i; j++) {
        double s = 0;
        for (int x = 0; x < d; x++) s += (double)c->q[q_at(c, b, i, h) + x] * c->k[k_at(c, b, j, g) + x];
        p[j] = s * scale;
        top = p[j] > top ? p[j] : top;
    }
    for (int j = lo; j <= i; j++) sum += (p[j] = exp(p[j] - top));
    for (int j = lo; j <= i; j++) p[j] /= sum;
    for (int x = 0; x < d; x++) {
        double out = 0;
        for (int j = lo; j <= i; j++) out += p[j] * c->v[k_at(c, b, j, g) + x];
        compare(out, c->o[q_at(c, b, i, h) + x]);
        delta += out * c->d_o[q_at(c, b, i, h) + x];
    }
    for (int j = lo; j <= i; j++) {
        double dp = 0;
        for (int x = 0; x < d; x++) dp += (double)c->d_o[q_at(c, b, i, h) + x] * c->v[k_at(c, b, j, g) + x];
        double ds = p[j] * (dp - delta) * scale;
        for (int x = 0; x < d; x++) {
            dv[k_at(c, b, j, g) + x] += p[j] * c->d_o[q_at(c, b, i, h) + x];
            dk[k_at(c, b, j, g) + x] += ds * c->q[q_at(c, b, i, h) + x];
            dq[q_at(c, b, i, h) + x] += ds * c->k[k_at(c, b, j, g) + x];
        }
    }
}

static void check_against_reference(const check_case *c) {
    long nq = (long)c->B * c->L * c->H * c->d, nk = (long)c->B * c->L * c->KV * c->d;
    double *dq = calloc(nq, sizeof(double)), *dk = calloc(nk, sizeof(double)), *dv = calloc(nk, sizeof(double));
    double *p = malloc(sizeof(double) * c->L);
    for (int b = 0; b < c->B; b++)
        for (int h = 0; h < c->H; h++)
            for (int i = 0; i < c->L; i++) reference_row(c, b, h, i, p, dq, dk, dv);
    for (long x = 0; x < nq; x++) compare(dq[x], c->dq[x]);
    for (long x = 0; x < nk; x++) compare(dk[x], c->dk[x]), compare(dv[x], c->dv[x]);
    free(dq), free(dk), free(dv), free(p);
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: attention_check BATCH T HEADS KV_HEADS D PACKED INSTRUCTION_SET\n");
        return 2;
    }
    check_case c = {atoi(argv[1]), atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6])};
    int isa = atoi(argv[7]);
    unsigned state = 7;
    long nq = (long)c.B * c.L * c.H * c.d, nk = (long)c.B * c.L * c.KV * c.d, rows = (long)c.B * c.L;
    c.q = random_floats(nq, 2, &state), c.k = random_floats(nk, 2, &state), c.v = random_floats(nk, 1, &state);
    c.d_o = random_floats(nq, 1, &state);
    c.o = malloc(sizeof(float) * nq), c.dq = malloc(sizeof(float) * nq), c.dk = malloc(sizeof(float) * nk);
    c.dv = malloc(sizeof(float) * nk), c.lse = malloc(sizeof(float) * rows * c.H), c.positions = malloc(sizeof(int32_t) * rows);
    for (long t = 0; t < rows; t++) c.positions[t] = (int32_t)((t % c.L) % 37);
    lk_attention_problem problem = {c.q, c.k, c.v, c.packed ? c.positions : NULL, c.B, c.L, c.H, c.KV, c.d, 1.0f / sqrtf(c.d), isa};
    int failed = 0;
    for (int b = 0; b < c.B; b++)
        for (int h = 0; h < c.H; h++)
            for (int tile = 0; tile < (c.L + 63) / 64; tile++) failed |= lk_attention_forward(&problem, c.o, c.lse, b, h, tile);
    for (int b = 0; b < c.B; b++)
        for (int g = 0; g < c.KV; g++) failed |= lk_attention_backward(&problem, c.o, c.lse, c.d_o, c.dq, c.dk, c.dv, b, g);
    check_against_reference(&c);
    static const char *names[] = {"baseline", "avx2", "avx512"};
    printf("%-8s B %d T %4d heads %2d/%d d %3d packed %d: worst relative error %.2g\n",
           names[lk_attention_instruction_set(isa)], c.B, c.L, c.H, c.KV, c.d, c.packed, worst);
    free(c.q), free(c.k), free(c.v), free(c.d_o), free(c.o), free(c.dq), free(c.dk), free(c.dv), free(c.lse), free(c.positions);
    return failed || !(worst <= 2e-5);
}
