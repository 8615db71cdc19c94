// Harness: interleaved timing of contenders, medians and spread, ratio targets.
#include "bench/harness.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
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
  std::vector<std::vector<double>> samples(contenders.size());
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
    c.stats.iters = std::max<std::size_t>(1, static_cast<std::size_t>(settings.rep_seconds / per_step));
  }
  for (std::size_t r = 0; r < settings.reps; ++r) {
    for (std::size_t k = 0; k < contenders.size(); ++k) {
      const std::size_t c = (r + k) % contenders.size();  // rotate who goes first
      Contender& e = contenders[c];
      e.setup();
      const auto start = Clock::now();
      for (std::size_t i = 0; i < e.stats.iters; ++i) e.runner->step();
      samples[c].push_back(seconds_since(start) / static_cast<double>(e.stats.iters));
    }
  }
  for (std::size_t c = 0; c < contenders.size(); ++c) {
    Stats& s = contenders[c].stats;
    s.reps = samples[c].size();
    s.median = quantile(samples[c], 0.5);
    s.q1 = quantile(samples[c], 0.25);
    s.q3 = quantile(samples[c], 0.75);
  }
}

std::string format_time(double seconds) {
  const char* unit = "s";
  double v = seconds;
  if (seconds < 1e-6) v = seconds * 1e9, unit = "ns";
  else if (seconds < 1e-3) v = seconds * 1e6, unit = "us";
  else if (seconds < 1) v = seconds * 1e3, unit = "ms";
  const int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return fmt::format("{:.{}f} {}", v, decimals, unit);
}

void print_table(const std::string& title, const std::vector<Contender>& contenders) {
  fmt::print("\n{}\n\n", title);
  fmt::print("| {:<34} | {:>10} | {:>21} | {:>12} |\n", "contender", "median", "q1 .. q3",
             "reps x steps");
  fmt::print("|{:-<36}|{:->11}:|{:->22}:|{:->13}:|\n", "", "", "", "");
  for (const Contender& c : contenders) {
    const Stats& s = c.stats;
    fmt::print("| {:<34} | {:>10} | {:>21} | {:>12} |\n", c.name, format_time(s.median),
               format_time(s.q1) + " .. " + format_time(s.q3),
               fmt::format("{} x {}", s.reps, s.iters));
  }
}

void print_targets(const std::vector<Target>& targets) {
  fmt::print("| {:<4} | {:<56} | {:>9} | {:>10} | {:<8} |\n", "", "target", "measured", "needed",
             "status");
  fmt::print("|{:-<6}|{:-<58}|{:->10}:|{:->11}:|{:-<10}|\n", "", "", "", "", "");
  for (const Target& t : targets) {
    const std::string needed = fmt::format("{} {:.3g}{}", t.at_least ? ">=" : "<=", t.threshold, t.unit);
    const std::string value = t.measured ? fmt::format("{:.3g}{}", t.value, t.unit) : "-";
    const char* status = !t.measured ? "n/a" : t.met() ? "met" : "NOT MET";
    fmt::print("| {:<4} | {:<56} | {:>9} | {:>10} | {:<8} |\n", t.workload, t.text, value, needed,
               status);
  }
}

}  // namespace bench
