// tapegrad demo: the seed's 4-3-2-1 walkthrough, the same run as examples/seed_network.
//
// Both call nn::run_seed_walkthrough; only the default number of steps differs.
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
  auto o = std::make_shared<nn::SeedWalkthroughOptions>(nn::SeedWalkthroughOptions{.steps = 3000});
  auto* command = app.add_subcommand(
      "demo", "The seed's walkthrough: forward values, tape vs hand-derived gradients, the check, "
              "then training (as examples/seed_network).");
  command->add_option("--steps", o->steps, "training steps")
      ->capture_default_str()
      ->check(whole_number(0, max_demo_steps));
  command->add_option("--seed", o->seed, "seed of the training data")->capture_default_str();
  command->add_option("--graph", o->graph,
                      "folder for the seed's graph files (seed_tensor and seed_scalar: .dot, "
                      ".json, and .svg, .png with Graphviz)")
      ->capture_default_str();
  return {command, [o] { return nn::run_seed_walkthrough(*o, stdout); }};
}

}  // namespace tapegrad::tools
