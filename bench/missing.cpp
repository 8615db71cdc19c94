// Stand-ins for the references tapegrad_bench was built without: they return
// null and the tables leave those rows out.
#include "bench/workloads.hpp"

namespace bench {

#ifndef BENCH_HAVE_TORCH
std::unique_ptr<Runner> torch_mlp(const MlpProblem&) { return nullptr; }
void torch_threads(int) {}
std::string torch_version() { return {}; }
#endif

#ifndef BENCH_HAVE_ADOLC
std::unique_ptr<Runner> adolc_4321(const Example4321Samples&, bool) { return nullptr; }
std::unique_ptr<Runner> adolc_rosenbrock(const Rosenbrock&, bool) { return nullptr; }
#endif

#ifndef BENCH_HAVE_SACADO
std::unique_ptr<Runner> sacado_4321(const Example4321Samples&) { return nullptr; }
std::unique_ptr<Runner> sacado_rosenbrock(const Rosenbrock&) { return nullptr; }
#endif

}  // namespace bench
