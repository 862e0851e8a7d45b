// Dispatch of the fused attention jobs to the copy compiled for this CPU's instruction set
// (or a lesser one the caller asks for).
// The copies are attention_kernels.h included three times; vectors are clang's 16-float
// extension type, which each copy lowers to its own registers (one zmm, two ymm, four xmm).
#include "host_attention.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#pragma clang fp contract(fast)
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v16 __attribute__((ext_vector_type(16)));
typedef int32_t v16i __attribute__((ext_vector_type(16)));

// 64-byte aligned scratch of `count` floats (rounded up), or NULL.
static float *lk_scratch(size_t count) {
    size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes);
}

// The first key row t of sequence b sees: t − positions[t] for packed examples, clamped into
// 0...t so a bad position narrows the window and never reaches outside the row (as the host's
// packed causal softmax does).
static int lk_first_key(const lk_attention_problem *p, int b, int t) {
    if (!p->positions) return 0;
    int32_t position = p->positions[(long)b * p->length + t];
    return t - (position < 0 ? 0 : (position > t ? t : position));
}

#if defined(__x86_64__)
#define NAME(x) x##_avx512
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), apply_to = function)
#include "attention_kernels.h"
#pragma clang attribute pop
#undef NAME

#define NAME(x) x##_avx2
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "attention_kernels.h"
#pragma clang attribute pop
#undef NAME
#endif

#define NAME(x) x##_baseline
#include "attention_kernels.h"
#undef NAME

static lk_instruction_set lk_detect(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512bw"))
        return LK_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return LK_AVX2;
#endif
    return LK_BASELINE;
}

lk_instruction_set lk_attention_instruction_set(int cap) {
    lk_instruction_set best = lk_detect();
    return cap >= 0 && cap < (int)best ? (lk_instruction_set)cap : best;
}

int lk_attention_forward(const lk_attention_problem *p, float *o, float *lse, int b, int h, int tile) {
    switch (lk_attention_instruction_set(p->instruction_set)) {
#if defined(__x86_64__)
    case LK_AVX512: return forward_avx512(p, o, lse, b, h, tile);
    case LK_AVX2: return forward_avx2(p, o, lse, b, h, tile);
#endif
    default: return forward_baseline(p, o, lse, b, h, tile);
    }
}

int lk_attention_backward(const lk_attention_problem *p, const float *o, const float *lse, const float *d_o,
                          float *dq, float *dk, float *dv, int b, int g) {
    switch (lk_attention_instruction_set(p->instruction_set)) {
#if defined(__x86_64__)
    case LK_AVX512: return backward_avx512(p, o, lse, d_o, dq, dk, dv, b, g);
    case LK_AVX2: return backward_avx2(p, o, lse, d_o, dq, dk, dv, b, g);
#endif
    default: return backward_baseline(p, o, lse, d_o, dq, dk, dv, b, g);
    }
}
