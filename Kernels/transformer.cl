// Transformer ops of a Llama-family decoder, forward and backward. Row-major; R rows (tokens),
// C columns (features). Parameter gradients (the norm's w, the embedding table) are only needed
// by full-parameter training; LoRA fine-tuning never computes them.
//
//   transformer_rmsnorm            y = x·rstd·w, rstd[r] = 1/sqrt(mean_c x² + eps)   (one work-group per row)
//   transformer_rmsnorm_backward   dx (+)= rstd·(w⊙dy) − x·rstd³·(Σ_c w⊙dy⊙x)/C     (one work-group per row)
//   transformer_rmsnorm_weight_gradient_partials  partials[b, c] = Σ_{r in row block b} dy[r,c]·x[r,c]·rstd[r]
//   transformer_rmsnorm_weight_gradient  dw[c] (+)= Σ_b partials[b, c]               (the two passes, see below)
//   transformer_swiglu             out = silu(gate)⊙up, silu(g) = g/(1+e^−g)
//   transformer_swiglu_backward    dgate = dout⊙up⊙silu'(g), dup = dout⊙silu(g)
//   transformer_rope               rotary embedding in place on R×H×D, split-half pairs (i, i+D/2),
//                                  position = offset + row mod S, angle = position·inv_freq[i] (D/2 frequencies,
//                                  θ^(−2i/D) or rescaled, computed on the host); inverse = −angle
//   transformer_rope_at            the same with position = positions[row] (packed sequences restart them per example)

// The group size of a reduction, a power of two chosen per kernel at launch; its `partial`
// argument holds one float per work-item.
#define GROUP_SIZE ((int)get_local_size(0))

// Sum of `value` over the work-group (GROUP_SIZE a power of two); every work-item gets it.
inline float workgroup_sum(float value, __local float* partial) {
    const int lid = (int)get_local_id(0);
    partial[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = GROUP_SIZE / 2; stride > 0; stride /= 2) {
        if (lid < stride) {
            partial[lid] += partial[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float total = partial[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

__kernel void transformer_rmsnorm(const int C, const float eps, __global const float* x, __global const float* w,
                                  __global float* y, __global float* rstd, __local float* partial) {
    const size_t r = get_group_id(0);
    const int lid = (int)get_local_id(0);
    __global const float* row = x + r * (size_t)C;
    float sum = 0.0f;
    for (int c = lid; c < C; c += GROUP_SIZE) {
        sum += row[c] * row[c];
    }
    const float s = rsqrt(workgroup_sum(sum, partial) / C + eps);
    for (int c = lid; c < C; c += GROUP_SIZE) {
        y[r * (size_t)C + c] = row[c] * s * w[c];
    }
    if (lid == 0) {
        rstd[r] = s;
    }
}

__kernel void transformer_rmsnorm_backward(const int C, const int accumulate, __global const float* dy, __global const float* x,
                                           __global const float* w, __global const float* rstd, __global float* dx,
                                           __local float* partial) {
    const size_t r = get_group_id(0);
    const int lid = (int)get_local_id(0);
    const size_t base = r * (size_t)C;
    float dot = 0.0f;
    for (int c = lid; c < C; c += GROUP_SIZE) {
        dot += w[c] * dy[base + c] * x[base + c];
    }
    const float s = rstd[r];
    const float correction = workgroup_sum(dot, partial) * s * s * s / C;
    for (int c = lid; c < C; c += GROUP_SIZE) {
        const float g = s * w[c] * dy[base + c] - x[base + c] * correction;
        dx[base + c] = accumulate ? dx[base + c] + g : g;
    }
}

// The norm weight's gradient in two passes over a fixed partition of the R rows into P blocks
// (P is a constant of the op, not of the device; block b holds rows [b·q + min(b, R mod P), …),
// q = R / P, the first R mod P blocks one row longer). Pass 1: one work-item per (column, block)
// sums its block's rows in order; pass 2: one per column sums the P partials in block order.
// Every sum has one fixed order, so the result is the same bits on every run and every device
// size, and C·P work-items share the rows instead of C (4,096 for a whole GPU).
inline int2 row_block(const int b, const int R, const int P) {
    const int q = R / P, extra = R % P;   // 32-bit, once per work-item
    return (int2)(b * q + min(b, extra), q + (b < extra ? 1 : 0));
}

__kernel void transformer_rmsnorm_weight_gradient_partials(const int R, const int C, const int P, __global const float* dy,
                                                           __global const float* x, __global const float* rstd,
                                                           __global float* partials) {
    const int c = (int)get_global_id(0), b = (int)get_global_id(1);
    if (c >= C) {
        return;
    }
    const int2 block = row_block(b, R, P);
    float sum = 0.0f;
    for (int r = block.x; r < block.x + block.y; r++) {
        const size_t index = (size_t)r * C + c;
        sum += dy[index] * x[index] * rstd[r];
    }
    partials[(size_t)b * C + c] = sum;
}

__kernel void transformer_rmsnorm_weight_gradient(const int C, const int P, const int accumulate, __global const float* partials,
                                                  __global float* dw) {
    const int c = (int)get_global_id(0);
    if (c >= C) {
        return;
    }
    float sum = 0.0f;
    for (int b = 0; b < P; b++) {
        sum += partials[(size_t)b * C + c];
    }
    dw[c] = accumulate ? dw[c] + sum : sum;
}

inline float silu(const float g) { return g / (1.0f + exp(-g)); }

__kernel void transformer_swiglu(const ulong n, __global const float* gate, __global const float* up, __global float* out) {
    const size_t i = get_global_id(0);
    if (i < n) {
        out[i] = silu(gate[i]) * up[i];
    }
}

__kernel void transformer_swiglu_backward(const ulong n, __global const float* dout, __global const float* gate,
                                          __global const float* up, __global float* dgate, __global float* dup) {
    const size_t i = get_global_id(0);
    if (i < n) {
        const float g = gate[i];
        const float sigmoid = 1.0f / (1.0f + exp(-g));
        const float d = dout[i];
        dgate[i] = d * up[i] * sigmoid * (1.0f + g * (1.0f - sigmoid));
        dup[i] = d * g * sigmoid;
    }
}

// One work-item per rotated pair: R·H·(D/2) work-items.
__kernel void transformer_rope(const ulong pairs, const int H, const int D, const int S, const int offset,
                               __global const float* inv_freq, const float sign, __global float* x) {
    const uint index = (uint)get_global_id(0);   // launches are capped at 2^32 work-items
    if (index >= pairs) {
        return;
    }
    const uint half_d = (uint)D / 2;
    const uint head = index / half_d;          // row·H + h
    const int i = (int)(index - head * half_d);
    const uint row = head / (uint)H;
    const float position = (float)(offset + (int)(row % (uint)S));
    const float angle = position * inv_freq[i];
    const float c = cos(angle), s = sign * sin(angle);
    __global float* v = x + head * (size_t)D;
    const float a = v[i], b = v[i + half_d];
    v[i] = a * c - b * s;
    v[i + half_d] = b * c + a * s;
}

// One work-item per rotated pair, as transformer_rope, at each row's own position.
__kernel void transformer_rope_at(const ulong pairs, const int H, const int D, __global const int* positions,
                                  __global const float* inv_freq, const float sign, __global float* x) {
    const uint index = (uint)get_global_id(0);   // launches are capped at 2^32 work-items
    if (index >= pairs) {
        return;
    }
    const uint half_d = (uint)D / 2;
    const uint head = index / half_d;          // row·H + h
    const int i = (int)(index - head * half_d);
    const float angle = (float)positions[head / (uint)H] * inv_freq[i];
    const float c = cos(angle), s = sign * sin(angle);
    __global float* v = x + head * (size_t)D;
    const float a = v[i], b = v[i + half_d];
    v[i] = a * c - b * s;
    v[i + half_d] = b * c + a * s;
}

//   transformer_causal_softmax           P = softmax(scale·S) over columns 0..t+C−R of row t of each R×C group, 0 beyond
//                                        (square for training; R < C when R new queries attend to C cached keys)
//   transformer_causal_softmax_backward  dS = scale·P⊙(dP − Σ_j P⊙dP), 0 beyond the diagonal (dS may alias dP)
//   transformer_cross_entropy            loss = logsumexp(z) − z[label]; dz = (softmax(z) − onehot)·grad_scale;
//                                        label −100 (ignore) gives loss 0 and dz 0, a label outside
//                                        [0, V) a NaN loss and dz 0 (never an out-of-bounds read); dz may alias z
// All three: one work-group per row; rows are (group, t) with t = row mod T (R for the forward softmax).

inline float workgroup_max(float value, __local float* partial) {
    const int lid = (int)get_local_id(0);
    partial[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = GROUP_SIZE / 2; stride > 0; stride /= 2) {
        if (lid < stride) {
            partial[lid] = fmax(partial[lid], partial[lid + stride]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float result = partial[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

__kernel void transformer_causal_softmax(const int R, const int C, const float scale, __global const float* S, __global float* P,
                                         __local float* partial) {
    const uint row = (uint)get_group_id(0);     // launches are capped at 2^32 work-items: 32-bit modulo
    const int t = (int)(row % (uint)R) + (C - R);     // the last key this query may see
    const int T = C;
    const int lid = (int)get_local_id(0);
    __global const float* s = S + row * (size_t)C;
    __global float* p = P + row * (size_t)C;
    float largest = -INFINITY;
    for (int j = lid; j <= t; j += GROUP_SIZE) {
        largest = fmax(largest, scale * s[j]);
    }
    largest = workgroup_max(largest, partial);
    float sum = 0.0f;
    for (int j = lid; j <= t; j += GROUP_SIZE) {
        sum += exp(scale * s[j] - largest);
    }
    const float inverse = 1.0f / workgroup_sum(sum, partial);
    for (int j = lid; j < T; j += GROUP_SIZE) {
        p[j] = j <= t ? exp(scale * s[j] - largest) * inverse : 0.0f;
    }
}

// Packed sequences (square T×T groups, `heads` groups per sequence): row t of sequence b sees
// keys t − positions[b·T + t] ... t, its own example (the position clamped into [0, t]).
__kernel void transformer_packed_causal_softmax(const int T, const int heads, const float scale, __global const int* positions,
                                                __global const float* S, __global float* P, __local float* partial) {
    const uint row = (uint)get_group_id(0);     // launches are capped at 2^32 work-items: 32-bit division
    const int t = (int)(row % (uint)T);
    const uint sequence = row / (uint)T / (uint)heads;
    const int first = t - min(t, max(0, positions[(size_t)sequence * T + t]));
    const int lid = (int)get_local_id(0);
    __global const float* s = S + row * (size_t)T;
    __global float* p = P + row * (size_t)T;
    float largest = -INFINITY;
    for (int j = first + lid; j <= t; j += GROUP_SIZE) {
        largest = fmax(largest, scale * s[j]);
    }
    largest = workgroup_max(largest, partial);
    float sum = 0.0f;
    for (int j = first + lid; j <= t; j += GROUP_SIZE) {
        sum += exp(scale * s[j] - largest);
    }
    const float inverse = 1.0f / workgroup_sum(sum, partial);
    for (int j = lid; j < T; j += GROUP_SIZE) {
        p[j] = j >= first && j <= t ? exp(scale * s[j] - largest) * inverse : 0.0f;
    }
}

__kernel void transformer_causal_softmax_backward(const int T, const float scale, __global const float* P, __global const float* dP,
                                                  __global float* dS, __local float* partial) {
    const uint row = (uint)get_group_id(0);     // launches are capped at 2^32 work-items: 32-bit modulo
    const int t = (int)(row % (uint)T);
    const int lid = (int)get_local_id(0);
    const size_t base = row * (size_t)T;
    float dot = 0.0f;
    for (int j = lid; j <= t; j += GROUP_SIZE) {
        dot += P[base + j] * dP[base + j];
    }
    dot = workgroup_sum(dot, partial);
    for (int j = lid; j < T; j += GROUP_SIZE) {
        dS[base + j] = j <= t ? scale * P[base + j] * (dP[base + j] - dot) : 0.0f;
    }
}

__kernel void transformer_cross_entropy(const int V, const float grad_scale, const int write_gradient, __global const float* logits,
                                        __global const int* labels, __global float* losses, __global float* dlogits,
                                        __local float* partial) {
    const size_t row = get_group_id(0);
    const int lid = (int)get_local_id(0);
    const int label = labels[row];
    __global const float* z = logits + row * (size_t)V;
    if (label == -100 || label < 0 || label >= V) {   // ignored, or invalid: loss 0 or NaN, no gradient
        if (write_gradient) {
            for (int j = lid; j < V; j += GROUP_SIZE) {
                dlogits[row * (size_t)V + j] = 0.0f;
            }
        }
        if (lid == 0) {
            losses[row] = label == -100 ? 0.0f : NAN;
        }
        return;
    }
    float largest = -INFINITY;
    for (int j = lid; j < V; j += GROUP_SIZE) {
        largest = fmax(largest, z[j]);
    }
    largest = workgroup_max(largest, partial);
    float sum = 0.0f;
    for (int j = lid; j < V; j += GROUP_SIZE) {
        sum += exp(z[j] - largest);
    }
    sum = workgroup_sum(sum, partial);
    const float target = z[label];
    if (lid == 0) {
        losses[row] = log(sum) + largest - target;
    }
    barrier(CLK_GLOBAL_MEM_FENCE);   // z[label] is read by every work-item before anyone overwrites it
    if (write_gradient) {
        const float inverse = 1.0f / sum;
        for (int j = lid; j < V; j += GROUP_SIZE) {
            const float probability = exp(z[j] - largest) * inverse;
            dlogits[row * (size_t)V + j] = (probability - (j == label ? 1.0f : 0.0f)) * grad_scale;
        }
    }
}

//   transformer_embedding_float / _half / _bfloat16   out[n, :] = table[ids[n], :] (table float, half or
//                                         bfloat16 storage, widened row by row: no float copy of the table);
//                                         an id outside [0, V) gives a zero row, never an out-of-bounds read
//   transformer_embedding_backward_links  per token n: links[n] = the next token with n's id (−1: none),
//                                         links[N + n] = 1 when n is its id's first token (a valid id)
//   transformer_embedding_backward        dtable[ids[n], :] += dout[n, :] for n in order, one work-item
//                                         per (first token of an id, column) walking that id's tokens
//                                         through links; ids outside [0, V) are skipped

__kernel void transformer_embedding_float(const ulong count, const int C, const int V, __global const int* ids,
                                          __global const float* table, __global float* out) {
    const uint index = (uint)get_global_id(0);
    if (index >= count) {
        return;
    }
    const uint n = index / (uint)C, c = index - n * (uint)C;
    const int id = ids[n];
    out[index] = (id >= 0 && id < V) ? table[(size_t)id * C + c] : 0.0f;
}

__kernel void transformer_embedding_half(const ulong count, const int C, const int V, __global const int* ids,
                                         __global const half* table, __global float* out) {
    const uint index = (uint)get_global_id(0);
    if (index >= count) {
        return;
    }
    const uint n = index / (uint)C, c = index - n * (uint)C;
    const int id = ids[n];
    out[index] = (id >= 0 && id < V) ? vload_half((size_t)id * C + c, table) : 0.0f;
}

// bfloat16 is the top half of a float: the widened bits are written as they are (exact).
__kernel void transformer_embedding_bfloat16(const ulong count, const int C, const int V, __global const int* ids,
                                             __global const ushort* table, __global uint* out) {
    const uint index = (uint)get_global_id(0);
    if (index >= count) {
        return;
    }
    const uint n = index / (uint)C, c = index - n * (uint)C;
    const int id = ids[n];
    out[index] = (id >= 0 && id < V) ? (uint)table[(size_t)id * C + c] << 16 : 0u;
}

// The table's gradient is a scatter by id. Each distinct id is owned by its first token: one
// work-item per (owner, column) adds the id's rows in token order, as the host does, so the result
// is the host's bit for bit on every run: no atomics, no sort, and no per-block copies of the
// vocabulary×columns table (what per-(row block, column) partials would need for a scatter).
// Building the links costs a token a scan back to its id's previous token (to row 0 for a first
// token) and on to its next: O(distinct ids · N) compares at most, cheap next to the N·C adds.
__kernel void transformer_embedding_backward_links(const int N, const int V, __global const int* ids, __global int* links) {
    const int n = (int)get_global_id(0);
    if (n >= N) {
        return;
    }
    const int id = ids[n];
    const int valid = id >= 0 && id < V;
    int first = valid, next = -1;
    for (int m = n - 1; first && m >= 0; m--) {
        first = ids[m] != id;
    }
    for (int m = n + 1; valid && m < N; m++) {
        if (ids[m] == id) {
            next = m;
            break;
        }
    }
    links[n] = next;
    links[N + n] = first;
}

__kernel void transformer_embedding_backward(const int N, const int C, __global const int* ids, __global const int* links,
                                             __global const float* dout, __global float* dtable) {
    const int c = (int)get_global_id(0), n = (int)get_global_id(1);
    if (c >= C || !links[N + n]) {
        return;
    }
    const size_t index = (size_t)ids[n] * C + c;
    float sum = dtable[index];
    for (int m = n; m >= 0; m = links[m]) {
        sum += dout[(size_t)m * C + c];
    }
    dtable[index] = sum;
}
