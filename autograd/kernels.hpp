// Kernels: the dense matrix product every linear-algebra op calls.
#pragma once

#include <cstddef>

namespace tapegrad {

/// C = alpha op(A) op(B) + beta C, row-major; op(A) is (m, k), op(B) is (k, n).
/// Uses OpenBLAS when tapegrad was built with it, else a built-in blocked loop.
template <class T>
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
          T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
          std::size_t ldc);

/// Threads the matrix kernels may use (OpenBLAS's pool); 0 leaves its default.
void set_num_threads(int threads);
int num_threads();
/// "openblas" or "builtin".
const char* gemm_backend();

}  // namespace tapegrad
