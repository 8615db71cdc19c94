// Tests for gemm: every transpose combination on both sides of each dispatch
// threshold (tiny loop, built-in blocked loop, OpenBLAS), against a naive product.
#include "autograd/kernels.hpp"

#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "autograd/random.hpp"

using namespace tapegrad;

namespace {

// C = alpha op(A) op(B) + beta C with plain loops; A stored (m x k) or, transposed,
// (k x m), with leading dimensions wider than the rows to test strides.
template <class T>
struct Case {
  bool ta, tb;
  std::size_t m, n, k;
  std::size_t lda, ldb, ldc;
  std::vector<T> a, b, c;

  Case(bool ta_, bool tb_, std::size_t m_, std::size_t n_, std::size_t k_, Generator& gen)
      : ta(ta_), tb(tb_), m(m_), n(n_), k(k_) {
    lda = (ta ? m : k) + 3;
    ldb = (tb ? k : n) + 2;
    ldc = n + 1;
    a.resize((ta ? k : m) * lda);
    b.resize((tb ? n : k) * ldb);
    c.resize(m * ldc);
    for (T& x : a) x = static_cast<T>(gen.uniform(-1, 1));
    for (T& x : b) x = static_cast<T>(gen.uniform(-1, 1));
    for (T& x : c) x = static_cast<T>(gen.uniform(-1, 1));
  }
  T A(std::size_t i, std::size_t p) const { return ta ? a[p * lda + i] : a[i * lda + p]; }
  T B(std::size_t p, std::size_t j) const { return tb ? b[j * ldb + p] : b[p * ldb + j]; }

  // The largest error of gemm's result against the naive one, relative to k.
  double error(T alpha, T beta) {
    std::vector<double> expected(c.size());
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double sum = 0;
        for (std::size_t p = 0; p < k; ++p) sum += double(A(i, p)) * double(B(p, j));
        const double old = beta == T(0) ? 0.0 : double(beta) * double(c[i * ldc + j]);
        expected[i * ldc + j] = double(alpha) * sum + old;
      }
    gemm<T>(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
    double worst = 0;
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j)
        worst = std::max(worst, std::abs(double(c[i * ldc + j]) - expected[i * ldc + j]));
    return worst / double(std::max<std::size_t>(k, 1));
  }
};

struct Size {
  std::size_t m, n, k;
};

// Tiny (<= 64 multiply-adds, k = 1 outer products, batch-1 rows), the built-in
// loop (up to 4096) and OpenBLAS sizes, plus odd shapes.
const Size kSizes[] = {{1, 3, 4}, {4, 3, 1}, {1, 2, 1}, {2, 1, 1}, {3, 3, 3}, {1, 1, 1},
                       {8, 8, 1}, {5, 7, 9}, {16, 16, 16}, {1, 64, 64}, {33, 17, 65},
                       {64, 10, 128}, {128, 10, 64}, {7, 300, 1}};

}  // namespace

TEST_CASE_TEMPLATE("gemm matches the naive product for every transpose and size", T, float,
                   double) {
  Generator gen(11);
  const double tolerance = std::is_same_v<T, float> ? 1e-6 : 1e-14;
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (Size s : kSizes) {
        CAPTURE(ta);
        CAPTURE(tb);
        CAPTURE(s.m);
        CAPTURE(s.n);
        CAPTURE(s.k);
        Case<T> overwrite(ta, tb, s.m, s.n, s.k, gen);
        CHECK(overwrite.error(T(1), T(0)) < tolerance);
        Case<T> accumulate(ta, tb, s.m, s.n, s.k, gen);
        CHECK(accumulate.error(T(1), T(1)) < tolerance);
        Case<T> scaled(ta, tb, s.m, s.n, s.k, gen);
        CHECK(scaled.error(T(-0.5), T(0.25)) < tolerance);
      }
}

TEST_CASE("beta = 0 overwrites C even where it holds NaN") {
  for (Size s : kSizes) {
    CAPTURE(s.m);
    CAPTURE(s.n);
    CAPTURE(s.k);
    std::vector<double> a(s.m * s.k, 1.0), b(s.k * s.n, 2.0);
    std::vector<double> c(s.m * s.n, std::numeric_limits<double>::quiet_NaN());
    gemm<double>(false, false, s.m, s.n, s.k, 1.0, a.data(), s.k, b.data(), s.n, 0.0, c.data(),
                 s.n);
    for (double x : c) CHECK(x == doctest::Approx(2.0 * double(s.k)));
  }
}

TEST_CASE("an empty product leaves C alone, and k = 0 scales it by beta") {
  std::vector<double> c = {1, 2, 3, 4};
  gemm<double>(false, false, 0, 2, 2, 1.0, nullptr, 2, nullptr, 2, 0.0, c.data(), 2);
  CHECK(c == std::vector<double>{1, 2, 3, 4});
  gemm<double>(false, false, 2, 2, 0, 1.0, nullptr, 1, nullptr, 2, 0.5, c.data(), 2);
  CHECK(c == std::vector<double>{0.5, 1, 1.5, 2});
}

TEST_CASE("the thread count can be set and read back, and the backend is named") {
  const std::string_view backend = gemm_backend();
  CHECK((backend == "openblas" || backend == "builtin"));
  set_num_threads(1);
  CHECK(num_threads() == 1);
  if (backend == "openblas") {
    set_num_threads(2);
    CHECK(num_threads() == 2);
    set_num_threads(1);
  }
  set_num_threads(0);  // 0 leaves the count as it is
  CHECK(num_threads() == 1);
}
