/// How this process was started: by `mpirun` (or another PMI launcher), or on its own. Only the
/// former initializes MPI, so a plain run never loads Open MPI's runtime.
public enum Launch {
    /// Variables an MPI launcher sets in every rank's environment.
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"]

    /// True when `environment` is that of a rank started by an MPI launcher.
    public static func isMPI(_ environment: [String: String]) -> Bool {
        launcherVariables.contains { environment[$0] != nil }
    }

    /// The communicator of this run: MPI's when launched by `mpirun`, else a single process.
    public static func communicator(environment: [String: String]) throws -> any Communicator {
        isMPI(environment) ? try MPICommunicator() : SingleProcess()
    }
}
