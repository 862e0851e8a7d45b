import CMPI

/// An in-place MPI_Iallreduce (sum) of floats, started in pieces whose counts fit MPI's Int32;
/// tested with MPI_Testall and waited for with MPI_Waitall over the pieces' requests.
final class MPIReduction: PendingReduction {
    private var requests: [MPI_Request?] = []

    init(_ values: UnsafeMutableBufferPointer<Float>, world: MPI_Comm?) throws {
        let piece = Int(Int32.max / 2)
        guard let base = values.baseAddress else { return }
        for start in stride(from: 0, to: values.count, by: piece) {
            var request: MPI_Request?
            try MPICommunicator.check(MPI_Iallreduce(lorakit_mpi_in_place(), base + start, Int32(min(piece, values.count - start)),
                                                     lorakit_mpi_float(), lorakit_mpi_sum(), world, &request), "MPI_Iallreduce")
            requests.append(request)
        }
    }

    func test() throws -> Bool {
        var done: Int32 = 0
        let count = Int32(requests.count)
        try requests.withUnsafeMutableBufferPointer { requests in
            try MPICommunicator.check(MPI_Testall(count, requests.baseAddress, &done, nil), "MPI_Testall")
        }
        return done != 0
    }

    func wait() throws {
        let count = Int32(requests.count)
        try requests.withUnsafeMutableBufferPointer { requests in
            try MPICommunicator.check(MPI_Waitall(count, requests.baseAddress, nil), "MPI_Waitall")
        }
    }
}
