// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "LoRAKit",
    products: [
        .library(name: "LoRAKit", targets: ["LoRAKit"]),
        .library(name: "LoRAKitJinja", targets: ["LoRAKitJinja"]),
        .library(name: "LoRAKitGGUF", targets: ["LoRAKitGGUF"]),
        .executable(name: "lorakit", targets: ["lorakit"]),
        .executable(name: "lorakit-bench", targets: ["lorakit-bench"]),
        .library(name: "LoRAKitTokenizers", targets: ["LoRAKitTokenizers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, each a module map over a Debian -dev package's header.
        .systemLibrary(name: "COpenCL", path: "Sources/COpenCL",
                       providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]),
        .systemLibrary(name: "CCLBlast", path: "Sources/CCLBlast",
                       providers: [.apt(["libclblast-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        // Open MPI, for multi-process (data-parallel) training; only Sources/LoRAKit/Distributed uses it.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),

        // Turns Kernels/*.cl into a Swift source at build time, so every binary carries its kernels.
        .executableTarget(name: "lorakit-embed-kernels", path: "Sources/lorakit-embed-kernels"),
        .plugin(name: "EmbedKernels", capability: .buildTool(),
                dependencies: ["lorakit-embed-kernels"], path: "Plugins/EmbedKernels"),

        // The host's fused causal attention: tile loops in C, compiled for AVX-512, AVX2 + FMA and
        // the baseline and chosen at run time (Swift cannot target wider vectors per function).
        .target(name: "CHostAttention", path: "Sources/CHostAttention"),

        .target(
            name: "LoRAKit",
            dependencies: ["COpenCL", "CCLBlast", "CBLAS", "CMPI", "CHostAttention", "LoRAKitTokenizers", "LoRAKitJinja", "LoRAKitGGUF"],
            path: "Sources/LoRAKit",
            plugins: ["EmbedKernels"]
        ),
        // A GEMM-only backend of plain double-precision loops, built on LoRAKit's public device core
        // alone: the harness's GEMM reference, and the proof that a backend can live outside LoRAKit.
        .target(name: "LoRAKitReferenceBackend", dependencies: ["LoRAKit"], path: "Sources/LoRAKitReferenceBackend"),
        // Chat-template interpreter (the Jinja subset real templates use); no dependencies.
        .target(name: "LoRAKitJinja", path: "Sources/LoRAKitJinja"),
        // GGUF container and llama.cpp block formats; self-contained, no GPU or BLAS.
        .target(name: "LoRAKitGGUF", path: "Sources/LoRAKitGGUF"),
        .executableTarget(
            name: "lorakit",
            dependencies: ["LoRAKit", "LoRAKitGGUF", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/lorakit"
        ),
        .executableTarget(
            name: "lorakit-bench",
            dependencies: ["LoRAKit", "LoRAKitTokenizers", "LoRAKitGGUF", "CBLAS", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/lorakit-bench"
        ),
        // The parsers under fuzzing, as functions of bytes; run as tests on the committed corpora
        // and, through lorakit-fuzz, by libFuzzer (ci/fuzz).
        .target(name: "LoRAKitFuzzing", dependencies: ["LoRAKit", "LoRAKitTokenizers", "LoRAKitJinja", "LoRAKitGGUF"],
                path: "Sources/LoRAKitFuzzing"),
        // Reads Hugging Face tokenizer.json files; no dependencies, so it builds anywhere.
        .target(name: "LoRAKitTokenizers", path: "Sources/LoRAKitTokenizers"),
        .testTarget(
            name: "LoRAKitTokenizersTests",
            // LoRAKitGGUF only reads the GGUF vocabulary fixtures; the module itself does not use it.
            dependencies: ["LoRAKitTokenizers", "LoRAKitGGUF"],
            path: "Tests/LoRAKitTokenizersTests",
            // Read from the source tree by path, not bundled.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "LoRAKitTests",
            dependencies: ["LoRAKit", "LoRAKitTokenizers", "LoRAKitJinja", "LoRAKitGGUF", "LoRAKitFuzzing", "LoRAKitReferenceBackend"],
            path: "Tests/LoRAKitTests",
            // Read from the source tree by path (Support/Fixtures.swift), not bundled.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "LoRAKitJinjaTests",
            dependencies: ["LoRAKitJinja"],
            path: "Tests/LoRAKitJinjaTests",
            // Read from the source tree by path, not bundled.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "LoRAKitGGUFTests",
            dependencies: ["LoRAKitGGUF"],
            path: "Tests/LoRAKitGGUFTests",
            // Fixtures are read by path from the source tree (FixturePaths.swift).
            exclude: ["Fixtures"]
        ),
    ]
)

// libFuzzer's binary exists only in ci/fuzz's build (LORAKIT_FUZZ=1): libFuzzer supplies its
// main, so an ordinary build could not link it. The parsers' modules are compiled with
// libFuzzer's coverage and the address sanitizer; the build-time tools are left as they are.
if Context.environment["LORAKIT_FUZZ"] == "1" {
    let sanitize = ["-sanitize=fuzzer,address"]
    let instrumented: Set = ["LoRAKit", "LoRAKitTokenizers", "LoRAKitJinja", "LoRAKitGGUF", "LoRAKitFuzzing"]
    for target in package.targets where instrumented.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitize)]
    }
    package.products.append(.executable(name: "lorakit-fuzz", targets: ["lorakit-fuzz"]))
    package.targets += [
        .target(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .executableTarget(name: "lorakit-fuzz", dependencies: ["LoRAKitFuzzing", "CLibFuzzer"], path: "Sources/lorakit-fuzz",
                          swiftSettings: [.unsafeFlags(sanitize)], linkerSettings: [.unsafeFlags(sanitize + ["-use-ld=lld"])]),
    ]
}
