// The attention jobs' bodies. attention.c includes this file once per instruction set, with
// NAME(x) giving that copy's suffix and a target attribute on every function in it; nothing
// here is called across copies, so 64-byte vectors never cross a function boundary of another
// instruction set. Tiles are 64×64; head dimensions are padded with zeros to dp, a multiple of 16.

static inline v16 NAME(load)(const float *p) { v16 x; __builtin_memcpy(&x, p, sizeof x); return x; }
static inline void NAME(store)(float *p, v16 x) { __builtin_memcpy(p, &x, sizeof x); }
static inline v16 NAME(select)(v16i mask, v16 a, v16 b) { return (v16)(((v16i)a & mask) | ((v16i)b & ~mask)); }

static inline float NAME(horizontal_max)(v16 v) {
    float m = v[0];
    for (int i = 1; i < 16; i++) m = v[i] > m ? v[i] : m;
    return m;
}

static inline float NAME(horizontal_sum)(v16 v) {
    float s = 0;
    for (int i = 0; i < 16; i++) s += v[i];
    return s;
}

// e^x within about 1 ulp for x in [−87.3, 88.7] (Cody–Waite reduction by ln 2, Taylor to
// degree 7 on |r| ≤ 0.35); NaN stays NaN, and callers zero what their masks exclude.
static inline v16 NAME(exp)(v16 x) {
    v16 c = x;
    c = NAME(select)(c < -87.33654f, (v16)-87.33654f, c);
    c = NAME(select)(c > 88.72283f, (v16)88.72283f, c);
    v16 n = __builtin_elementwise_floor(c * 1.44269504f + 0.5f);
    v16 r = c - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    v16 e = (v16)(1.0f / 5040);
    e = e * r + 1.0f / 720;
    e = e * r + 1.0f / 120;
    e = e * r + 1.0f / 24;
    e = e * r + 1.0f / 6;
    e = e * r + 0.5f;
    e = e * r + 1.0f;
    e = e * r + 1.0f;
    v16i bits = (__builtin_convertvector(n, v16i) + 127) << 23;
    v16 result = e * (v16)bits;
    return NAME(select)(x != x, x, result);
}

// C[rb rows × 16·cw] (+)= Σ_k a(r, k)·B[k, ·], a(r, k) = A[r·sr + k·sk]: the register tile every
// product below is made of (rb·cw ≤ 16 accumulators). rb and cw are constants where it is inlined.
static inline __attribute__((always_inline)) void NAME(register_tile)(int rb, int cw, int depth, const float *A, long sr, long sk,
                                                                      const float *B, long ldb, float *C, long ldc, int accumulate) {
    v16 acc[8][4];
#pragma unroll
    for (int r = 0; r < rb; r++)
#pragma unroll
        for (int c = 0; c < cw; c++) acc[r][c] = (v16)0.0f;
    for (int k = 0; k < depth; k++) {
        v16 b[4];
#pragma unroll
        for (int c = 0; c < cw; c++) b[c] = NAME(load)(B + k * ldb + 16 * c);
#pragma unroll
        for (int r = 0; r < rb; r++) {
            v16 a = (v16)A[r * sr + k * sk];
#pragma unroll
            for (int c = 0; c < cw; c++) acc[r][c] += a * b[c];
        }
    }
#pragma unroll
    for (int r = 0; r < rb; r++)
#pragma unroll
        for (int c = 0; c < cw; c++) {
            float *out = C + r * ldc + 16 * c;
            NAME(store)(out, accumulate ? NAME(load)(out) + acc[r][c] : acc[r][c]);
        }
}

// C[rows × cols] (+)= A·B for tiles: rows a multiple of 8, cols of 16; a(r, k) as above, B rows
// ldb apart. Columns go in strips of up to 64, rows in blocks of 4 or 8.
static void NAME(tile_product)(int rows, int depth, int cols, const float *A, long sr, long sk,
                               const float *B, long ldb, float *C, long ldc, int accumulate) {
    for (int c0 = 0; c0 < cols;) {
        int cw = (cols - c0) / 16 >= 4 ? 4 : (cols - c0) / 16;
        for (int r0 = 0; r0 < rows; r0 += (cw <= 2 ? 8 : 4)) {
            const float *a = A + r0 * sr, *b = B + c0;
            float *c = C + r0 * ldc + c0;
            switch (cw) {
            case 4: NAME(register_tile)(4, 4, depth, a, sr, sk, b, ldb, c, ldc, accumulate); break;
            case 3: NAME(register_tile)(4, 3, depth, a, sr, sk, b, ldb, c, ldc, accumulate); break;
            case 2: NAME(register_tile)(8, 2, depth, a, sr, sk, b, ldb, c, ldc, accumulate); break;
            default: NAME(register_tile)(8, 1, depth, a, sr, sk, b, ldb, c, ldc, accumulate); break;
            }
        }
        c0 += 16 * cw;
    }
}

// The mask of tile columns c0...c1 (inclusive) in the 16 columns starting at `base`.
static inline v16i NAME(columns)(int base, int c0, int c1) {
    v16i index = (v16i){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} + base;
    return (index >= c0) & (index <= c1);
}

// One score row of the forward: scales it, keeps columns c0...c1, and folds it into the row's
// running maximum m, sum l and output accumulator (dp floats), leaving e^(s − m) in s.
static void NAME(online_softmax_row)(float *s, int c0, int c1, float scale, float *m, float *l, float *out, int dp) {
    v16 top = (v16)-INFINITY;
    for (int c = 0; c < LK_ATTENTION_TILE; c += 16) {
        v16 x = NAME(select)(NAME(columns)(c, c0, c1), NAME(load)(s + c) * scale, (v16)-INFINITY);
        NAME(store)(s + c, x);
        top = __builtin_elementwise_max(top, x);
    }
    float previous = *m, maximum = NAME(horizontal_max)(top);
    maximum = maximum > previous ? maximum : previous;
    if (maximum == -INFINITY) maximum = 0;   // only −∞ scores so far: e^(−∞ − 0) = 0 keeps them out
    v16 total = (v16)0.0f;
    for (int c = 0; c < LK_ATTENTION_TILE; c += 16) {
        v16 e = NAME(select)(NAME(columns)(c, c0, c1), NAME(exp)(NAME(load)(s + c) - maximum), (v16)0.0f);
        NAME(store)(s + c, e);
        total += e;
    }
    float correction = previous == -INFINITY ? 0 : expf(previous - maximum);
    *l = *l * correction + NAME(horizontal_sum)(total);
    *m = maximum;
    if (correction != 1)
        for (int c = 0; c < dp; c += 16) NAME(store)(out + c, NAME(load)(out + c) * correction);
}

// Rows row0 ..< row0 + count of a strided matrix (d columns used) into a 64×dp tile, zeros elsewhere.
static void NAME(load_rows)(float *tile, const float *source, long stride, int row0, int count, int d, int dp) {
    memset(tile, 0, sizeof(float) * LK_ATTENTION_TILE * dp);
    for (int r = 0; r < count; r++) memcpy(tile + r * dp, source + (row0 + r) * stride, sizeof(float) * d);
}

// The same rows transposed, into a dp×64 tile.
static void NAME(load_transposed)(float *tile, const float *source, long stride, int row0, int count, int d) {
    memset(tile, 0, sizeof(float) * LK_ATTENTION_TILE * ((d + 15) & ~15));
    for (int r = 0; r < count; r++)
        for (int c = 0; c < d; c++) tile[c * LK_ATTENTION_TILE + r] = source[(row0 + r) * stride + c];
}

int NAME(forward)(const lk_attention_problem *p, float *o, float *lse, int b, int h, int tile) {
    const int L = p->length, H = p->heads, d = p->head_dim, dp = (d + 15) & ~15, g = h / (H / p->kv_heads);
    const long qs = (long)H * d, ks = (long)p->kv_heads * d;
    const int i0 = tile * LK_ATTENTION_TILE, rows = L - i0 < LK_ATTENTION_TILE ? L - i0 : LK_ATTENTION_TILE;
    float *memory = lk_scratch((size_t)LK_ATTENTION_TILE * (4 * dp + LK_ATTENTION_TILE));
    if (!memory) return -1;
    float *qt = memory, *kt = qt + 64 * dp, *vt = kt + 64 * dp, *acc = vt + 64 * dp, *s = acc + 64 * dp;
    float m[LK_ATTENTION_TILE], l[LK_ATTENTION_TILE];
    int lo[LK_ATTENTION_TILE], first = i0;
    const float *kb = p->k + (long)b * L * ks + g * d, *vb = p->v + (long)b * L * ks + g * d;
    NAME(load_rows)(qt, p->q + (long)b * L * qs + h * d, qs, i0, rows, d, dp);
    memset(acc, 0, sizeof(float) * 64 * dp);
    for (int r = 0; r < rows; r++) {
        m[r] = -INFINITY, l[r] = 0, lo[r] = lk_first_key(p, b, i0 + r);
        first = lo[r] < first ? lo[r] : first;
    }
    for (int j0 = first / 64 * 64; j0 < i0 + rows; j0 += 64) {
        int count = L - j0 < 64 ? L - j0 : 64;
        NAME(load_transposed)(kt, kb, ks, j0, count, d);
        NAME(load_rows)(vt, vb, ks, j0, count, d, dp);
        NAME(tile_product)(64, dp, 64, qt, dp, 1, kt, 64, s, 64, 0);                        // S = Q·Kᵀ
        for (int r = 0; r < 64; r++) {
            int c0 = (r < rows && lo[r] > j0 ? lo[r] : j0) - j0, c1 = i0 + r - j0;
            if (r >= rows || c0 > c1 || c0 > 63) { memset(s + r * 64, 0, sizeof(float) * 64); continue; }
            NAME(online_softmax_row)(s + r * 64, c0, c1 > 63 ? 63 : c1, p->scale, &m[r], &l[r], acc + r * dp, dp);
        }
        NAME(tile_product)(64, 64, dp, s, 64, 1, vt, dp, acc, dp, 1);                      // O += P·V
    }
    for (int r = 0; r < rows; r++) {
        float *out = o + (long)(b * L + i0 + r) * qs + h * d;
        for (int c = 0; c < d; c++) out[c] = acc[r * dp + c] / l[r];
        lse[(long)(b * L + i0 + r) * H + h] = m[r] + logf(l[r]);
    }
    free(memory);
    return 0;
}

// One score row of the backward: P = e^(scale·S − lse) on columns c0...c1 (zero elsewhere) in s,
// and dS = scale·P⊙(dP − delta) in ds, which holds dP on entry.
static void NAME(softmax_gradient_row)(float *s, float *ds, int c0, int c1, float scale, float lse, float delta) {
    for (int c = 0; c < LK_ATTENTION_TILE; c += 16) {
        v16i keep = NAME(columns)(c, c0, c1);
        v16 e = NAME(select)(keep, NAME(exp)(NAME(load)(s + c) * scale - lse), (v16)0.0f);
        NAME(store)(s + c, e);
        NAME(store)(ds + c, e * (NAME(load)(ds + c) - delta) * scale);
    }
}

// delta_i = Σ dO_i·O_i for each row of each of the group's heads, and those heads' dQ rows zeroed.
static void NAME(backward_prologue)(const lk_attention_problem *p, const float *o, const float *d_o, float *dq, float *delta,
                                    int b, int g) {
    const int L = p->length, H = p->heads, d = p->head_dim, group = H / p->kv_heads;
    for (int member = 0; member < group; member++)
        for (int i = 0; i < L; i++) {
            long at = (long)(b * L + i) * H * d + (g * group + member) * d;
            float sum = 0;
            for (int c = 0; c < d; c++) sum += d_o[at + c] * o[at + c];
            delta[member * L + i] = sum;
            memset(dq + at, 0, sizeof(float) * d);
        }
}

// What a backward job works on: the key tile's rows, transposes and gradient accumulators, and
// one query tile's rows, probabilities and score gradients at a time.
typedef struct {
    float *k, *kt, *vt, *dk, *dv, *q, *d_o, *s, *ds, *dq;
} NAME(backward_tiles);

// Query tile i0 of head h against key tile j0: adds to the key tile's dK, dV and to dQ's rows.
static void NAME(backward_tile)(const lk_attention_problem *p, const NAME(backward_tiles) *t, const float *d_o, const float *lse,
                                const float *delta, const int *lo, float *dq, int b, int h, int i0, int j0) {
    const int L = p->length, H = p->heads, d = p->head_dim, dp = (d + 15) & ~15;
    const long qs = (long)H * d;
    const int rows = L - i0 < 64 ? L - i0 : 64;
    NAME(load_rows)(t->q, p->q + (long)b * L * qs + h * d, qs, i0, rows, d, dp);
    NAME(load_rows)(t->d_o, d_o + (long)b * L * qs + h * d, qs, i0, rows, d, dp);
    NAME(tile_product)(64, dp, 64, t->q, dp, 1, t->kt, 64, t->s, 64, 0);                   // S = Q·Kᵀ
    NAME(tile_product)(64, dp, 64, t->d_o, dp, 1, t->vt, 64, t->ds, 64, 0);                // dP = dO·Vᵀ
    for (int r = 0; r < 64; r++) {
        int i = i0 + r, c0 = (r < rows && lo[i] > j0 ? lo[i] : j0) - j0, c1 = i - j0 > 63 ? 63 : i - j0;
        if (r >= rows || c0 > c1) {
            memset(t->s + r * 64, 0, sizeof(float) * 64), memset(t->ds + r * 64, 0, sizeof(float) * 64);
            continue;
        }
        NAME(softmax_gradient_row)(t->s + r * 64, t->ds + r * 64, c0, c1, p->scale, lse[(long)(b * L + i) * H + h], delta[i]);
    }
    NAME(tile_product)(64, 64, dp, t->s, 1, 64, t->d_o, dp, t->dv, dp, 1);                 // dV += Pᵀ·dO
    NAME(tile_product)(64, 64, dp, t->ds, 1, 64, t->q, dp, t->dk, dp, 1);                  // dK += dSᵀ·Q
    NAME(tile_product)(64, 64, dp, t->ds, 64, 1, t->k, dp, t->dq, dp, 0);                  // dQ = dS·K
    for (int r = 0; r < rows; r++) {
        float *out = dq + (long)(b * L + i0 + r) * qs + h * d;
        for (int c = 0; c < d; c++) out[c] += t->dq[r * dp + c];
    }
}

// Whether any row of query tile i0 sees a key of tile j0 (packed examples can end before it).
static int NAME(tile_visible)(const int *lo, int L, int i0, int j0) {
    for (int i = i0; i < L && i < i0 + 64; i++)
        if (lo[i] < j0 + 64 && i >= j0) return 1;
    return 0;
}

int NAME(backward)(const lk_attention_problem *p, const float *o, const float *lse, const float *d_o,
                   float *dq, float *dk, float *dv, int b, int g) {
    const int L = p->length, d = p->head_dim, dp = (d + 15) & ~15, group = p->heads / p->kv_heads;
    const long ks = (long)p->kv_heads * d;
    float *memory = lk_scratch((size_t)64 * (8 * dp + 2 * 64) + (size_t)L * (group + 1));
    if (!memory) return -1;
    NAME(backward_tiles) t;
    t.k = memory, t.kt = t.k + 64 * dp, t.vt = t.kt + 64 * dp, t.dk = t.vt + 64 * dp, t.dv = t.dk + 64 * dp;
    t.q = t.dv + 64 * dp, t.d_o = t.q + 64 * dp, t.dq = t.d_o + 64 * dp, t.s = t.dq + 64 * dp, t.ds = t.s + 64 * 64;
    float *delta = t.ds + 64 * 64;
    int *lo = (int *)(delta + (size_t)L * group);
    for (int i = 0; i < L; i++) lo[i] = lk_first_key(p, b, i);
    NAME(backward_prologue)(p, o, d_o, dq, delta, b, g);
    const float *kb = p->k + (long)b * L * ks + g * d, *vb = p->v + (long)b * L * ks + g * d;
    for (int j0 = 0; j0 < L; j0 += 64) {
        int count = L - j0 < 64 ? L - j0 : 64;
        NAME(load_rows)(t.k, kb, ks, j0, count, d, dp);
        NAME(load_transposed)(t.kt, kb, ks, j0, count, d);
        NAME(load_transposed)(t.vt, vb, ks, j0, count, d);
        memset(t.dk, 0, sizeof(float) * 128 * dp);                                          // dK and dV
        for (int member = 0; member < group; member++)
            for (int i0 = j0; i0 < L; i0 += 64)
                if (NAME(tile_visible)(lo, L, i0, j0))
                    NAME(backward_tile)(p, &t, d_o, lse, delta + member * L, lo, dq, b, g * group + member, i0, j0);
        for (int r = 0; r < count; r++) {
            memcpy(dk + (long)(b * L + j0 + r) * ks + g * d, t.dk + r * dp, sizeof(float) * d);
            memcpy(dv + (long)(b * L + j0 + r) * ks + g * d, t.dv + r * dp, sizeof(float) * d);
        }
    }
    free(memory);
    return 0;
}
