// Links tapegrad::mpi: whether an MPI launcher started this process.
#include <cstdio>

#include "dist/mpi_communicator.hpp"

int main() { std::printf("launched by mpirun: %s\n", tapegrad::dist::launched_by_mpi() ? "yes" : "no"); }
