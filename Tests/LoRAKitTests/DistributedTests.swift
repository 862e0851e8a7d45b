import LoRAKit
import Testing

/// The parts of multi-process training that need no `mpirun` (ci/test runs the ranks themselves).
@Suite("Distributed training without mpirun")
struct DistributedTests {
    @Test("rank k of N takes items k, k+N, …; the ranks' parts cover a global batch once")
    func shards() {
        let items = Array(10..<17)
        #expect(RankShard(rank: 0, size: 2).take(items) == [10, 12, 14, 16])
        #expect(RankShard(rank: 1, size: 2).take(items) == [11, 13, 15])
        for size in 1...5 {
            let parts = (0..<size).map { RankShard(rank: $0, size: size).take(items) }
            #expect(parts.flatMap { $0 }.sorted() == items)
            #expect(parts.map(\.count).max()! - parts.map(\.count).min()! <= 1)
        }
        #expect(RankShard(rank: 0, size: 1).take(items) == items)
    }

    @Test("MPI only when a launcher started the process")
    func launch() throws {
        #expect(!Launch.isMPI([:]) && !Launch.isMPI(["PATH": "/usr/bin", "OMPI_MCA_foo": "1"]))
        #expect(Launch.isMPI(["OMPI_COMM_WORLD_SIZE": "2"]) && Launch.isMPI(["PMI_SIZE": "4"]) && Launch.isMPI(["PMIX_RANK": "0"]))
        let single = try Launch.communicator(environment: [:])
        #expect(single is SingleProcess && single.rank == 0 && single.size == 1 && single.localRank == 0 && single.isRoot)
    }

    @Test("a single process's collectives leave every buffer as it was")
    func singleProcess() throws {
        let single = SingleProcess()
        var floats: [Float] = [1, -2.5, 3], doubles = [0.25, 7], bytes: [UInt8] = [1, 2, 3]
        try single.allReduceSum(&floats)
        try single.allReduceSum(&doubles)
        try single.broadcast(&bytes, root: 0)
        try single.barrier()
        #expect(floats == [1, -2.5, 3] && doubles == [0.25, 7] && bytes == [1, 2, 3])
        #expect(throws: DistributedError.self) { try single.broadcast(&bytes, root: 1) }
        // The nonblocking sum over one rank is done when it starts.
        let values = UnsafeMutableBufferPointer<Float>.allocate(capacity: 3)
        defer { values.deallocate() }
        _ = values.initialize(from: [1, -2.5, 3])
        let pending = try single.startAllReduceSum(values)
        #expect(try pending.test())
        try pending.wait()
        #expect(Array(values) == [1, -2.5, 3])
    }
}
