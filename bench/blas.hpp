// BLAS threads: every OpenBLAS copy in the process follows one thread count.
#pragma once

#include <string>

namespace bench {

/// Sets the thread count of tapegrad's gemm and of every other OpenBLAS copy
/// loaded in the process (LibTorch may bring its own via libblas.so.3).
void set_blas_threads(int threads);
/// Which library each BLAS entry point resolves to, for the run's header.
std::string blas_report();

}  // namespace bench
