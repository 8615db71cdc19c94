// lab_w1: tapegrad_bench's W1 (the 4-3-2-1 example, one SGD step, float64) on the bench harness,
// built twice by bench/lab.sh: natively and as WebAssembly for node, as the lab runs the engine.
// Prints one line per contender: "name<TAB>median wall seconds<TAB>fastest repetition".
#include <cstdio>
#include <exception>
#include <vector>

#include <fmt/format.h>

#include "bench/harness.hpp"
#include "bench/workloads.hpp"

int main() {
  try {
    using namespace bench;
    const MlpProblem p = w1_problem();
    std::vector<Contender> list;
    list.push_back({"tapegrad", tapegrad_mlp(p)});
    list.push_back({"tapegrad nn", tapegrad_nn_w1(p)});
    list.push_back({"hand-written loops", hand_w1(p)});
    // Wall time: under node CPU time is wall time, so both builds are timed alike.
    for (Contender& c : list) c.wall = true;
    if (!check_gradients("W1", list, 1e-9)) return 1;
    Settings settings;
    settings.reps = 21;
    measure(list, settings);
    for (const Contender& c : list)
      fmt::print("{}\t{:.6e}\t{:.6e}\n", c.name, c.stats.median, c.stats.best);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lab_w1: %s\n", e.what());
    return 2;
  }
}
