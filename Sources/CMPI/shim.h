// Open MPI's C interface (Debian: libopenmpi-dev), used only by LoRAKit's Distributed part.
// MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_SUM and MPI_BYTE are macros over casts of global
// objects, which Swift does not import; these inline functions hand them over as values.
#include <mpi.h>

static inline MPI_Comm lorakit_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype lorakit_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype lorakit_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype lorakit_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op lorakit_mpi_sum(void) { return MPI_SUM; }
static inline int lorakit_mpi_success(void) { return MPI_SUCCESS; }
static inline MPI_Info lorakit_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline void *lorakit_mpi_in_place(void) { return MPI_IN_PLACE; }
