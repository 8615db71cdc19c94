// BLAS threads: every OpenBLAS copy in the process follows one thread count.
#pragma once

#include <string>

namespace bench {

/// Sets the thread count of tapegrad's gemm and of every other OpenBLAS copy
/// loaded in the process (LibTorch may bring its own via libblas.so.3).
void set_blas_threads(int threads);
/// Which library each BLAS entry point resolves to, for the run's header.
std::string blas_report();

/// OpenBLAS 0.3.21 does not know recent CPUs (e.g. Intel family 6 model 207)
/// and falls back to its Prescott (SSE3) kernels, 5x slower than the AVX-512
/// ones. When that happened on a CPU with AVX-512 (or AVX2 + FMA) and
/// OPENBLAS_CORETYPE is unset, this re-executes the program with
/// OPENBLAS_CORETYPE=SkylakeX (or Haswell); every OpenBLAS copy in the process,
/// LibTorch's included, reads it. It also sets OPENBLAS_THREAD_TIMEOUT=4 when
/// unset, so idle workers sleep at once and a 1-thread row uses one core.
/// Returns only if nothing had to change.
void exec_with_known_blas_core(char** argv);

}  // namespace bench
