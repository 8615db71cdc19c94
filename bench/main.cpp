// tapegrad_bench: W1-W5 against LibTorch, ADOL-C, Sacado and hand-written code,
// interleaved in one process, with the targets of issue 7 marked met or not.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>

#include "autograd/kernels.hpp"
#include "bench/blas.hpp"
#include "bench/harness.hpp"
#include "bench/memory.hpp"
#include "bench/workloads.hpp"

namespace {

using namespace bench;

struct Options {
  Settings settings;
  std::vector<std::string> only;
  bool quick = false;
  std::string profile;  // run only tapegrad on this workload, for perf / callgrind
  double profile_seconds = 5;
  std::size_t memory_probe = 0;  // --memory-probe N: measure only that, print bytes per statement
  bool wants(const std::string& w) const {
    return only.empty() || std::find(only.begin(), only.end(), w) != only.end();
  }
};

const char* kUsage =
    "usage: tapegrad_bench [--quick] [--only W1,W2,...] [--reps N]\n"
    "       tapegrad_bench --profile W1|W1nn|W2|W3|W4|W5 [--seconds S]\n"
    "  Runs W1-W5 (and the gemm peak) for tapegrad and every reference built in,\n"
    "  interleaved, and prints tables of medians, ratios and targets.\n"
    "  --quick    few short repetitions (a smoke test; numbers are rough)\n"
    "  --only     run only these workloads (GEMM, W1, W2, W3, W4, W5, MEM)\n"
    "  --reps N   timed repetitions per contender (default 15)\n"
    "  --profile  only tapegrad's steps on one workload for S seconds (default 5;\n"
    "             W1nn: W1 through nn::Mlp, nn::loss, nn::Sgd),\n"
    "             nothing else, to run under perf record or valgrind --tool=callgrind\n";

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--quick") {
      o.quick = true;
      o.settings = Settings{3, 0.005, 0.02};
    } else if (arg == "--only") {
      std::string list = value();
      for (std::size_t start = 0; start <= list.size();) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        if (comma > start) o.only.push_back(list.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (arg == "--reps") {
      o.settings.reps = static_cast<std::size_t>(std::stoul(value()));
      if (o.settings.reps == 0) throw std::invalid_argument("--reps must be at least 1");
    } else if (arg == "--profile") {
      o.profile = value();
    } else if (arg == "--seconds") {
      o.profile_seconds = std::stod(value());
    } else if (arg == "--memory-probe") {
      o.memory_probe = static_cast<std::size_t>(std::stoul(value()));
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown option " + arg);
    }
  }
  return o;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one + " " + five;
}

void single_thread() {
  set_blas_threads(1);
  torch_threads(1);
}
void two_blas_threads() {
  set_blas_threads(2);
  torch_threads(1);  // 1 torch thread + 2 BLAS threads: no oversubscription of 2 cores
}

// Adds a contender if its library was built in.
void add(std::vector<Contender>& list, std::string name, std::unique_ptr<Runner> runner,
         std::function<void()> setup = single_thread, bool wall = false) {
  if (runner) list.push_back({std::move(name), std::move(runner), std::move(setup), wall, {}});
}

const Contender* find(const std::vector<Contender>& list, const std::string& name) {
  for (const Contender& c : list)
    if (c.name == name) return &c;
  return nullptr;
}

// t_other / t_tapegrad (how many times faster tapegrad is), or unmeasured.
Target faster(const std::string& w, const std::vector<Contender>& list, const std::string& other,
              double needed) {
  Target t{w, fmt::format("tapegrad faster than {}", other), 0, needed, true, "x"};
  const Contender* o = find(list, other);
  t.measured = o != nullptr;
  if (o) t.value = o->time() / list.front().time();
  return t;
}
// t_tapegrad / t_other (tapegrad's time as a multiple of the other's).
Target time_ratio(const std::string& w, const std::vector<Contender>& list,
                  const std::string& other, double needed) {
  Target t{w, fmt::format("tapegrad time / {} time", other), 0, needed, false, "x"};
  const Contender* o = find(list, other);
  t.measured = o != nullptr;
  if (o) t.value = list.front().time() / o->time();
  return t;
}

// The Hessian-vector product's time as a multiple of the gradient's (`gradient`
// names that contender); forward-over-reverse should stay a small constant.
Target hvp_ratio(const std::string& w, const std::vector<Contender>& list,
                 const std::string& gradient) {
  Target t{w, "tapegrad hvp time / gradient time", 0, 5, false, "x"};
  const Contender* hvp = find(list, "tapegrad hvp (forward-over-reverse)");
  const Contender* g = find(list, gradient);
  t.measured = hvp && g;
  if (t.measured) t.value = hvp->time() / g->time();
  return t;
}

class Gemm final : public Runner {
 public:
  Gemm(bool single, std::size_t n)
      : single_(single), n_(n), fa_(n * n, 0.5f), fc_(n * n), da_(n * n, 0.5), dc_(n * n) {}
  void step() override {
    if (single_)
      tapegrad::gemm<float>(false, false, n_, n_, n_, 1.0f, fa_.data(), n_, fa_.data(), n_, 0.0f,
                            fc_.data(), n_);
    else
      tapegrad::gemm<double>(false, false, n_, n_, n_, 1.0, da_.data(), n_, da_.data(), n_, 0.0,
                             dc_.data(), n_);
  }
  std::vector<double> gradient() override { return {}; }

 private:
  bool single_;
  std::size_t n_;
  std::vector<float> fa_, fc_;
  std::vector<double> da_, dc_;
};

int profile(const Options& o) {
  single_thread();
  std::unique_ptr<Runner> runner;
  // The problems outlive the runner, which keeps references to them.
  static MlpProblem mlp;
  static Example4321Samples samples;
  static Rosenbrock rosen;
  if (o.profile == "W1") mlp = w1_problem();
  if (o.profile == "W2") mlp = w2_problem();
  if (o.profile == "W3") mlp = w3_problem();
  if (o.profile == "W1" || o.profile == "W2" || o.profile == "W3") runner = tapegrad_mlp(mlp);
  if (o.profile == "W1nn") runner = tapegrad_nn_w1(mlp = w1_problem());
  if (o.profile == "W4") runner = tapegrad_4321(samples = w4_problem());
  if (o.profile == "W5") runner = tapegrad_rosenbrock(rosen = w5_problem());
  if (!runner) throw std::invalid_argument("--profile needs W1, W1nn, W2, W3, W4 or W5");
  const auto start = std::chrono::steady_clock::now();
  std::size_t steps = 0;
  double elapsed = 0;
  do {
    runner->step();
    ++steps;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < o.profile_seconds);
  fmt::print("{}: {} tapegrad steps, {} per step\n", o.profile, steps,
             format_time(elapsed / static_cast<double>(steps)));
  return 0;
}

int run(const Options& o) {
  if (!o.profile.empty()) return profile(o);
  if (o.memory_probe) {
    fmt::print("{:.2f}\n", chain_bytes_per_op(o.memory_probe));
    return 0;
  }
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  fmt::print("tapegrad_bench: {}\n", date);
  fmt::print("machine: {}, {} hardware threads, load average {} at start\n", cpu_model(),
             std::thread::hardware_concurrency(), load_average());
  fmt::print("compiler: {}; {}\n", __VERSION__, blas_report());
  if (std::getenv("TAPEGRAD_BENCH_CORE_FIXED"))
    fmt::print(
        "note: OpenBLAS took this CPU for a Prescott (SSE3 kernels); re-run with "
        "OPENBLAS_CORETYPE={} for every contender\n",
        std::getenv("OPENBLAS_CORETYPE"));
  fmt::print("OpenBLAS idle workers: OPENBLAS_THREAD_TIMEOUT={} (4: they sleep at once)\n",
             std::getenv("OPENBLAS_THREAD_TIMEOUT") ? std::getenv("OPENBLAS_THREAD_TIMEOUT") : "unset");
  const std::string torch = torch_version();
  fmt::print("references: {}{}{}\n", torch.empty() ? "LibTorch not built in" : torch,
             adolc_4321(w4_problem(1), true) ? ", ADOL-C" : ", ADOL-C not built in",
             sacado_4321(w4_problem(1)) ? ", Sacado Rad" : ", Sacado not built in");
  fmt::print(
      "settings: {} repetitions of ~{} ms per contender, interleaved; {} ms warm-up; "
      "1 thread unless stated\n",
      o.settings.reps, o.settings.rep_seconds * 1e3, o.settings.warmup_seconds * 1e3);
  single_thread();

  std::vector<Target> targets;
  bool ok = true;
  double sgemm_peak = 0;

  if (o.wants("GEMM") || o.wants("W2") || o.wants("W3")) {
    const std::size_t n = o.quick ? 512 : 1024;
    std::vector<Contender> list;
    add(list, fmt::format("sgemm n={}, 1 thread", n), std::make_unique<Gemm>(true, n));
    add(list, fmt::format("dgemm n={}, 1 thread", n), std::make_unique<Gemm>(false, n));
    add(list, fmt::format("sgemm n={}, 2 threads", n), std::make_unique<Gemm>(true, n),
        two_blas_threads, true);
    measure(list, o.settings);
    print_table(fmt::format("GEMM peak through tapegrad::gemm ({})", tapegrad::gemm_backend()),
                list);
    const double flops = 2.0 * static_cast<double>(n * n * n);
    // The peak is the fastest repetition (a peak is a best case; it also makes
    // the fraction-of-peak targets stricter and less sensitive to noise).
    sgemm_peak = flops / list[0].stats.best;
    fmt::print(
        "\n  peak (fastest repetition): sgemm {:.1f} GFLOP/s, dgemm {:.1f} GFLOP/s "
        "(1 thread, CPU time); sgemm {:.1f} GFLOP/s (2 threads, wall time)\n",
        sgemm_peak * 1e-9, flops / list[1].stats.best * 1e-9, flops / list[2].stats.best * 1e-9);
  }

  if (o.wants("W1")) {
    const MlpProblem p = w1_problem();
    std::vector<Contender> list;
    add(list, "tapegrad", tapegrad_mlp(p));
    add(list, "LibTorch", torch_mlp(p));
    add(list, "hand-written loops", hand_w1(p));
    add(list, "tapegrad nn (Mlp, loss, Sgd; naming on)", tapegrad_nn_w1(p));
    add(list, "tapegrad hvp (forward-over-reverse)", tapegrad_hvp_mlp(p));
    fmt::print("\nW1 seed 4-3-2-1 sigmoid, BCE with logits, batch 1, float64: one SGD step\n");
    ok = check_gradients("W1", list, 1e-9) && ok;
    if (ok) {
      measure(list, o.settings);
      print_table("W1 results", list);
      targets.push_back(faster("W1", list, "LibTorch", 300));
      targets.push_back(time_ratio("W1", list, "hand-written loops", 3));
      if (const Contender* nn = find(list, "tapegrad nn (Mlp, loss, Sgd; naming on)"))
        if (const Contender* hand = find(list, "hand-written loops"))
          targets.push_back(Target{"W1", "tapegrad nn path time / hand-written loops time",
                                   nn->time() / hand->time(), 3.5, false, "x"});
      targets.push_back(hvp_ratio("W1", list, "tapegrad"));
    }
  }

  auto mlp_workload = [&](const MlpProblem& p, const std::string& title, double torch_ratio,
                          double peak_fraction, bool two_threads) {
    std::vector<Contender> list;
    add(list, "tapegrad", tapegrad_mlp(p));
    add(list, "LibTorch", torch_mlp(p));
    if (two_threads) {
      add(list, "tapegrad, 1 thread (wall time)", tapegrad_mlp(p), single_thread, true);
      add(list, "tapegrad, 2 BLAS threads", tapegrad_mlp(p), two_blas_threads, true);
      add(list, "LibTorch, 1 + 2 BLAS threads", torch_mlp(p), two_blas_threads, true);
    }
    fmt::print("\n{} {}\n", p.name, title);
    if (!check_gradients(p.name, list, 1e-4)) return false;
    measure(list, o.settings);
    print_table(p.name + " results", list);
    const double rate = p.step_flops() / list.front().time();
    fmt::print(
        "\n  tapegrad: {:.1f} MFLOP per step, {:.1f} GFLOP/s (median) = {:.0f}% of the "
        "sgemm peak\n",
        p.step_flops() * 1e-6, rate * 1e-9, 100 * rate / sgemm_peak);
    targets.push_back(time_ratio(p.name, list, "LibTorch", torch_ratio));
    targets.push_back(Target{p.name, "tapegrad GFLOP/s / measured sgemm peak",
                             100 * rate / sgemm_peak, 100 * peak_fraction, true, "%"});
    const Contender* one = find(list, "tapegrad, 1 thread (wall time)");
    const Contender* two = find(list, "tapegrad, 2 BLAS threads");
    if (one && two)
      targets.push_back(Target{p.name, "tapegrad 1 thread / 2 threads, wall time",
                               one->time() / two->time(), 1.7, true, "x"});
    return true;
  };
  if (o.wants("W2"))
    ok = mlp_workload(w2_problem(),
                      "MLP 784-256-128-10 relu, softmax CE, batch 64, float32: one SGD step", 0.8,
                      0.85, false) &&
         ok;
  if (o.wants("W3"))
    ok = mlp_workload(
             w3_problem(),
             "MLP 1024-1024-1024-1 sigmoid, BCE with logits, batch 256, float32: one SGD step",
             0.95, 0.90, true) &&
         ok;

  if (o.wants("W4")) {
    const Example4321Samples s = w4_problem();
    std::vector<Contender> list;
    add(list, "tapegrad (scalar mode)", tapegrad_4321(s));
    add(list, "plain double function", plain_4321(s));
    add(list, "Sacado Rad", sacado_4321(s));
    add(list, "ADOL-C, tape reused", adolc_4321(s, false));
    add(list, "ADOL-C, retaped", adolc_4321(s, true));
    fmt::print(
        "\nW4 4-3-2-1 example loss gradient w.r.t. its 26 parameters, scalar mode, per sample\n");
    if (check_gradients("W4", list, 1e-9)) {
      measure(list, o.settings);
      print_table("W4 results", list);
      targets.push_back(time_ratio("W4", list, "plain double function", 3));
      targets.push_back(faster("W4", list, "Sacado Rad", 2.5));
      targets.push_back(faster("W4", list, "ADOL-C, tape reused", 20));
      targets.push_back(faster("W4", list, "ADOL-C, retaped", 20));
    } else {
      ok = false;
    }
  }

  if (o.wants("W5")) {
    const Rosenbrock r = w5_problem();
    std::vector<Contender> list;
    add(list, "tapegrad (scalar mode)", tapegrad_rosenbrock(r));
    add(list, "plain double function", plain_rosenbrock(r));
    add(list, "ADOL-C, tape reused", adolc_rosenbrock(r, false));
    add(list, "ADOL-C, retaped", adolc_rosenbrock(r, true));
    add(list, "Sacado Rad", sacado_rosenbrock(r));
    add(list, "tapegrad hvp (forward-over-reverse)", tapegrad_hvp_rosenbrock(r));
    fmt::print("\nW5 extended Rosenbrock, n = {}, gradient, scalar mode\n", r.x.size());
    if (check_gradients("W5", list, 1e-9)) {
      measure(list, o.settings);
      print_table("W5 results", list);
      targets.push_back(faster("W5", list, "ADOL-C, retaped", 10));
      targets.push_back(faster("W5", list, "ADOL-C, tape reused", 3));
      targets.push_back(hvp_ratio("W5", list, "tapegrad (scalar mode)"));
    } else {
      ok = false;
    }
  }

  if (o.wants("MEM")) {
    const std::size_t n = o.quick ? 1'000'000 : 10'000'000;
    const double bytes = chain_bytes_per_op_in_child(n);
    fmt::print("\nMEM a chain of {} scalar statements y = y * w and its backward, in a fresh process: "
               "{:.1f} bytes of peak resident memory per statement\n",
               n, bytes);
    targets.push_back(Target{"MEM", "peak RSS bytes per scalar binary statement (1e7 chain)", bytes, 48, false, " B"});
  }

  if (!targets.empty()) {
    std::size_t met = 0;
    for (const Target& t : targets) met += t.met();
    fmt::print("\nTargets, medians of this run: {} of {} met\n\n", met, targets.size());
    print_targets(targets);
  }
  fmt::print("\nload average {} at the end\n", load_average());
  if (!ok) {
    fmt::print(stderr, "tapegrad_bench: gradients disagree; timings of those workloads skipped\n");
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::exec_with_known_blas_core(argv);
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
}
