// tapegrad demo: the 4-3-2-1 example's walkthrough, the same run as examples/example_4321.
//
// Both call examples::run_walkthrough with the same defaults, so they print the same.
#include <cstdio>
#include <memory>

#include "examples/walkthrough.hpp"
#include "tools/commands.hpp"
#include "tools/options.hpp"

namespace tapegrad::tools {

namespace {
// A bound that keeps a run within minutes (3000 steps take well under a second).
constexpr double max_demo_steps = 1'000'000;
}  // namespace

Command add_demo_command(CLI::App& app) {
  auto o = std::make_shared<examples::WalkthroughOptions>();
  auto* command = app.add_subcommand(
      "demo", "The 4-3-2-1 example's walkthrough (docs/derivation.md): forward values, tape vs "
              "hand-derived gradients, the check, then training (as examples/example_4321).");
  command->add_option("--steps", o->steps, "training steps")
      ->capture_default_str()
      ->check(whole_number(0, max_demo_steps));
  command->add_option("--seed", o->seed, "seed of the training data")->capture_default_str();
  command->add_option("--graph", o->graph,
                      "folder for the 4-3-2-1 example's graph files (example_tensor and "
                      "example_scalar: .dot, .json, and .svg, .png with Graphviz)")
      ->capture_default_str();
  return {command, [o] { return examples::run_walkthrough(*o, stdout); }};
}

}  // namespace tapegrad::tools
