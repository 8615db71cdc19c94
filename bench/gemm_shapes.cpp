// tapegrad_gemm_bench (Google Benchmark): tapegrad::gemm on every product shape
// of W1-W3's training steps, with the transpose flags the engine passes, so a
// step's time can be split into its products and the backend tuned.
#include <benchmark/benchmark.h>

#include <vector>

#include "autograd/kernels.hpp"

namespace {

// m x k times k x n; op(A) transposed when ta, op(B) when tb (leading dimensions
// as the engine stores them, row-major).
template <class T>
void product(benchmark::State& state, bool ta, bool tb) {
  const auto m = static_cast<std::size_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  const auto k = static_cast<std::size_t>(state.range(2));
  tapegrad::set_num_threads(static_cast<int>(state.range(3)));
  std::vector<T> a(m * k, T(0.5)), b(k * n, T(0.25)), c(m * n, T(0));
  const std::size_t lda = ta ? m : k, ldb = tb ? k : n;
  for (auto _ : state) {
    tapegrad::gemm<T>(ta, tb, m, n, k, T(1), a.data(), lda, b.data(), ldb, T(1), c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(m * n * k),
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
  tapegrad::set_num_threads(1);
}

// Arguments: m, n, k, threads. Forward z = a W (NN), backward dW = a^T g (TN),
// da = g W^T (NT), for each layer of each workload.
void w1_shapes(benchmark::internal::Benchmark* b) {
  for (auto [in, out] : {std::pair{4, 3}, {3, 2}, {2, 1}}) b->Args({1, out, in, 1});
}

void forward(benchmark::State& s) { product<float>(s, false, false); }
void weight_grad(benchmark::State& s) { product<float>(s, true, false); }
void input_grad(benchmark::State& s) { product<float>(s, false, true); }
void forward_f64(benchmark::State& s) { product<double>(s, false, false); }
void weight_grad_f64(benchmark::State& s) { product<double>(s, true, false); }
void input_grad_f64(benchmark::State& s) { product<double>(s, false, true); }

// W1 (float64, batch 1): z = a W is (1 x in)(in x out); dW = a^T g is (in x 1)(1 x out);
// da = g W^T is (1 x out)(out x in).
// Wall time throughout: with 2 threads CPU time would count only the caller.
BENCHMARK(forward_f64)->Apply(w1_shapes)->UseRealTime();
BENCHMARK(weight_grad_f64)
    ->Args({4, 3, 1, 1})
    ->Args({3, 2, 1, 1})
    ->Args({2, 1, 1, 1})
    ->UseRealTime();
BENCHMARK(input_grad_f64)->Args({1, 3, 2, 1})->Args({1, 2, 1, 1})->UseRealTime();

// W2 (batch 64): 784-256-128-10.
BENCHMARK(forward)
    ->Args({64, 256, 784, 1})
    ->Args({64, 128, 256, 1})
    ->Args({64, 10, 128, 1})
    ->UseRealTime();
BENCHMARK(weight_grad)
    ->Args({784, 256, 64, 1})
    ->Args({256, 128, 64, 1})
    ->Args({128, 10, 64, 1})
    ->UseRealTime();
BENCHMARK(input_grad)->Args({64, 256, 128, 1})->Args({64, 128, 10, 1})->UseRealTime();

// W3 (batch 256): 1024-1024-1024-1, on 1 and 2 threads; and the square peak.
BENCHMARK(forward)
    ->Args({256, 1024, 1024, 1})
    ->Args({256, 1, 1024, 1})
    ->Args({256, 1024, 1024, 2})
    ->Args({1024, 1024, 1024, 1})
    ->Args({1024, 1024, 1024, 2})
    ->UseRealTime();
BENCHMARK(weight_grad)
    ->Args({1024, 1024, 256, 1})
    ->Args({1024, 1, 256, 1})
    ->Args({1024, 1024, 256, 2})
    ->UseRealTime();
BENCHMARK(input_grad)
    ->Args({256, 1024, 1024, 1})
    ->Args({256, 1024, 1, 1})
    ->Args({256, 1024, 1024, 2})
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
