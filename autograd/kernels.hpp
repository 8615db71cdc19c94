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

/// At or below this many multiply-adds (m n k) a product is a few plain loops
/// (the 4-3-2-1 example's layers): a call into gemm would cost more.
inline constexpr std::size_t kTinyProduct = 64;

/// C += alpha op(A) op(B) in plain loops over contiguous rows, for tiny products.
template <class T>
inline void tiny_product(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha,
                         const T* a, std::size_t lda, const T* b, std::size_t ldb, T* c,
                         std::size_t ldc) {
  const std::size_t ai = ta ? 1 : lda, ap = ta ? lda : 1;  // A(i, p) = a[i ai + p ap]
  if (!tb) {
    // C(i, j) += alpha A(i, p) B(p, j), p = 0, 1, ... in turn, C(i, j) held in
    // a register: rows this short gain nothing from vectors, and a stored
    // row reloaded for every p stalls on the store.
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        T sum = c[i * ldc + j];
        for (std::size_t p = 0; p < k; ++p) sum += alpha * a[i * ai + p * ap] * b[p * ldb + j];
        c[i * ldc + j] = sum;
      }
    return;
  }
  // op(B) = B^T: C(i, j) += alpha sum_p A(i, p) B(j, p)
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const T* brow = b + j * ldb;
      T sum = 0;
      for (std::size_t p = 0; p < k; ++p) sum += a[i * ai + p * ap] * brow[p];
      c[i * ldc + j] += alpha * sum;
    }
}

/// C += op(A) op(B), the engine's products: tiny ones inline, others through gemm.
template <bool ta, bool tb, class T>
inline void product(std::size_t m, std::size_t n, std::size_t k, const T* a, std::size_t lda,
                    const T* b, std::size_t ldb, T* c, std::size_t ldc) {
  if (m * n * k <= kTinyProduct) tiny_product<T>(ta, tb, m, n, k, T(1), a, lda, b, ldb, c, ldc);
  else gemm<T>(ta, tb, m, n, k, T(1), a, lda, b, ldb, T(1), c, ldc);
}

}  // namespace tapegrad
