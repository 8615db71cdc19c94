// Kernels: gemm through OpenBLAS, or a portable cache-blocked fallback.
#include "autograd/kernels.hpp"

#include <algorithm>
#include <vector>

#include "autograd/rules.hpp"  // dual arithmetic

#ifdef TAPEGRAD_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace tapegrad {
namespace {

// Row-major C (m x n) += alpha op(A) op(B), with i-k-j order so the inner loop
// runs over contiguous rows of B and C and vectorises; transposed operands are
// read through their strides.
template <class T>
[[gnu::noinline]] void gemm_builtin(bool ta, bool tb, std::size_t m, std::size_t n,
                                    std::size_t k, T alpha, const T* a, std::size_t lda,
                                    const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  for (std::size_t i = 0; i < m; ++i) {
    T* crow = c + i * ldc;
    if (beta == T(0)) std::fill_n(crow, n, T(0));
    else if (beta != T(1)) for (std::size_t j = 0; j < n; ++j) crow[j] *= beta;
  }
  if (!tb) {
    constexpr std::size_t block = 256;
    for (std::size_t p0 = 0; p0 < k; p0 += block) {
      const std::size_t p1 = std::min(k, p0 + block);
      for (std::size_t i = 0; i < m; ++i) {
        T* crow = c + i * ldc;
        for (std::size_t p = p0; p < p1; ++p) {
          const T aip = alpha * (ta ? a[p * lda + i] : a[i * lda + p]);
          const T* brow = b + p * ldb;
          for (std::size_t j = 0; j < n; ++j) crow[j] += aip * brow[j];
        }
      }
    }
    return;
  }
  // op(B) = B^T: C_ij = sum_p A_ip B_jp, dot products over contiguous rows of B.
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const T* brow = b + j * ldb;
      T sum = 0;
      if (!ta) {
        const T* arow = a + i * lda;
        for (std::size_t p = 0; p < k; ++p) sum += arow[p] * brow[p];
      } else {
        for (std::size_t p = 0; p < k; ++p) sum += a[p * lda + i] * brow[p];
      }
      c[i * ldc + j] += alpha * sum;
    }
}

// Tiny products: C is scaled by beta once, then tiny_product's loops. Out of
// line, like the blocked loop, so that gemm itself stays a small dispatcher.
template <class T>
[[gnu::noinline]] void gemm_tiny(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k,
                                 T alpha, const T* a, std::size_t lda, const T* b,
                                 std::size_t ldb, T beta, T* c, std::size_t ldc) {
  if (beta != T(1))
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        T& out = c[i * ldc + j];
        out = beta == T(0) ? T(0) : beta * out;  // beta = 0 overwrites NaN too
      }
  tiny_product(ta, tb, m, n, k, alpha, a, lda, b, ldb, c, ldc);
}

// From this many multiply-adds on, BLAS beats the built-in loops.
constexpr std::size_t kBlasProduct = 4096;

// A product of duals is three real ones, C.value = A.value B.value and
// C.tangent = A.tangent B.value + A.value B.tangent, so a large one runs on the
// real gemm (BLAS) after splitting the interleaved parts apart. Real alpha and
// beta only (the engine's products all use 1 and 0 or 1).
template <class R>
void gemm_dual_split(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, R alpha,
                     const Dual<R>* a, std::size_t lda, const Dual<R>* b, std::size_t ldb,
                     R beta, Dual<R>* c, std::size_t ldc) {
  // Stored shapes: A is (m, k), or (k, m) transposed; B likewise.
  const std::size_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
  auto split = [](const Dual<R>* x, std::size_t rows, std::size_t cols, std::size_t ld,
                  std::vector<R>& value, std::vector<R>& tangent) {
    value.resize(rows * cols);
    tangent.resize(rows * cols);
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) {
        value[i * cols + j] = x[i * ld + j].value;
        tangent[i * cols + j] = x[i * ld + j].tangent;
      }
  };
  std::vector<R> av, at, bv, bt, cv, ct;
  split(a, ar, ac, lda, av, at);
  split(b, br, bc, ldb, bv, bt);
  split(c, m, n, ldc, cv, ct);
  gemm<R>(ta, tb, m, n, k, alpha, av.data(), ac, bv.data(), bc, beta, cv.data(), n);
  gemm<R>(ta, tb, m, n, k, alpha, at.data(), ac, bv.data(), bc, beta, ct.data(), n);
  gemm<R>(ta, tb, m, n, k, alpha, av.data(), ac, bt.data(), bc, R(1), ct.data(), n);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] = {cv[i * n + j], ct[i * n + j]};
}

}  // namespace

template <class T>
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
          std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (m * n * k <= kTinyProduct) {
    gemm_tiny(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  if constexpr (is_dual<T>) {
    if (m * n * k >= kBlasProduct && alpha.tangent == 0 && beta.tangent == 0) {
      gemm_dual_split(ta, tb, m, n, k, alpha.value, a, lda, b, ldb, beta.value, c, ldc);
      return;
    }
  } else {
#ifdef TAPEGRAD_HAVE_OPENBLAS
    // Tiny products (scalar-sized layers like the 4-3-2-1 example's) lose more to BLAS call
    // overhead than they gain from its kernels.
    if (m * n * k >= kBlasProduct) {
      const auto A = ta ? CblasTrans : CblasNoTrans;
      const auto B = tb ? CblasTrans : CblasNoTrans;
      const auto M = static_cast<blasint>(m), N = static_cast<blasint>(n),
                 K = static_cast<blasint>(k);
      if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, A, B, M, N, K, alpha, a, static_cast<blasint>(lda), b,
                    static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
      else
        cblas_dgemm(CblasRowMajor, A, B, M, N, K, alpha, a, static_cast<blasint>(lda), b,
                    static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
      return;
    }
#endif
  }
  gemm_builtin(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template void gemm<float>(bool, bool, std::size_t, std::size_t, std::size_t, float, const float*,
                          std::size_t, const float*, std::size_t, float, float*, std::size_t);
template void gemm<double>(bool, bool, std::size_t, std::size_t, std::size_t, double,
                           const double*, std::size_t, const double*, std::size_t, double,
                           double*, std::size_t);
template void gemm<Dual<float>>(bool, bool, std::size_t, std::size_t, std::size_t, Dual<float>,
                                const Dual<float>*, std::size_t, const Dual<float>*, std::size_t,
                                Dual<float>, Dual<float>*, std::size_t);
template void gemm<Dual<double>>(bool, bool, std::size_t, std::size_t, std::size_t, Dual<double>,
                                 const Dual<double>*, std::size_t, const Dual<double>*,
                                 std::size_t, Dual<double>, Dual<double>*, std::size_t);

void set_num_threads(int threads) {
#ifdef TAPEGRAD_HAVE_OPENBLAS
  if (threads > 0) openblas_set_num_threads(threads);
#else
  (void)threads;
#endif
}

int num_threads() {
#ifdef TAPEGRAD_HAVE_OPENBLAS
  return openblas_get_num_threads();
#else
  return 1;
#endif
}

const char* gemm_backend() {
#ifdef TAPEGRAD_HAVE_OPENBLAS
  return "openblas";
#else
  return "builtin";
#endif
}

}  // namespace tapegrad
