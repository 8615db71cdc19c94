// Tests for the step-through page's data: steps, chain-rule contributions, hand gradients, self-containment.
#include "viz/html_view.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "autograd/autograd.hpp"
#include "viz/backprop_view.hpp"
#include "reference/example_4321.hpp"
#include "io/model_io.hpp"

using namespace tapegrad;
using namespace tapegrad::viz;
using json = nlohmann::json;

namespace {

// The JSON inside <script type="application/json" id="ID">.
json embedded(const std::string& page, const std::string& id) {
  const std::string open = "<script type=\"application/json\" id=\"" + id + "\">";
  const auto start = page.find(open);
  REQUIRE(start != std::string::npos);
  const auto begin = start + open.size();
  const auto end = page.find("</script>", begin);
  return json::parse(page.substr(begin, end - begin));
}

io::ModelSpec seed_spec() {
  const reference::Example4321 seed = reference::example_4321();
  io::ModelSpec spec = io::to_spec(seed.net);
  spec.loss = nn::LossKind::bce;
  spec.x = seed.x;
  spec.y = seed.y;
  return spec;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("each step shows the upstream gradient, the local derivative and the accumulation") {
  // L = x * x + x: x fans out into the product and the sum; dL/dx = 2x + 1.
  Tape<double> tape;
  auto x = tape.variable(3.0);
  tape.set_name(x, "x");
  auto p = x * x;
  tape.set_name(p, "p");
  auto L = p + x;
  tape.set_name(L, "L");
  tape.backward(L);
  const double grad_before = x.grad()[0];

  const json data = json::parse(backward_steps_json(tape, L));
  CHECK(tape.has_grad(x.id()));
  CHECK(x.grad()[0] == grad_before);  // the replay restores every gradient
  const json& steps = data["steps"];
  REQUIRE(steps.size() == 3);
  CHECK(steps[0]["name"] == "L");
  CHECK(steps[1]["name"] == "p");
  CHECK(steps[2]["name"] == "x");
  CHECK(steps[2]["leaf"] == true);

  const json& from_sum = steps[0]["contributions"];
  REQUIRE(from_sum.size() == 2);
  CHECK(from_sum[0]["name"] == "p");
  CHECK(from_sum[0]["formula"] == "g(p) = g(L)");
  CHECK(from_sum[1]["name"] == "x");
  CHECK(from_sum[1]["formula"] == "g(x) += g(L)");
  CHECK(from_sum[1]["index"] == 1);
  CHECK(from_sum[1]["of"] == 2);
  CHECK(from_sum[1]["after"][0][0] == 1.0);

  const json& from_product = steps[1]["contributions"];
  REQUIRE(from_product.size() == 1);  // x is both inputs: one combined flow
  CHECK(from_product[0]["value"][0][0] == 6.0);
  CHECK(from_product[0]["local"][0][0] == 6.0);
  CHECK(from_product[0]["before"][0][0] == 1.0);
  CHECK(from_product[0]["after"][0][0] == 7.0);
  CHECK(from_product[0]["index"] == 2);
  CHECK(steps[2]["grad"][0][0] == 7.0);

  const json engine = json::parse(engine_gradients_json(tape));
  REQUIRE(engine["steps"].size() == 3);
  for (std::size_t s = 0; s < 3; ++s) CHECK(engine["steps"][s]["grad"] == steps[s]["grad"]);
}

TEST_CASE("formulas use the derivation's notation with the local derivative's numbers") {
  Tape<double> tape;
  Parameter<double> W(Tensor<double>{{0.5, -1.0}}, "W^[1]");
  Parameter<double> b(Tensor<double>{{0.1, 0.2}}, "b^[1]");
  auto a0 = tape.input(Tensor<double>{{2.0}});
  tape.set_name(a0, "a^[0]", 0);
  auto z = affine(a0, tape.parameter(W), tape.parameter(b));
  tape.set_name(z, "z^[1]", 1);
  auto a = sigmoid(z);
  tape.set_name(a, "a^[1]", 1);
  auto L = sum(a);
  tape.set_name(L, "L");
  tape.backward(L);
  const json steps = json::parse(backward_steps_json(tape, L))["steps"];
  const json* sig = nullptr;
  const json* aff = nullptr;
  for (const json& s : steps) {
    if (s["name"] == "a^[1]") sig = &s;
    if (s["name"] == "z^[1]") aff = &s;
  }
  REQUIRE(sig != nullptr);
  REQUIRE(aff != nullptr);
  const json& c = (*sig)["contributions"][0];
  CHECK(c["formula"] == "g^[1z] = g'(z^[1]) o g^[1a],   g'(z^[1]) = a^[1] (1 - a^[1])");
  const double a1 = a.value()[0];
  CHECK(c["local"][0][0].get<double>() == doctest::Approx(a1 * (1 - a1)).epsilon(1e-12));
  CHECK((*aff)["contributions"].size() == 2);  // W and b; a^[0] is an input
  CHECK((*aff)["contributions"][0]["formula"] == "g^[1W] = (a^[0])^T g^[1z]");
  CHECK((*aff)["contributions"][0]["local"] == json{{2.0}});
  CHECK((*aff)["contributions"][1]["formula"] == "g^[1b] = column sums of g^[1z]");
}

TEST_CASE("the page shows each op's chain rule from its registry entry, scalar records too") {
  Tape<double> tape;
  auto z = tape.variable(-0.5);
  tape.set_name(z, "z^[1]", 1);
  auto a = leaky_relu(z, 0.2);  // a scalar record: its partial was computed when recorded
  tape.set_name(a, "a^[1]", 1);
  auto L = a * a;
  tape.set_name(L, "L");
  tape.backward(L);
  const json steps = json::parse(backward_steps_json(tape, L))["steps"];
  const json* act = nullptr;
  for (const json& s : steps)
    if (s["name"] == "a^[1]") act = &s;
  REQUIRE(act != nullptr);
  const json& c = (*act)["contributions"][0];
  CHECK(c["formula"] == "g^[1z] = g'(z^[1]) o g^[1a],   g'(z^[1]) = 1 if z^[1] > 0 else 0.2");
  CHECK(c["local"][0][0].get<double>() == doctest::Approx(0.2).epsilon(1e-15));
  CHECK(c["value"][0][0].get<double>() == doctest::Approx(0.2 * 2 * (0.2 * -0.5)).epsilon(1e-15));
  CHECK(z.grad()[0] == doctest::Approx(0.2 * 2 * (0.2 * -0.5)).epsilon(1e-15));
}

TEST_CASE("the page is self-contained and survives any name") {
  Tape<double> tape;
  auto x = tape.variable(1.0);
  tape.set_name(x, "</script><script>alert(1)</script>");
  auto L = exp(x);
  tape.set_name(L, "L");
  CHECK_THROWS_AS(to_html_view(tape, L), std::logic_error);  // no backward yet
  tape.backward(L);
  {
    const std::string page = to_html_view(tape, L);
    std::size_t scripts = 0;
    for (auto p = page.find("</script"); p != std::string::npos; p = page.find("</script", p + 1))
      ++scripts;
    CHECK(scripts == 5);  // steps, forward steps, graph, hand data and the program: nothing broke out
    CHECK(page.find("<link") == std::string::npos);
    CHECK(page.find(" src=") == std::string::npos);
    CHECK(page.find("@STEPS@") == std::string::npos);
    const json steps = embedded(page, "steps-data")["steps"];
    CHECK(steps[1]["name"] == "</script><script>alert(1)</script>");
    CHECK(page.find("<main id=\"graph\"></main>") != std::string::npos);  // laid out in the page
  }
}

TEST_CASE("the 4-3-2-1 example's page carries hand gradients equal to the engine's") {
  const auto dir = std::filesystem::temp_directory_path() / "tapegrad_html_view_test";
  std::filesystem::create_directories(dir);
  for (bool scalar : {false, true}) {
    CAPTURE(scalar);
    viz::write_backprop_view(seed_spec(), dir / "page.html", {.scalar = scalar, .sample = 0, .title = ""},
                            dir / "expected.json");
    const std::string page = read(dir / "page.html");
    const json steps = embedded(page, "steps-data")["steps"];
    const json hand = embedded(page, "hand-data");
    const json expected = json::parse(read(dir / "expected.json"))["steps"];
    REQUIRE(steps.size() == expected.size());
    std::size_t compared = 0;
    for (std::size_t s = 0; s < steps.size(); ++s) {
      CHECK(steps[s]["grad"] == expected[s]["grad"]);
      const std::string name = steps[s]["name"];
      if (!hand.contains(name)) continue;
      ++compared;
      const json& h = hand[name];
      REQUIRE(h.size() == steps[s]["grad"].size());
      for (std::size_t i = 0; i < h.size(); ++i)
        for (std::size_t j = 0; j < h[i].size(); ++j)
          CHECK(h[i][j].get<double>() ==
                doctest::Approx(steps[s]["grad"][i][j].get<double>()).epsilon(1e-10));
    }
    // tensor view: z, W, b of 3 layers and a^[1], a^[2]; scalar view: every entry
    CHECK(compared == (scalar ? 6u + 3 + 2 + 1 + (12 + 3 + 6 + 2 + 2 + 1) : 3u * 3 + 2));
  }
}

TEST_CASE("the forward steps give each record's equation with names, in tape order") {
  const auto dir = std::filesystem::temp_directory_path() / "tapegrad_html_view_forward";
  std::filesystem::create_directories(dir);
  viz::write_backprop_view(seed_spec(), dir / "page.html");
  const std::string page = read(dir / "page.html");
  const json forward = embedded(page, "forward-data")["steps"];
  const json graph = embedded(page, "graph-data");
  auto text = [](const json& parts) {
    std::string out;
    for (const json& p : parts) out += p["text"].get<std::string>();
    return out;
  };
  std::vector<std::string> equations;
  int previous = -1;
  for (const json& s : forward) {
    CHECK(s["id"].get<int>() > previous);  // tape order
    previous = s["id"];
    equations.push_back(text(s["parts"]));
    // every named part points at its record
    for (const json& p : s["parts"])
      if (p.contains("id"))
        CHECK(std::any_of(graph["nodes"].begin(), graph["nodes"].end(), [&](const json& n) {
          return n["id"] == p["id"] && n["name"] == p["text"];
        }));
  }
  // The derivation's equations, y_hat beside the logits loss included.
  const std::vector<std::string> want = {
      "z^[1] = a^[0] W^[1] + b^[1]", "a^[1] = sigmoid(z^[1])", "z^[2] = a^[1] W^[2] + b^[2]",
      "a^[2] = sigmoid(z^[2])",      "z^[3] = a^[2] W^[3] + b^[3]", "y_hat = sigmoid(z^[3])",
      "L = bce_with_logits(z^[3], y)  (mean)"};
  CHECK(equations == want);
}

TEST_CASE("forward equations cover infix, scalar-operand and named ops") {
  Tape<double> tape;
  auto x = tape.variable(2.0);
  tape.set_name(x, "x");
  auto y = tape.variable(3.0);
  tape.set_name(y, "y");
  auto p = x * y;
  tape.set_name(p, "p");
  auto q = 1.0 - p;
  tape.set_name(q, "q");
  auto r = pow(q, 2.0);
  tape.set_name(r, "r");
  auto L = exp(r) + x / y;
  tape.set_name(L, "L");
  tape.backward(L);
  const json forward = json::parse(forward_steps_json(tape, L))["steps"];
  std::map<std::string, std::string> eq;
  for (const json& s : forward) {
    std::string out;
    for (const json& part : s["parts"]) out += part["text"].get<std::string>();
    eq[s["name"]] = out;
  }
  CHECK(eq["p"] == "p = x \u00d7 y");
  CHECK(eq["q"] == "q = 1 \u2212 p");
  CHECK(eq["r"] == "r = pow(q)  2");
  // exp(r) is a function: recorded at once (t5); `t5 + x / y` is one
  // statement reading it, x and y.
  CHECK(eq["t5"] == "t5 = exp(r)");
  CHECK(eq["L"] == "L = expression(t5, x, y)");
}
