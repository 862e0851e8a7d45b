import CMPI
import Foundation

/// The ranks of MPI_COMM_WORLD. Host buffers only: device data is downloaded, reduced and
/// uploaded by the caller. Created once per process (MPI_Init may run only once). Every MPI
/// call comes from the thread that trains (MPI_Init's MPI_THREAD_SINGLE).
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let localRank: Int
    private let world = lorakit_mpi_comm_world()

    public init() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 { try Self.check(MPI_Init(nil, nil), "MPI_Init") }
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(MPI_Comm_rank(world, &rank), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(world, &size), "MPI_Comm_size")
        (self.rank, self.size) = (Int(rank), Int(size))
        localRank = try Self.localRank(world: world)
    }

    /// The rank among those sharing this machine (MPI_COMM_TYPE_SHARED).
    private static func localRank(world: MPI_Comm?) throws -> Int {
        var node: MPI_Comm?
        try check(MPI_Comm_split_type(world, Int32(MPI_COMM_TYPE_SHARED), 0, lorakit_mpi_info_null(), &node), "MPI_Comm_split_type")
        defer { MPI_Comm_free(&node) }
        var rank: Int32 = 0
        try check(MPI_Comm_rank(node, &rank), "MPI_Comm_rank")
        return Int(rank)
    }

    public func allReduceSum(_ values: inout [Float]) throws {
        try reduce(&values, type: lorakit_mpi_float())
    }

    public func allReduceSum(_ values: inout [Double]) throws {
        try reduce(&values, type: lorakit_mpi_double())
    }

    /// In place (MPI_IN_PLACE), in pieces whose counts fit MPI's Int32.
    private func reduce<T>(_ values: inout [T], type: MPI_Datatype?) throws {
        let piece = Int(Int32.max / 2)
        try values.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: buffer.count, by: piece) {
                let count = Int32(min(piece, buffer.count - start))
                try Self.check(MPI_Allreduce(lorakit_mpi_in_place(), buffer.baseAddress! + start, count, type, lorakit_mpi_sum(), world),
                               "MPI_Allreduce")
            }
        }
    }

    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> any PendingReduction {
        try MPIReduction(values, world: world)
    }

    public func broadcast(_ bytes: inout [UInt8], root: Int) throws {
        guard bytes.count <= Int(Int32.max) else { throw DistributedError(call: "MPI_Bcast", detail: "\(bytes.count) bytes exceed one call") }
        let count = Int32(bytes.count)
        try bytes.withUnsafeMutableBytes { buffer in
            try Self.check(MPI_Bcast(buffer.baseAddress, count, lorakit_mpi_byte(), Int32(root), world), "MPI_Bcast")
        }
    }

    public func barrier() throws {
        try Self.check(MPI_Barrier(world), "MPI_Barrier")
    }

    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("rank \(rank) of \(size): " + message + "\n").utf8))
        MPI_Abort(world, 1)
        exit(1)   // MPI_Abort does not return; this is for the type checker and a broken runtime
    }

    public func finish() {
        MPI_Finalize()
    }

    static func check(_ code: Int32, _ call: String) throws {
        guard code != lorakit_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        let bytes = text.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        throw DistributedError(call: call, detail: String(decoding: bytes, as: UTF8.self))
    }
}
