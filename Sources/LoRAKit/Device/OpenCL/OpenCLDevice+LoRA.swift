extension OpenCLDevice {
    public func dropout(_ x: DeviceBuffer, into out: DeviceBuffer, probability: Float, key: DropoutKey) throws {
        try LoRAContract.dropout(x: x, out: out, probability: probability, on: self)
        let rule = DropoutRule(probability: probability)
        let philoxKey = key.philoxKey
        try launch("lora_dropout", program: "lora",
                   arguments: [.ulong(UInt64(x.count)), .uint(rule.threshold), .float(rule.keepScale),
                               .uint(philoxKey[0]), .uint(philoxKey[1]), .uint(key.stream), .uint(key.step),
                               .buffer(x), .buffer(out)],
                   over: .items((x.count + 3) / 4))
    }

    public func loraExpand(t: DeviceBuffer, b: DeviceBuffer, bias: DeviceBuffer?, scale: Float,
                           rows: Int, outFeatures: Int, rank: Int, into y: DeviceBuffer) throws {
        try LoRAContract.loraExpand(t: t, b: b, bias: bias, y: y, rows: rows, outFeatures: outFeatures, rank: rank, on: self)
        try launch("lora_forward_expand", program: "lora",
                   arguments: [.int(Int32(rows)), .int(Int32(outFeatures)), .int(Int32(rank)), .float(scale),
                               .buffer(t), .buffer(b), .buffer(bias ?? b), .int(bias == nil ? 0 : 1), .buffer(y)],
                   over: .tiles(columns: outFeatures, rows: rows, tile: tuning.loraTile))
    }

    public func loraMerge(into weight: DeviceBuffer, b: DeviceBuffer, a: DeviceBuffer, scale: Float,
                          outFeatures: Int, inFeatures: Int, rank: Int) throws {
        try LoRAContract.loraMerge(weight: weight, b: b, a: a, outFeatures: outFeatures, inFeatures: inFeatures,
                                   rank: rank, on: self)
        if try loraMergeFloat32WithGEMM(into: weight, b: b, a: a, scale: scale, outFeatures: outFeatures,
                                        inFeatures: inFeatures, rank: rank) {
            return
        }
        try launch(weight.elementType == .float16 ? "lora_merge_half" : "lora_merge_bfloat16", program: "lora",
                   arguments: [.int(Int32(outFeatures)), .int(Int32(inFeatures)), .int(Int32(rank)), .float(scale),
                               .buffer(b), .buffer(a), .buffer(weight)],
                   over: .items(outFeatures * inFeatures))
    }
}
