// tapegrad demo: the seed's 4-3-2-1 walkthrough, the same run as examples/seed_network.
//
// Both call nn::run_seed_walkthrough; only the default number of steps differs.
#include <cstdio>
#include <memory>

#include "examples/walkthrough.hpp"
#include "tools/commands.hpp"

namespace tapegrad::tools {

Command add_demo_command(CLI::App& app) {
  auto o = std::make_shared<nn::SeedWalkthroughOptions>(nn::SeedWalkthroughOptions{.steps = 3000});
  auto* command = app.add_subcommand(
      "demo", "The seed's walkthrough: forward values, tape vs hand-derived gradients, the check, "
              "then training (as examples/seed_network).");
  command->add_option("--steps", o->steps, "training steps")->capture_default_str()->check(
      CLI::NonNegativeNumber);
  command->add_option("--seed", o->seed, "seed of the training data")->capture_default_str();
  command->add_option("--graph", o->graph,
                      "folder for the seed's graph files (seed_tensor and seed_scalar: .dot, "
                      ".json, and .svg, .png with Graphviz)")
      ->capture_default_str();
  return {command, [o] { return nn::run_seed_walkthrough(*o, stdout); }};
}

}  // namespace tapegrad::tools
