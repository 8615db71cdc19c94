// Harness: interleaved timing of contenders, medians and spread, ratio targets.
#include "bench/harness.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

bool check_gradients(const std::string& workload, std::vector<Contender>& contenders,
                     double default_tolerance) {
  const std::vector<double> reference = contenders.front().runner->gradient();
  double scale = 0;
  for (double g : reference) scale = std::max(scale, std::abs(g));
  bool ok = true;
  std::vector<std::string> agreed;
  for (std::size_t c = 1; c < contenders.size(); ++c) {
    const std::vector<double> g = contenders[c].runner->gradient();
    const double tolerance = contenders[c].runner->check_tolerance() > 0
                                 ? contenders[c].runner->check_tolerance()
                                 : default_tolerance;
    double worst = 0;
    std::size_t where = 0;
    if (g.size() != reference.size()) {
      fmt::print(stderr, "{}: {} returns {} gradient entries, {} returns {}\n", workload,
                 contenders[c].name, g.size(), contenders.front().name, reference.size());
      ok = false;
      continue;
    }
    for (std::size_t k = 0; k < g.size(); ++k) {
      const double err = std::abs(g[k] - reference[k]) / std::max(scale, 1e-300);
      if (err > worst) worst = err, where = k;
    }
    if (!(worst <= tolerance)) {
      fmt::print(stderr,
                 "{}: GRADIENT MISMATCH between {} and {}: entry {} is {} vs {} "
                 "(relative error {:.2e} > {:.0e})\n",
                 workload, contenders.front().name, contenders[c].name, where, g[where],
                 reference[where], worst, tolerance);
      ok = false;
    } else {
      agreed.push_back(fmt::format("{} {:.0e}", contenders[c].name, worst));
    }
  }
  if (ok)
    fmt::print("  gradients agree with {} ({} entries; max relative error: {})\n",
               contenders.front().name, reference.size(), fmt::join(agreed, ", "));
  return ok;
}

void measure(std::vector<Contender>& contenders, const Settings& settings) {
  std::vector<std::vector<double>> wall(contenders.size()), cpu(contenders.size());
  for (Contender& c : contenders) {
    c.setup();
    // Warm-up with full steps (OpenBLAS, caches, tape capacity), then size a
    // repetition so that it lasts about rep_seconds.
    const auto start = Clock::now();
    std::size_t steps = 0;
    while (steps < 3 || seconds_since(start) < settings.warmup_seconds) {
      c.runner->step();
      ++steps;
    }
    const double per_step = seconds_since(start) / static_cast<double>(steps);
    c.stats.iters =
        std::max<std::size_t>(1, static_cast<std::size_t>(settings.rep_seconds / per_step));
  }
  for (std::size_t r = 0; r < settings.reps; ++r) {
    for (std::size_t k = 0; k < contenders.size(); ++k) {
      const std::size_t c = (r + k) % contenders.size();  // rotate who goes first
      Contender& e = contenders[c];
      e.setup();
      const double cpu_start = cpu_seconds();
      const auto start = Clock::now();
      for (std::size_t i = 0; i < e.stats.iters; ++i) e.runner->step();
      const auto steps = static_cast<double>(e.stats.iters);
      wall[c].push_back(seconds_since(start) / steps);
      cpu[c].push_back((cpu_seconds() - cpu_start) / steps);
    }
  }
  for (std::size_t c = 0; c < contenders.size(); ++c) {
    Stats& s = contenders[c].stats;
    const std::vector<double>& counted = contenders[c].wall ? wall[c] : cpu[c];
    s.reps = counted.size();
    s.median = quantile(counted, 0.5);
    s.q1 = quantile(counted, 0.25);
    s.q3 = quantile(counted, 0.75);
    s.best = quantile(counted, 0.0);
    s.wall = quantile(wall[c], 0.5);
    s.cpu = quantile(cpu[c], 0.5);
  }
}

std::string format_time(double seconds) {
  const char* unit = "s";
  double v = seconds;
  if (seconds < 1e-6)
    v = seconds * 1e9, unit = "ns";
  else if (seconds < 1e-3)
    v = seconds * 1e6, unit = "us";
  else if (seconds < 1)
    v = seconds * 1e3, unit = "ms";
  const int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return fmt::format("{:.{}f} {}", v, decimals, unit);
}

void print_table(const std::string& title, const std::vector<Contender>& contenders) {
  fmt::print("\n{}\n\n", title);
  fmt::print("| {:<34} | {:>10} | {:>21} | {:>10} | {:>10} | {:>11} |\n", "contender", "time",
             "q1 .. q3", "CPU", "wall", "reps x steps");
  fmt::print("|{:-<36}|{:->11}:|{:->22}:|{:->11}:|{:->11}:|{:->12}:|\n", "", "", "", "", "", "");
  for (const Contender& c : contenders) {
    const Stats& s = c.stats;
    fmt::print("| {:<34} | {:>10} | {:>21} | {:>10} | {:>10} | {:>11} |\n", c.name,
               format_time(s.median) + (c.wall ? " w" : " c"),
               format_time(s.q1) + " .. " + format_time(s.q3), format_time(s.cpu),
               format_time(s.wall), fmt::format("{} x {}", s.reps, s.iters));
  }
  fmt::print(
      "\n  time: median per step of process CPU time (c), or of wall time (w) for "
      "multi-threaded rows\n");
}

void print_targets(const std::vector<Target>& targets) {
  fmt::print("| {:<4} | {:<56} | {:>9} | {:>10} | {:<8} |\n", "", "target", "measured", "needed",
             "status");
  fmt::print("|{:-<6}|{:-<58}|{:->10}:|{:->11}:|{:-<10}|\n", "", "", "", "", "");
  for (const Target& t : targets) {
    const std::string needed =
        fmt::format("{} {:.3g}{}", t.at_least ? ">=" : "<=", t.threshold, t.unit);
    const std::string value = t.measured ? fmt::format("{:.3g}{}", t.value, t.unit) : "-";
    const char* status = !t.measured ? "n/a" : t.met() ? "met" : "NOT MET";
    fmt::print("| {:<4} | {:<56} | {:>9} | {:>10} | {:<8} |\n", t.workload, t.text, value, needed,
               status);
  }
}

}  // namespace bench
