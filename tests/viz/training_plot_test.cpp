// Tests for the training plot's SVG: its parts, its scales and its refusals
// (tests/browser/training_plot.mjs looks at it in Chromium).
#include "viz/training_plot.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace tapegrad;

namespace {

std::size_t count(const std::string& text, std::string_view part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

nn::History history(bool validation) {
  nn::History h;
  for (std::uint32_t e = 1; e <= 20; ++e) {
    const double loss = 1.0 / e;
    h.push_back({e, loss, validation ? loss + 0.01 * e : NAN, 1.0 - loss / 2,
                 validation ? 0.9 - 0.001 * e : NAN, 0.01, 0.1 * e});
  }
  return h;
}

}  // namespace

TEST_CASE("the plot has a loss and an accuracy panel, each with train and validation curves") {
  viz::TrainingPlotOptions options;
  options.title = "run <1> & co";
  options.loss_name = "bce loss";
  options.best_epoch = 7;
  const std::string svg = viz::training_plot_svg(history(true), options);
  CHECK(svg.starts_with(R"(<svg xmlns="http://www.w3.org/2000/svg" width="800" height="500")"));
  CHECK(svg.ends_with("</svg>\n"));
  CHECK(count(svg, "class=\"frame\"") == 2);
  CHECK(count(svg, "<polyline") == 4);
  CHECK(count(svg, "<title>validation</title>") == 2);
  CHECK(count(svg, ">epoch</text>") == 2);
  CHECK(svg.find(">bce loss</text>") != std::string::npos);
  CHECK(svg.find(">accuracy (%)</text>") != std::string::npos);
  CHECK(svg.find("run &lt;1&gt; &amp; co") != std::string::npos);  // escaped
  CHECK(count(svg, "lowest val loss (epoch 7)") == 2);
  // Round ticks: losses 0.05 .. 1.01 give an axis 0, 0.5, 1, 1.5 (one decimal each).
  CHECK(svg.find(">0.5</text>") != std::string::npos);
  CHECK(svg.find(">1.0</text>") != std::string::npos);
  CHECK(svg.find(">20</text>") != std::string::npos);  // the last epoch is a tick
}

TEST_CASE("without validation figures only the training curves are drawn") {
  const std::string svg = viz::training_plot_svg(history(false));
  CHECK(count(svg, "<polyline") == 2);
  CHECK(svg.find("validation") == std::string::npos);
  CHECK(svg.find("lowest val loss") == std::string::npos);
}

TEST_CASE("a one-epoch run is drawn as points; an empty history is refused") {
  nn::History one{{1, 0.5, 0.6, 0.8, 0.7, 0.01, 0.1}};
  const std::string svg = viz::training_plot_svg(one);
  CHECK(count(svg, "<circle") == 4);
  CHECK(svg.find("nan") == std::string::npos);
  CHECK_THROWS_WITH_AS(viz::training_plot_svg({}), "training plot: the history has no epochs",
                       std::invalid_argument);
}
