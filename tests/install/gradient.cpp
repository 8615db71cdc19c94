// A program built against an installed tapegrad (docs/using-tapegrad.md): the
// gradient of f(x, y) = x y + sin(x) at (2, 3) from the tape, and the tape as a graph.
#include <string>

#include <fmt/format.h>

#include "autograd/autograd.hpp"
#include "viz/graph_export.hpp"

int main() {
  using namespace tapegrad;
  Tape<double> tape;
  const auto x = tape.variable(2.0);
  const auto y = tape.variable(3.0);
  const auto f = x * y + sin(x);
  tape.backward(f);
  // By hand: df/dx = y + cos(x), df/dy = x.
  fmt::print("f = {:.12f}\ndf/dx = {:.12f}\ndf/dy = {:.12f}\n", f.item(), x.grad()[0], y.grad()[0]);
  const std::string dot = viz::to_dot(tape, f);
  fmt::print("{} records; DOT starts {}", tape.size(), dot.substr(0, dot.find('\n') + 1));
}
