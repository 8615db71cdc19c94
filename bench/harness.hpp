// Harness: interleaved timing of contenders, medians and spread, ratio targets.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/workloads.hpp"

namespace bench {

/// Per-step times of one contender over the repetitions, in seconds: wall
/// clock, and CPU time of the whole process (immune to other programs taking
/// the cores away, which wall time is not on a shared machine).
struct Stats {
  double median = 0, q1 = 0, q3 = 0;  // of the time that counts (see Contender::wall)
  double wall = 0, cpu = 0;           // medians of each clock
  double best = 0;                    // fastest repetition of the time that counts
  std::size_t reps = 0, iters = 0;
};

/// One row of a workload's table. `setup` runs before each of its timed
/// repetitions (thread counts), so contenders can be interleaved freely.
struct Contender {
  std::string name;
  std::unique_ptr<Runner> runner;
  std::function<void()> setup = [] {};
  /// Whether wall time counts (multi-threaded rows: idle BLAS threads spin and
  /// inflate CPU time); single-threaded rows count process CPU time.
  bool wall = false;
  Stats stats;
  double time() const { return stats.median; }
};

struct Settings {
  std::size_t reps = 15;          // timed repetitions per contender
  double rep_seconds = 0.04;      // length of one repetition (many steps when steps are short)
  double warmup_seconds = 0.3;    // full steps run before timing starts
};

/// Compares every contender's gradient with the first one's; prints the
/// agreement and returns false (after printing what differs) on a mismatch.
bool check_gradients(const std::string& workload, std::vector<Contender>& contenders,
                     double default_tolerance);

/// Warms every contender up, then times them in interleaved, rotating rounds.
void measure(std::vector<Contender>& contenders, const Settings& settings);

/// "1.23 us", "86.1 ms": three significant digits with a unit.
std::string format_time(double seconds);

/// A target: `value` is compared with `threshold` (at least or at most).
struct Target {
  std::string workload, text;
  double value = 0, threshold = 0;
  bool at_least = true;
  std::string unit = "x";
  bool measured = true;  // false when the reference was not built in
  bool met() const { return measured && (at_least ? value >= threshold : value <= threshold); }
};

/// Prints a workload's table: median, interquartile range, steps per repetition.
void print_table(const std::string& title, const std::vector<Contender>& contenders);
void print_targets(const std::vector<Target>& targets);

}  // namespace bench
