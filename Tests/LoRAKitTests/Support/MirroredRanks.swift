import LoRAKit

/// A communicator of `size` ranks that all hold this process's values, so a sum is the values
/// × size. Its nonblocking sums finish after `testsToFinish` tests or a wait and only then write
/// the sum, so a reducer that copies a buffer back early gets the unsummed values. It records
/// the size of every sum it starts.
final class MirroredRanks: Communicator {
    let size: Int
    let testsToFinish: Int
    private(set) var started: [Int] = []

    init(size: Int = 2, testsToFinish: Int = 1) {
        (self.size, self.testsToFinish) = (size, testsToFinish)
    }

    var rank: Int { 0 }
    var localRank: Int { 0 }
    func allReduceSum(_ values: inout [Float]) throws { values = values.map { $0 * Float(size) } }
    func allReduceSum(_ values: inout [Double]) throws { values = values.map { $0 * Double(size) } }
    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> any PendingReduction {
        started.append(values.count)
        return Sum(values, factor: Float(size), tests: testsToFinish)
    }
    func broadcast(_ bytes: inout [UInt8], root: Int) throws {}
    func barrier() throws {}
    func abort(_ message: String) -> Never { fatalError(message) }
    func finish() {}

    final class Sum: PendingReduction {
        let values: UnsafeMutableBufferPointer<Float>
        let factor: Float
        var testsLeft: Int
        var done = false

        init(_ values: UnsafeMutableBufferPointer<Float>, factor: Float, tests: Int) {
            (self.values, self.factor, testsLeft) = (values, factor, tests)
        }

        func test() throws -> Bool {
            testsLeft -= 1
            if testsLeft <= 0 { try wait() }
            return done
        }

        func wait() throws {
            guard !done else { return }
            for index in values.indices { values[index] *= factor }
            done = true
        }
    }
}
