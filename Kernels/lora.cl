// LoRA kernels. Shapes use PEFT's letters: M rows (tokens), N = out features, K = in features,
// R = rank. Row-major throughout: X M×K, A R×K, B N×R, T = drop(X)·Aᵀ M×R, Y M×N, W N×K.
//
//   lora_dropout           out = mask ⊙ x / (1 − p)           (out may alias x)
//   lora_forward_expand    Y[m, o] = bias[o] + scale·Σ_j T[m, j]·B[o, j]
//   lora_merge_half        W[o, i] = half(W[o, i] + scale·Σ_j B[o, j]·A[j, i])  (W stored as half)
//   lora_merge_bfloat16    the same for W stored as bfloat16 (ushort; rounded as elementwise_float_to_bfloat16)
//
// The matrix products of forward and backward go through CLBlast; these kernels are the parts a
// GEMM library does not do. The fused forward is: T = drop(X)·Aᵀ (GEMM), lora_forward_expand
// writes Y once, then the base GEMM accumulates X·Wᵀ into Y (beta = 1): no extra pass over Y.
//
// Dropout uses Philox4x32-10 (Salmon et al., SC'11). The mask of element e is word e mod 4 of
// counter (e/4 low, e/4 high, stream, step) under key (seed low, seed high); an element is
// dropped when its word is below `threshold` = round(p·2³²). Sources/LoRAKit/Device/Philox.swift
// is the host twin, checked against Random123's known answers; tests require this kernel's masks
// to equal the host's bit for bit.

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

// Each round's two 32×32-bit products as one 64-bit product apiece (Random123's mulhilo32):
// GPU compilers make that their native wide multiply, and pocl vectorizes it, where its mul_hi
// is a scalar sequence of 16-bit pieces. The key is bumped after each round (the bump after the
// last is unused), so the loop has no branch.
uint4 philox4x32_10(uint4 c, uint2 k) {
    for (int round = 0; round < 10; ++round) {
        const ulong p0 = (ulong)PHILOX_M0 * c.x, p1 = (ulong)PHILOX_M1 * c.z;
        c = (uint4)((uint)(p1 >> 32) ^ c.y ^ k.x, (uint)p1, (uint)(p0 >> 32) ^ c.w ^ k.y, (uint)p0);
        k += (uint2)(PHILOX_W0, PHILOX_W1);
    }
    return c;
}

// One work-item per block of four elements (one Philox call), read and written as a float4 but
// for a partial last block.
__kernel void lora_dropout(const ulong n, const uint threshold, const float keep_scale,
                           const uint seed_lo, const uint seed_hi, const uint stream, const uint step,
                           __global const float* x, __global float* out) {
    const ulong block = get_global_id(0);
    const ulong first = 4 * block;
    if (first >= n) {
        return;
    }
    const uint4 words = philox4x32_10((uint4)((uint)block, (uint)(block >> 32), stream, step), (uint2)(seed_lo, seed_hi));
    if (first + 4 <= n) {
        const float4 kept = vload4(block, x) * keep_scale;
        vstore4(select(kept, (float4)(0.0f), words < threshold), block, out);
        return;
    }
    const uint w[4] = {words.x, words.y, words.z, words.w};
    for (int lane = 0; first + lane < n; ++lane) {
        out[first + lane] = w[lane] < threshold ? 0.0f : x[first + lane] * keep_scale;
    }
}

#ifndef LORA_TILE_O
#define LORA_TILE_O 64   // output features per tile of lora_forward_expand (dimension 0)
#endif
#ifndef LORA_TILE_M
#define LORA_TILE_M 4    // rows per tile (dimension 1)
#endif
#ifndef LORA_STAGE_TILES
#define LORA_STAGE_TILES 1   // 0 on CPU devices (see expand_direct)
#endif
#define LORA_TILE_J 16   // rank columns staged at a time

// Σ_j T[m, j]·B[o, j] for the work-item's (o, m), B's and T's rows staged in local memory
// LORA_TILE_J columns of the rank at a time: the tile's work-items load B's rows for the tile's
// o (one contiguous stretch of B, neighbouring work-items on neighbouring addresses, where each
// reading its own row would stride them by R) and T's rows for its m. B is stored transposed so
// that the inner loop's reads are neighbouring too (the +1 column keeps the transposing stores
// off one bank). Every work-item of the tile must call it (barriers); the tiles are declared by
// the kernel (OpenCL 1.2 allows __local variables only at kernel scope).
inline float expand_staged(const int M, const int N, const int R, __global const float* T, __global const float* B,
                           __local float (*b_tile)[LORA_TILE_O + 1], __local float (*t_tile)[LORA_TILE_J]) {
    const int lo = (int)get_local_id(0), lm = (int)get_local_id(1), lid = lm * LORA_TILE_O + lo;
    const int o0 = (int)get_group_id(0) * LORA_TILE_O, m0 = (int)get_group_id(1) * LORA_TILE_M;
    float sum = 0.0f;
    for (int j0 = 0; j0 < R; j0 += LORA_TILE_J) {
        const int width = min(LORA_TILE_J, R - j0);
        for (int e = lid; e < LORA_TILE_O * LORA_TILE_J; e += LORA_TILE_O * LORA_TILE_M) {
            const int row = e / LORA_TILE_J, j = e % LORA_TILE_J;   // constant powers of two: shifts
            b_tile[j][row] = (o0 + row < N && j < width) ? B[(size_t)(o0 + row) * R + j0 + j] : 0.0f;
        }
        for (int e = lid; e < LORA_TILE_M * LORA_TILE_J; e += LORA_TILE_O * LORA_TILE_M) {
            const int row = e / LORA_TILE_J, j = e % LORA_TILE_J;
            t_tile[row][j] = (m0 + row < M && j < width) ? T[(size_t)(m0 + row) * R + j0 + j] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int j = 0; j < width; ++j) {
            sum = fma(t_tile[lm][j], b_tile[j][lo], sum);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    return sum;
}

// The same sum read straight from global memory. For CPU devices: their caches already hold a
// tile's rows of B, and pocl runs the staging loops and barriers slower (2.5× on this kernel)
// than the strided reads they replace.
inline float expand_direct(const int o, const int m, const int R, __global const float* T, __global const float* B) {
    __global const float* t = T + (size_t)m * R;
    __global const float* b = B + (size_t)o * R;
    float sum = 0.0f;
    for (int j = 0; j < R; ++j) {
        sum = fma(t[j], b[j], sum);
    }
    return sum;
}

// One work-item per element of Y (o along dimension 0, m along 1), in tiles of LORA_TILE_O ×
// LORA_TILE_M; has_bias = 0 ignores `bias` (any valid buffer). Both paths sum fma(T[m, j],
// B[o, j], ·) over j = 0 … R−1 in order: the same arithmetic, so the same bits.
__kernel __attribute__((reqd_work_group_size(LORA_TILE_O, LORA_TILE_M, 1)))
void lora_forward_expand(const int M, const int N, const int R, const float scale,
                         __global const float* T, __global const float* B,
                         __global const float* bias, const int has_bias, __global float* Y) {
    const int o = (int)get_global_id(0), m = (int)get_global_id(1);
#if LORA_STAGE_TILES
    __local float b_tile[LORA_TILE_J][LORA_TILE_O + 1];
    __local float t_tile[LORA_TILE_M][LORA_TILE_J];
    const float sum = expand_staged(M, N, R, T, B, b_tile, t_tile);
#else
    if (o >= N || m >= M) {
        return;
    }
    const float sum = expand_direct(o, m, R, T, B);
#endif
    if (o < N && m < M) {
        Y[(size_t)m * N + o] = (has_bias ? bias[o] : 0.0f) + scale * sum;
    }
}

// Σ_j B[o, j]·A[j, i] for element index = o·K + i of W (N×K): the merges' low-rank term.
inline float low_rank_term(const uint index, const int K, const int R, __global const float* B, __global const float* A) {
    const uint o = index / (uint)K, i = index - o * (uint)K;
    float sum = 0.0f;
    for (int j = 0; j < R; ++j) {
        sum = fma(B[o * R + j], A[(size_t)j * K + i], sum);
    }
    return sum;
}

// One work-item per element of W.
__kernel void lora_merge_half(const int N, const int K, const int R, const float scale,
                              __global const float* B, __global const float* A, __global half* W) {
    const uint index = (uint)get_global_id(0);
    if (index >= (uint)N * (uint)K) {
        return;
    }
    const float sum = low_rank_term(index, K, R, B, A);
    vstore_half_rte(vload_half(index, W) + scale * sum, index, W);
}

__kernel void lora_merge_bfloat16(const int N, const int K, const int R, const float scale,
                                  __global const float* B, __global const float* A, __global ushort* W) {
    const uint index = (uint)get_global_id(0);
    if (index >= (uint)N * (uint)K) {
        return;
    }
    const float sum = low_rank_term(index, K, R, B, A);
    const uint bits = as_uint(as_float((uint)W[index] << 16) + scale * sum);
    W[index] = (bits & 0x7FFFFFFFu) > 0x7F800000u ? (ushort)0x7FC0u : (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}
