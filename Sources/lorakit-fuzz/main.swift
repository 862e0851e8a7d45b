import CLibFuzzer
import Foundation
import LoRAKitFuzzing

// libFuzzer's driver over one parser. Built only by `ci/fuzz` (LORAKIT_FUZZ=1 adds this target
// to the package, the parsers compiled with -sanitize=fuzzer,address). LORAKIT_FUZZ_TARGET
// names the parser, so one instrumented binary serves them all; every other argument is
// libFuzzer's (corpus folders, -max_total_time=S, -runs=N, -dict=FILE, …).

let name = ProcessInfo.processInfo.environment["LORAKIT_FUZZ_TARGET"] ?? ""
guard let target = FuzzTarget.named(name) else {
    let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
    FileHandle.standardError.write(Data("lorakit-fuzz: set LORAKIT_FUZZ_TARGET to one of: \(names)\n".utf8))
    exit(2)
}
let selected = target

/// One input. A rejection is an expected outcome; only crashes, hangs and unbounded memory are findings.
func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    try? selected.run(data)
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
