// Fused causal attention for the host device: forward and backward over 64×64 tiles that stay
// in cache, so no T×T score matrix is ever written to memory. Compiled three times (AVX-512,
// AVX2 + FMA, baseline) and chosen at run time by the CPU's features; LoRAKit's Swift side
// (HostDevice+Attention.swift) splits the work over threads and calls one tile job at a time.
#ifndef LORAKIT_HOST_ATTENTION_H
#define LORAKIT_HOST_ATTENTION_H

#include <stdint.h>

/// Shapes and inputs shared by every job of one attention call. Layouts are the projections':
/// Q and O are N×(heads·d), K and V are N×(kv_heads·d), N = batch·length; lse and delta are
/// N×heads (row-major by token, then head).
typedef struct {
    const float *q, *k, *v;
    /// int32 per token, restarting at 0 for each example packed into a sequence (row t sees
    /// keys t − positions[t] ... t); NULL for plain causal attention.
    const int32_t *positions;
    int batch, length, heads, kv_heads, head_dim;
    /// Multiplies Q·Kᵀ before the softmax (1/√d).
    float scale;
    /// The most capable instruction set the jobs may use (`lk_instruction_set`); the CPU's best
    /// below that. Tests run every copy the CPU can.
    int instruction_set;
} lk_attention_problem;

/// The compiled copies, least capable first.
typedef enum { LK_BASELINE = 0, LK_AVX2 = 1, LK_AVX512 = 2 } lk_instruction_set;

/// Rows per query tile of the forward jobs.
enum { LK_ATTENTION_TILE = 64 };

/// Forward for query rows [tile·64, tile·64 + 64) of sequence b and head h: writes those rows of
/// O (head h's columns) and their log-sum-exp of the scaled scores into lse.
/// Returns 0, or −1 when its scratch could not be allocated.
int lk_attention_forward(const lk_attention_problem *p, float *o, float *lse, int b, int h, int tile);

/// Backward for sequence b and key/value head g: dK and dV rows of g (overwritten) and dQ rows of
/// the group's query heads (overwritten), given O, lse and dO. Returns 0, or −1 as above.
int lk_attention_backward(const lk_attention_problem *p, const float *o, const float *lse, const float *d_o,
                          float *dq, float *dk, float *dv, int b, int g);

/// The instruction set jobs run with under a cap (`instruction_set` above): the lesser of the
/// cap and what this CPU supports.
lk_instruction_set lk_attention_instruction_set(int cap);

#endif
