/// How a `LlamaModel` puts a checkpoint's tensors on its device: norms and biases as float32,
/// frozen matrices (the embedding, the LM head, Linear weights) in their stored precision (F32,
/// F16, BF16) or NF4, and in full-parameter training every tensor as float32 with a gradient
/// buffer beside it.
struct CheckpointTensors {
    let checkpoint: ModelCheckpoint
    let device: any Device
    let fullParameter: Bool
    let quantizeToNF4: Bool

    /// A tensor as a float32 buffer.
    func dense(_ name: String) throws -> DeviceBuffer {
        try device.makeBuffer(try checkpoint.floats(name), label: name)
    }

    /// A frozen matrix in its stored precision: F16 and BF16 stay 16-bit on the device, their
    /// bytes uploaded as stored (half the memory of float32; each GEMM widens a block of rows at
    /// a time, the embedding widens the rows it gathers); F32 stays float32. In full-parameter
    /// training every tensor is float32.
    func frozenDense(_ name: String) throws -> DeviceBuffer {
        let stored = try checkpoint.stored(name)
        let storage: [SafeTensorsDType: ElementType] = [.f16: .float16, .bf16: .bfloat16]
        guard let type = storage[stored.dtype], !fullParameter else { return try dense(name) }
        return try device.makeBuffer(type, bytes: stored.bytes, label: name)
    }

    /// The gradient buffer of a trained tensor; nil unless every tensor is trained.
    func gradient(for buffer: DeviceBuffer) throws -> DeviceBuffer? {
        fullParameter ? try device.makeBuffer(.float32, count: buffer.count, label: buffer.label + ".grad") : nil
    }

    /// A frozen Linear weight: NF4 as stored, a GGUF block format as stored (its rows in
    /// transformers' order), NF4 quantized on load (the blocks' weights, with `quantizeToNF4`),
    /// or dense.
    func weight(_ name: String) throws -> FrozenWeight {
        if checkpoint.isQuantized(name) { return .nf4(try NF4Weight(try checkpoint.nf4(name), on: device, label: name)) }
        if !fullParameter, !quantizeToNF4, let quantized = try checkpoint.ggufBlocks(name) {
            return .gguf(try GGUFWeight(type: quantized.type, shape: quantized.shape, bytes: [UInt8](quantized.bytes), on: device, label: name))
        }
        if quantizeToNF4, name.hasPrefix("model.layers.") {
            let (rows, columns) = try checkpoint.shape(of: name)
            return .nf4(try NF4Weight(NF4Codec.quantize(try checkpoint.floats(name), shape: [rows, columns]), on: device, label: name))
        }
        return .dense(try frozenDense(name))
    }
}
