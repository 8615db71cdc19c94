// BLAS threads: every OpenBLAS copy in the process follows one thread count.
#include "bench/blas.hpp"

#include <dlfcn.h>

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

}  // namespace bench
