// BLAS threads: every OpenBLAS copy in the process follows one thread count.
#include "bench/blas.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "autograd/kernels.hpp"

namespace bench {
namespace {

constexpr const char* kCopies[] = {"libopenblas.so.0", "libblas.so.3"};

std::string owner(const char* symbol) {
  void* address = dlsym(RTLD_DEFAULT, symbol);
  Dl_info info{};
  if (!address || !dladdr(address, &info) || !info.dli_fname) return "not loaded";
  return info.dli_fname;
}

}  // namespace

void set_blas_threads(int threads) {
  tapegrad::set_num_threads(threads);
  for (const char* name : kCopies) {
    void* handle = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle) continue;
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(handle, "openblas_set_num_threads")))
      set(threads);
    dlclose(handle);
  }
}

std::string blas_report() {
  std::string config = "unknown";
  using Config = char* (*)();
  if (auto get = reinterpret_cast<Config>(dlsym(RTLD_DEFAULT, "openblas_get_config")))
    config = get();
  return fmt::format("gemm backend {} ({}); sgemm_ from {}, cblas_sgemm from {}",
                     tapegrad::gemm_backend(), config, owner("sgemm_"), owner("cblas_sgemm"));
}

void exec_with_known_blas_core(char** argv) {
  // OpenBLAS reads both variables when it loads, so a fix means running again.
  bool again = false;
  // Idle OpenBLAS workers spin for 2^28 cycles after a 2-thread product, and
  // a "1 thread" row timed then would burn the second core too (its CPU time
  // twice its wall time): 2^4 cycles makes them sleep at once.
  if (!std::getenv("OPENBLAS_THREAD_TIMEOUT")) {
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
    again = true;
  }
  using Name = char* (*)();
  const auto corename = reinterpret_cast<Name>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (corename && !std::getenv("OPENBLAS_CORETYPE") && std::strcmp(corename(), "Prescott") == 0) {
    const char* core = nullptr;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
      core = "SkylakeX";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      core = "Haswell";
    if (core) {
      setenv("OPENBLAS_CORETYPE", core, 1);
      setenv("TAPEGRAD_BENCH_CORE_FIXED", "1", 1);
      again = true;
    }
  }
  if (again) execv("/proc/self/exe", argv);  // returns only on failure: run on as we are
}

}  // namespace bench
