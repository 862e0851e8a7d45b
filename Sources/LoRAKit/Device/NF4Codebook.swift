/// The two code books of bitsandbytes' NF4 with double quantization.
public enum NF4Codebook {
    /// The 16 NormalFloat values (QLoRA, Dettmers et al. 2023), indexed by the 4-bit code.
    public static let values: [Float] = [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
        -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
        0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
        0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
    ]

    /// Decision points between neighbouring codes, computed in float32 as bitsandbytes does
    /// ((c[i] + c[i+1]) / 2); a value equal to a midpoint takes the lower code.
    static let midpoints: [Float] = (0..<15).map { (values[$0] + values[$0 + 1]) / 2 }

    /// bitsandbytes' signed 8-bit dynamic map (`create_dynamic_map(signed=True)`), used to
    /// quantize the per-block absmax values in double quantization. Sorted ascending. Generated
    /// with bitsandbytes 0.50.2; `NF4Tests` checks it against the `nested_quant_map` of the fixtures.
    public static let dynamicMap: [Float] = [
        -0x1.fc6666p-1, -0x1.f53334p-1, -0x1.ee0000p-1, -0x1.e6ccccp-1,
        -0x1.df999ap-1, -0x1.d86666p-1, -0x1.d13334p-1, -0x1.ca0000p-1,
        -0x1.c2ccccp-1, -0x1.bb999ap-1, -0x1.b46666p-1, -0x1.ad3334p-1,
        -0x1.a60000p-1, -0x1.9eccccp-1, -0x1.97999ap-1, -0x1.906666p-1,
        -0x1.893334p-1, -0x1.820000p-1, -0x1.7accccp-1, -0x1.73999ap-1,
        -0x1.6c6668p-1, -0x1.653334p-1, -0x1.5e0000p-1, -0x1.56ccccp-1,
        -0x1.4f999ap-1, -0x1.486668p-1, -0x1.413334p-1, -0x1.3a0000p-1,
        -0x1.32ccccp-1, -0x1.2b999ap-1, -0x1.246668p-1, -0x1.1d3334p-1,
        -0x1.160000p-1, -0x1.0eccccp-1, -0x1.079998p-1, -0x1.006666p-1,
        -0x1.f26664p-2, -0x1.e40000p-2, -0x1.d59998p-2, -0x1.c73334p-2,
        -0x1.b8ccccp-2, -0x1.aa6666p-2, -0x1.9c0000p-2, -0x1.8d9998p-2,
        -0x1.7f3334p-2, -0x1.70ccccp-2, -0x1.626666p-2, -0x1.540000p-2,
        -0x1.459998p-2, -0x1.373334p-2, -0x1.28ccccp-2, -0x1.1a6668p-2,
        -0x1.0c0000p-2, -0x1.fb3332p-3, -0x1.de6666p-3, -0x1.c1999ap-3,
        -0x1.a4ccccp-3, -0x1.880000p-3, -0x1.6b3334p-3, -0x1.4e6666p-3,
        -0x1.31999ap-3, -0x1.14ccccp-3, -0x1.fp-4, -0x1.b66668p-4,
        -0x1.93d70ap-4, -0x1.8851eep-4, -0x1.7ccccep-4, -0x1.7147aep-4,
        -0x1.65c290p-4, -0x1.5a3d70p-4, -0x1.4eb854p-4, -0x1.433334p-4,
        -0x1.37ae14p-4, -0x1.2c28f6p-4, -0x1.20a3d6p-4, -0x1.151ebap-4,
        -0x1.09999ap-4, -0x1.fc28f6p-5, -0x1.e51ebap-5, -0x1.ce147ap-5,
        -0x1.b70a3ep-5, -0x1.ap-5, -0x1.88f5c2p-5, -0x1.71eb86p-5,
        -0x1.5ae146p-5, -0x1.43d70ap-5, -0x1.2ccccep-5, -0x1.15c290p-5,
        -0x1.fd70a4p-6, -0x1.cf5c2ap-6, -0x1.a147aep-6, -0x1.733334p-6,
        -0x1.451ebap-6, -0x1.170a3ep-6, -0x1.d1eb86p-7, -0x1.75c290p-7,
        -0x1.3e76c8p-7, -0x1.2c0830p-7, -0x1.19999ap-7, -0x1.072b02p-7,
        -0x1.e978d4p-8, -0x1.c49ba6p-8, -0x1.9fbe76p-8, -0x1.7ae148p-8,
        -0x1.56041ap-8, -0x1.3126e8p-8, -0x1.0c49bap-8, -0x1.ced914p-9,
        -0x1.851eb8p-9, -0x1.3b645ap-9, -0x1.e353f8p-10, -0x1.4fdf3ap-10,
        -0x1.eecbfep-11, -0x1.b3d07cp-11, -0x1.78d500p-11, -0x1.3dd982p-11,
        -0x1.02de02p-11, -0x1.8fc506p-12, -0x1.19ce0ap-12, -0x1.47ae16p-13,
        -0x1.743e96p-14, -0x1.15df66p-14, -0x1.6f0068p-15, -0x1.64840cp-16,
        -0x1.040bfep-17, -0x1.b43528p-19, -0x1.27476ep-21, 0x0.0p+0,
        0x1.27476ep-21, 0x1.b43528p-19, 0x1.040bfep-17, 0x1.64840cp-16,
        0x1.6f0068p-15, 0x1.15df66p-14, 0x1.743e96p-14, 0x1.47ae16p-13,
        0x1.19ce0ap-12, 0x1.8fc506p-12, 0x1.02de02p-11, 0x1.3dd982p-11,
        0x1.78d500p-11, 0x1.b3d07cp-11, 0x1.eecbfep-11, 0x1.4fdf3ap-10,
        0x1.e353f8p-10, 0x1.3b645ap-9, 0x1.851eb8p-9, 0x1.ced914p-9,
        0x1.0c49bap-8, 0x1.3126e8p-8, 0x1.56041ap-8, 0x1.7ae148p-8,
        0x1.9fbe76p-8, 0x1.c49ba6p-8, 0x1.e978d4p-8, 0x1.072b02p-7,
        0x1.19999ap-7, 0x1.2c0830p-7, 0x1.3e76c8p-7, 0x1.75c290p-7,
        0x1.d1eb86p-7, 0x1.170a3ep-6, 0x1.451ebap-6, 0x1.733334p-6,
        0x1.a147aep-6, 0x1.cf5c2ap-6, 0x1.fd70a4p-6, 0x1.15c290p-5,
        0x1.2ccccep-5, 0x1.43d70ap-5, 0x1.5ae146p-5, 0x1.71eb86p-5,
        0x1.88f5c2p-5, 0x1.ap-5, 0x1.b70a3ep-5, 0x1.ce147ap-5,
        0x1.e51ebap-5, 0x1.fc28f6p-5, 0x1.09999ap-4, 0x1.151ebap-4,
        0x1.20a3d6p-4, 0x1.2c28f6p-4, 0x1.37ae14p-4, 0x1.433334p-4,
        0x1.4eb854p-4, 0x1.5a3d70p-4, 0x1.65c290p-4, 0x1.7147aep-4,
        0x1.7ccccep-4, 0x1.8851eep-4, 0x1.93d70ap-4, 0x1.b66668p-4,
        0x1.fp-4, 0x1.14ccccp-3, 0x1.31999ap-3, 0x1.4e6666p-3,
        0x1.6b3334p-3, 0x1.880000p-3, 0x1.a4ccccp-3, 0x1.c1999ap-3,
        0x1.de6666p-3, 0x1.fb3332p-3, 0x1.0c0000p-2, 0x1.1a6668p-2,
        0x1.28ccccp-2, 0x1.373334p-2, 0x1.459998p-2, 0x1.540000p-2,
        0x1.626666p-2, 0x1.70ccccp-2, 0x1.7f3334p-2, 0x1.8d9998p-2,
        0x1.9c0000p-2, 0x1.aa6666p-2, 0x1.b8ccccp-2, 0x1.c73334p-2,
        0x1.d59998p-2, 0x1.e40000p-2, 0x1.f26664p-2, 0x1.006666p-1,
        0x1.079998p-1, 0x1.0eccccp-1, 0x1.160000p-1, 0x1.1d3334p-1,
        0x1.246668p-1, 0x1.2b999ap-1, 0x1.32ccccp-1, 0x1.3a0000p-1,
        0x1.413334p-1, 0x1.486668p-1, 0x1.4f999ap-1, 0x1.56ccccp-1,
        0x1.5e0000p-1, 0x1.653334p-1, 0x1.6c6668p-1, 0x1.73999ap-1,
        0x1.7accccp-1, 0x1.820000p-1, 0x1.893334p-1, 0x1.906666p-1,
        0x1.97999ap-1, 0x1.9eccccp-1, 0x1.a60000p-1, 0x1.ad3334p-1,
        0x1.b46666p-1, 0x1.bb999ap-1, 0x1.c2ccccp-1, 0x1.ca0000p-1,
        0x1.d13334p-1, 0x1.d86666p-1, 0x1.df999ap-1, 0x1.e6ccccp-1,
        0x1.ee0000p-1, 0x1.f53334p-1, 0x1.fc6666p-1, 0x1.0p+0,
    ]
}
