// Tests for the graph export: DOT that Graphviz accepts, the JSON schema, the
// 4-3-2-1 example's tensor and scalar views, big and deep graphs.
#include "viz/graph_export.hpp"
#include "viz/graphviz.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <streambuf>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "autograd/autograd.hpp"
#include "reference/example_4321.hpp"
#include "reference/scalar_network.hpp"

using namespace tapegrad;
using namespace tapegrad::viz;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path scratch_dir() {
  const fs::path dir = fs::temp_directory_path() /
                       fmt::format("tapegrad_graph_test_{}", static_cast<long>(::getpid()));
  fs::create_directories(dir);
  return dir;
}

// Every DOT dump the tests below make, for the last test case, which has
// Graphviz parse them all (and is reported skipped where dot is absent).
std::vector<std::pair<std::string, std::string>>& dumps_to_parse() {
  static std::vector<std::pair<std::string, std::string>> dumps;
  return dumps;
}
void parse_later(const std::string& dot, const std::string& stem) { dumps_to_parse().emplace_back(stem, dot); }

// The 4-3-2-1 example (a sigmoid network) with its fixed weights, one sample, BCE.
struct Fixed4321 {
  reference::Example4321 example = reference::example_4321();
  Tensor<double> W1 = example.net.layer(1).W.value;
  Tensor<double> b1 = example.net.layer(1).b.value;
  Tensor<double> W2 = example.net.layer(2).W.value;
  Tensor<double> b2 = example.net.layer(2).b.value;
  Tensor<double> W3 = example.net.layer(3).W.value;
  Tensor<double> b3 = example.net.layer(3).b.value;
  Tensor<double> x = example.x;
  Tensor<double> y = example.y;

  std::vector<io::LayerSpec> layers() const {
    return {{W1, b1, nn::Activation::sigmoid},
            {W2, b2, nn::Activation::sigmoid},
            {W3, b3, nn::Activation::sigmoid}};
  }
};

// Forward and backward of the 4-3-2-1 example by the formulas of docs/derivation.md, in plain loops.
struct Fixed4321ByHand {
  std::vector<std::vector<double>> a, g_z;  // a[k], g^[kz] for k = 0..3
  std::vector<std::vector<std::vector<double>>> g_W;
  double loss = 0;

  explicit Fixed4321ByHand(const Fixed4321& s) {
    const Tensor<double>* W[] = {nullptr, &s.W1, &s.W2, &s.W3};
    const Tensor<double>* b[] = {nullptr, &s.b1, &s.b2, &s.b3};
    a.push_back({s.x.begin(), s.x.end()});
    for (int k = 1; k <= 3; ++k) {
      std::vector<double> next(W[k]->cols());
      for (std::uint32_t j = 0; j < W[k]->cols(); ++j) {
        double z = (*b[k])(0, j);
        for (std::uint32_t i = 0; i < W[k]->rows(); ++i) z += a[k - 1][i] * (*W[k])(i, j);
        next[j] = 1 / (1 + std::exp(-z));
      }
      a.push_back(next);
    }
    const double y_hat = a[3][0], y = s.y(0, 0);
    loss = -(y * std::log(y_hat) + (1 - y) * std::log(1 - y_hat));
    g_z.assign(4, {});
    g_W.assign(4, {});
    g_z[3] = {y_hat - y};
    for (int k = 3; k >= 1; --k) {
      g_W[k].assign(W[k]->rows(), std::vector<double>(W[k]->cols()));
      for (std::uint32_t i = 0; i < W[k]->rows(); ++i)
        for (std::uint32_t j = 0; j < W[k]->cols(); ++j) g_W[k][i][j] = a[k - 1][i] * g_z[k][j];
      if (k == 1) break;
      // g^[(k-1)a] = g^[kz] (W^[k])^T, g^[(k-1)z] = a (1 - a) o g^[(k-1)a]
      g_z[k - 1].assign(W[k]->rows(), 0);
      for (std::uint32_t i = 0; i < W[k]->rows(); ++i) {
        double g_a = 0;
        for (std::uint32_t j = 0; j < W[k]->cols(); ++j) g_a += g_z[k][j] * (*W[k])(i, j);
        g_z[k - 1][i] = a[k - 1][i] * (1 - a[k - 1][i]) * g_a;
      }
    }
  }
};

// The 4-3-2-1 example recorded with one tensor op per layer, named as the nn layer names it.
struct TensorView4321 {
  Parameter<double> W1, b1, W2, b2, W3, b3;
  Var<double> L;

  TensorView4321(Tape<double>& tape, const Fixed4321& s)
      : W1(s.W1, "W^[1]"), b1(s.b1, "b^[1]"), W2(s.W2, "W^[2]"), b2(s.b2, "b^[2]"),
        W3(s.W3, "W^[3]"), b3(s.b3, "b^[3]") {
    auto a0 = tape.input(s.x);
    tape.set_name(a0, "a^[0]", 0);
    Parameter<double>* Ws[] = {&W1, &W2, &W3};
    Parameter<double>* bs[] = {&b1, &b2, &b3};
    Var<double> a = a0;
    for (int k = 1; k <= 3; ++k) {
      auto W = tape.parameter(*Ws[k - 1]);
      auto b = tape.parameter(*bs[k - 1]);
      tape.set_name(W, fmt::format("W^[{}]", k), k);
      tape.set_name(b, fmt::format("b^[{}]", k), k);
      auto z = affine(a, W, b);
      tape.set_name(z, fmt::format("z^[{}]", k), k);
      a = sigmoid(z);
      tape.set_name(a, k == 3 ? "y_hat" : fmt::format("a^[{}]", k), k);
    }
    auto y = tape.constant(s.y);
    tape.set_name(y, "y");
    L = binary_cross_entropy(a, y);
    tape.set_name(L, "L");
  }
};

const json& node_named(const json& graph, std::string_view name) {
  for (const json& n : graph["nodes"])
    if (n["name"] == name) return n;
  FAIL("no node named " << name);
  return graph;
}

std::vector<const json*> edges_from(const json& graph, int id) {
  std::vector<const json*> out;
  for (const json& e : graph["edges"])
    if (e["from"] == id) out.push_back(&e);
  return out;
}

// A stream buffer that only counts what is written, and the arrows in it.
class CountingBuffer : public std::streambuf {
 public:
  std::size_t bytes = 0, arrows = 0, longest_line = 0;

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) count(static_cast<char>(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize k = 0; k < n; ++k) count(s[k]);
    return n;
  }

 private:
  void count(char c) {
    ++bytes;
    arrows += previous_ == '-' && c == '>';
    line_ = c == '\n' ? 0 : line_ + 1;
    longest_line = std::max(longest_line, line_);
    previous_ = c;
  }
  char previous_ = 0;
  std::size_t line_ = 0;
};

}  // namespace

TEST_CASE("gradient names follow the derivation's g^[kx] notation") {
  CHECK(gradient_name("z^[1]") == "g^[1z]");
  CHECK(gradient_name("W^[2]") == "g^[2W]");
  CHECK(gradient_name("a^[1]") == "g^[1a]");
  CHECK(gradient_name("b^[1]") == "g^[1b]");
  CHECK(gradient_name("z_1^[1]") == "g^[1z]_1");
  CHECK(gradient_name("W_1,2^[2]") == "g^[2W]_1,2");
  CHECK(gradient_name("y_hat", 3) == "g^[3a]");
  CHECK(gradient_name("y_hat_2", 3) == "g^[3a]_2");
  CHECK(gradient_name("y_hat") == "g(y_hat)");
  CHECK(gradient_name("L") == "g(L)");
  CHECK(gradient_name("t17") == "g(t17)");
  CHECK(gradient_name("^[1]") == "g(^[1])");
  CHECK(gradient_name("z^[]") == "g(z^[])");
}

TEST_CASE("unnamed records get generated names") {
  Tape<double> tape;
  auto x = tape.variable(2.0);
  auto y = x * x;
  CHECK(display_name(tape, y.id()) == fmt::format("t{}", y.id()));
  tape.set_name(y, "square");
  CHECK(display_name(tape, y.id()) == "square");
}

TEST_CASE("before backward a dump says gradients are not computed yet, after it shows them") {
  Tape<double> tape;
  auto x = tape.variable(Tensor<double>{{1.0, 2.0}});
  tape.set_name(x, "x");
  auto L = sum(x * x);
  tape.set_name(L, "L");

  const std::string before = to_dot(tape, L);
  CHECK(before.find("g(x): not computed yet") != std::string::npos);
  const json j_before = json::parse(to_json(tape, L));
  CHECK(j_before["backward_done"] == false);
  CHECK(node_named(j_before, "x")["grad"].is_null());
  CHECK(node_named(j_before, "x")["reverse_step"].is_null());

  tape.backward(L);
  const std::string after = to_dot(tape, L);
  CHECK(after.find("not computed yet") == std::string::npos);
  CHECK(after.find("g(x) =<BR/>[2  4]") != std::string::npos);
  const json j_after = json::parse(to_json(tape, L));
  CHECK(j_after["backward_done"] == true);
  CHECK(node_named(j_after, "x")["grad"] == json{{2.0, 4.0}});
  CHECK(node_named(j_after, "L")["reverse_step"] == 0);
  CHECK(node_named(j_after, "x")["reverse_step"] == 2);
  parse_later(before, "before");
  parse_later(after, "after");
}

TEST_CASE("dumps draw each op with its registry label, numbers and input labels") {
  Tape<double> tape;
  auto x = tape.variable(Tensor<double>{{0.5, -2.0, 3.0}});
  auto c = clamp(x, -1.0, 2.0);
  auto l = leaky_relu(c, 0.2);
  auto p = pow(l, 3.0);
  auto m = maximum(p, tape.constant(Tensor<double>{{0.0, 0.1, 0.2}}));
  auto L = sum(m);
  tape.backward(L);
  const std::string dot = to_dot(tape, L);
  CHECK(dot.find("clamp [-1, 2]") != std::string::npos);
  CHECK(dot.find("leaky_relu 0.2") != std::string::npos);
  CHECK(dot.find("pow 3") != std::string::npos);
  CHECK(dot.find(">max<") != std::string::npos);
  CHECK(dot.find("[label=\"a\", fontsize=9]") != std::string::npos);  // maximum's inputs
  const json j = json::parse(to_json(tape, L));
  std::vector<std::string> ops;
  for (const auto& n : j["nodes"]) ops.push_back(n["op"]);
  CHECK(ops == std::vector<std::string>{"leaf", "clamp", "leaky_relu", "pow", "leaf", "maximum", "sum"});
  parse_later(dot, "registry_labels");
}

TEST_CASE("a dense record dumps as one op node with its three inputs") {
  Tape<double> tape;
  auto a = tape.input(Tensor<double>{{0.5, -2.0}});
  auto W = tape.variable(Tensor<double>{{1.0, 0.5}, {-1.0, 2.0}});
  auto b = tape.variable(Tensor<double>{{0.1, 0.2}});
  auto L = sum(dense(a, W, b, Op::tanh));
  tape.backward(L);
  const std::string dot = to_dot(tape, L);
  CHECK(dot.find("dense") != std::string::npos);
  CHECK(dot.find("[label=\"W\", fontsize=9]") != std::string::npos);
  const json j = json::parse(to_json(tape, L));
  std::vector<std::string> ops;
  for (const auto& n : j["nodes"]) ops.push_back(n["op"]);
  CHECK(ops == std::vector<std::string>{"leaf", "leaf", "leaf", "dense", "sum"});
  parse_later(dot, "dense");
}

TEST_CASE("any name gives valid DOT and survives the JSON dump") {
  // Each name, and how its label must show it.
  const std::vector<std::pair<std::string, std::string>> names{
      {"quote \" inside", "quote &quot; inside"},
      {"back\\slash\\", "back\\slash\\"},
      {"<angle> & amp", "&lt;angle&gt; &amp; amp"},
      {"{braces} [brackets]", "{braces} [brackets]"},
      {"new\nline\r\ttab", "new<BR/>line  tab"},
      {"unicode \xc5\xb7 \xe2\x88\x82L", "unicode &#375; &#8706;L"},
      {"bad utf8 \xff\xc3", "bad utf8 ??"},
      {"-> edge; digraph { }", "-&gt; edge; digraph { }"},
      {"</TD></TR></TABLE>>", "&lt;/TD&gt;&lt;/TR&gt;&lt;/TABLE&gt;&gt;"}};
  for (const auto& [name, shown] : names) {
    CAPTURE(name);
    Tape<double> tape;
    auto x = tape.variable(1.5);
    tape.set_name(x, name, 1);
    auto L = exp(x);
    tape.set_name(L, name + "^[2]", 2);
    tape.backward(L);
    GraphOptions options;
    options.backward_edges = true;
    const std::string dot = to_dot(tape, L, options);
    CHECK(dot.find("<B>" + shown + "</B>") != std::string::npos);
    parse_later(dot, "names");
    const json j = json::parse(to_json(tape, L));
    const bool valid_utf8 = name.find('\xff') == std::string::npos;
    CHECK(j["nodes"][0]["name"] == (valid_utf8 ? name : "bad utf8 \xef\xbf\xbd\xef\xbf\xbd"));
  }
}

TEST_CASE("the 4-3-2-1 example's tensor view dumps with the derivation's names, values and gradients") {
  const Fixed4321 example;
  const Fixed4321ByHand hand(example);
  Tape<double> tape;
  TensorView4321 net(tape, example);
  tape.backward(net.L);

  const json g = json::parse(to_json(tape, net.L));
  CHECK(g["format"] == "tapegrad-graph");
  CHECK(g["version"] == 1);
  CHECK(g["output"] == net.L.id());
  // a^[0], (W, b, z, a) per layer, y, L
  CHECK(g["nodes"].size() == 1 + 3 * 4 + 2);
  // affine has 3 inputs and sigmoid 1 per layer, plus the loss's 2
  CHECK(g["edges"].size() == 3 * (3 + 1) + 2);

  SUBCASE("edges go forward from each layer's inputs into its affine record") {
    for (int k = 1; k <= 3; ++k) {
      const json& z = node_named(g, fmt::format("z^[{}]", k));
      CHECK(z["op"] == "affine");
      CHECK(z["layer"] == k);
      CHECK(z["shape"] == json{1, example.layers()[static_cast<std::size_t>(k - 1)].W.cols()});
      const std::string prev = k == 1 ? "a^[0]" : fmt::format("a^[{}]", k - 1);
      const std::string inputs[] = {prev, fmt::format("W^[{}]", k), fmt::format("b^[{}]", k)};
      for (int i = 0; i < 3; ++i) {
        const json& from = node_named(g, inputs[i]);
        const auto out = edges_from(g, from["id"]);
        CHECK(std::any_of(out.begin(), out.end(), [&](const json* e) {
          return (*e)["to"] == z["id"] && (*e)["input"] == i;
        }));
      }
      CHECK(node_named(g, fmt::format("W^[{}]", k))["role"] == "parameter");
    }
    CHECK(node_named(g, "a^[0]")["role"] == "input");
    CHECK(node_named(g, "y")["role"] == "constant");
    CHECK(node_named(g, "L")["output"] == true);
    CHECK(node_named(g, "L")["op"] == "binary_cross_entropy");
  }

  SUBCASE("values and gradients equal the formulas of docs/derivation.md") {
    const json& y_hat = node_named(g, "y_hat");
    CHECK(y_hat["grad_name"] == "g^[3a]");
    CHECK(y_hat["value"][0][0].get<double>() == doctest::Approx(hand.a[3][0]).epsilon(1e-12));
    CHECK(node_named(g, "L")["value"][0][0].get<double>() == doctest::Approx(hand.loss));
    for (int k = 1; k <= 3; ++k) {
      const json& z = node_named(g, fmt::format("z^[{}]", k));
      CHECK(z["grad_name"] == fmt::format("g^[{}z]", k));
      for (std::size_t j = 0; j < hand.g_z[static_cast<std::size_t>(k)].size(); ++j)
        CHECK(z["grad"][0][j].get<double>() ==
              doctest::Approx(hand.g_z[static_cast<std::size_t>(k)][j]).epsilon(1e-10));
      const json& W = node_named(g, fmt::format("W^[{}]", k));
      CHECK(W["grad_name"] == fmt::format("g^[{}W]", k));
      const auto& gW = hand.g_W[static_cast<std::size_t>(k)];
      for (std::size_t i = 0; i < gW.size(); ++i)
        for (std::size_t j = 0; j < gW[i].size(); ++j)
          CHECK(W["grad"][i][j].get<double>() == doctest::Approx(gW[i][j]).epsilon(1e-10));
    }
  }

  SUBCASE("reverse steps follow the walk from L back to a^[0]'s consumers") {
    std::map<std::string, int> step;
    for (const json& n : g["nodes"])
      if (!n["reverse_step"].is_null()) step[n["name"]] = n["reverse_step"];
    CHECK(step["L"] == 0);
    CHECK(step["y_hat"] == 1);
    CHECK(step["z^[3]"] == 2);
    CHECK(step["z^[3]"] < step["a^[2]"]);
    CHECK(step["a^[2]"] < step["z^[2]"]);
    CHECK(step["z^[2]"] < step["z^[1]"]);
    CHECK(step.count("a^[0]") == 0);  // an input: no gradient, no step
    CHECK(step.count("y") == 0);
  }

  SUBCASE("the DOT dump draws each layer as a column, has a legend, and parses") {
    const std::string dot = to_dot(tape, net.L);
    for (int k = 0; k <= 3; ++k)
      CHECK(dot.find(fmt::format("subgraph cluster_layer_{} {{\n  label=\"layer {}\"; labeljust=l; "
                                 "style=\"rounded,dashed\"; color=\"#868e96\"; "
                                 "fontname=\"Helvetica\";\n  rank=same;",
                                 k, k)) != std::string::npos);
    CHECK(dot.find("rankdir=LR") != std::string::npos);
    // Inside a column edges run down it; between columns they do not pull
    // columns up or down (no staircase).
    const std::string z1 = std::to_string(node_named(g, "z^[1]")["id"].get<int>());
    const std::string a1 = std::to_string(node_named(g, "a^[1]")["id"].get<int>());
    CHECK(dot.find(fmt::format("  o{} -> v{} [dir=back];",
                               z1, node_named(g, "W^[1]")["id"].get<int>())) != std::string::npos);
    CHECK(dot.find(fmt::format("  v{} -> o{} [xlabel=\"a\", fontsize=9, weight=0];", a1,
                               node_named(g, "z^[2]")["id"].get<int>())) != std::string::npos);
    CHECK(dot.find("labelloc=b") != std::string::npos);  // the legend is the graph's label
    CHECK(dot.find(">parameter</TD>") != std::string::npos);
    CHECK(dot.find("dashed arrows") == std::string::npos);  // no backward edges drawn
    CHECK(dot.find("g^[2W] =<BR/>[") != std::string::npos);
    CHECK(dot.find("backward step 0") != std::string::npos);
    parse_later(dot, "example_tensor");
  }

  SUBCASE("options turn values, gradients and backward edges on and off") {
    GraphOptions options;
    options.values = false;
    options.gradients = false;
    const std::string bare = to_dot(tape, net.L, options);
    CHECK(bare.find("g^[2W]") == std::string::npos);
    CHECK(bare.find("backward step 0") == std::string::npos);
    CHECK(bare.find(fmt::format("[{:.4g}  ", example.W1(0, 0))) == std::string::npos);
    CHECK(to_dot(tape, net.L).find(fmt::format("[{:.4g}  ", example.W1(0, 0))) != std::string::npos);
    CHECK(bare.find("style=dashed") == std::string::npos);
    options = {};
    options.backward_edges = true;
    const std::string with_back = to_dot(tape, net.L, options);
    std::size_t dashed = 0;
    for (std::size_t p = with_back.find("style=dashed"); p != std::string::npos;
         p = with_back.find("style=dashed", p + 1))
      ++dashed;
    // one per input that needs a gradient: W and b of layer 1, a, W and b of
    // layers 2 and 3, each sigmoid's z, and the loss's prediction y_hat
    CHECK(dashed == 2 + 3 + 3 + 3 + 1);
    CHECK(with_back.find("dashed arrows: backward") != std::string::npos);  // the legend says so
    parse_later(with_back, "example_backward");
    const json j = json::parse(to_json(tape, net.L, GraphOptions{.values = false}));
    CHECK(node_named(j, "W^[1]")["value"].is_null());
    CHECK(node_named(j, "W^[1]")["grad"].is_array());
  }
}

TEST_CASE("the scalar view of the 4-3-2-1 example shows both flows back into a_1^[1]") {
  const Fixed4321 example;
  const Fixed4321ByHand hand(example);
  Tape<double> tape;
  const auto layers = example.layers();
  const auto net = reference::record_scalar_network(tape, layers, example.x, example.y);
  tape.backward(net.loss);
  const json g = json::parse(to_json(tape, net.loss));

  // 4 inputs; per layer n_in n_out weights and products, n_out biases, n_in
  // additions per neuron, n_out activations; then y and L.
  std::size_t expected = 4 + 2;
  for (const auto& l : layers)
    expected += 2 * l.W.size() + l.W.cols() + l.W.rows() * l.W.cols() + l.W.cols();
  CHECK(g["nodes"].size() == expected);
  CHECK(tape.size() == expected);

  SUBCASE("a_1^[1] feeds two different ops, one on the way to each neuron of layer 2") {
    const json& a11 = node_named(g, "a_1^[1]");
    const auto out = edges_from(g, a11["id"]);
    REQUIRE(out.size() == 2);
    const int first = (*out[0])["to"], second = (*out[1])["to"];
    CHECK(first != second);
    // Follow each op forward (each has one consumer) until a named z.
    auto reaches = [&](int id) {
      for (;;) {
        const json* n = nullptr;
        for (const json& m : g["nodes"])
          if (m["id"] == id) n = &m;
        REQUIRE(n != nullptr);
        const std::string name = (*n)["name"];
        if (name.starts_with("z_")) return name;
        const auto next = edges_from(g, id);
        REQUIRE(next.size() == 1);
        id = (*next[0])["to"];
      }
    };
    const std::set<std::string> targets{reaches(first), reaches(second)};
    CHECK(targets == std::set<std::string>{"z_1^[2]", "z_2^[2]"});
  }

  SUBCASE("g^[1a]_1 is the sum of both flows, g^[2z] . [W_1,1^[2]; W_1,2^[2]]") {
    const double g_z21 = node_named(g, "z_1^[2]")["grad"][0][0];
    const double g_z22 = node_named(g, "z_2^[2]")["grad"][0][0];
    const json& a11 = node_named(g, "a_1^[1]");
    CHECK(a11["grad_name"] == "g^[1a]_1");
    CHECK(a11["grad"][0][0].get<double>() ==
          doctest::Approx(g_z21 * example.W2(0, 0) + g_z22 * example.W2(0, 1)).epsilon(1e-12));
    CHECK(g_z21 == doctest::Approx(hand.g_z[2][0]).epsilon(1e-10));
    CHECK(g_z22 == doctest::Approx(hand.g_z[2][1]).epsilon(1e-10));
  }

  SUBCASE("every weight's gradient equals the tensor view's entry") {
    for (std::size_t k = 1; k <= 3; ++k)
      for (std::size_t i = 1; i <= layers[k - 1].W.rows(); ++i)
        for (std::size_t j = 1; j <= layers[k - 1].W.cols(); ++j) {
          const json& w = node_named(g, fmt::format("W_{},{}^[{}]", i, j, k));
          CHECK(w["role"] == "variable");
          CHECK(w["layer"] == k);
          CHECK(w["grad_name"] == fmt::format("g^[{}W]_{},{}", k, i, j));
          CHECK(w["grad"][0][0].get<double>() ==
                doctest::Approx(hand.g_W[k][i - 1][j - 1]).epsilon(1e-10));
          CHECK(net.weight(k, i, j).grad()[0] == w["grad"][0][0].get<double>());
        }
    CHECK(node_named(g, "y_hat")["value"][0][0].get<double>() ==
          doctest::Approx(hand.a[3][0]).epsilon(1e-12));
    CHECK(node_named(g, "L")["value"][0][0].get<double>() == doctest::Approx(hand.loss));
  }

  SUBCASE("its DOT dump draws unnamed products and sums compactly, and parses") {
    GraphOptions options;
    options.backward_edges = true;
    const std::string dot = to_dot(tape, net.loss, options);
    std::size_t op_nodes = 0;
    for (std::size_t p = dot.find("shape=ellipse"); p != std::string::npos;
         p = dot.find("shape=ellipse", p + 1))
      ++op_nodes;
    CHECK(op_nodes == 6 + 6 + 1);  // the z's, the activations and L keep their op nodes
    parse_later(dot, "example_scalar");
    options.compact_unnamed = false;
    parse_later(to_dot(tape, net.loss, options), "example_scalar_full");
  }
}

TEST_CASE("the scalar network checks its shapes and supports every loss") {
  const Fixed4321 example;
  const auto layers = example.layers();
  Tape<double> tape;
  CHECK_THROWS_WITH_AS(reference::record_scalar_network(tape, layers, Tensor<double>{{1.0, 2.0}}, example.y),
                       "scalar network: x must be one row with an entry per input of layer 1; x "
                       "is (1, 2), W^[1] is (4, 3)",
                       ShapeError);
  CHECK_THROWS_AS(reference::record_scalar_network(tape, layers, example.x, Tensor<double>{{1.0, 0.0}}),
                  ShapeError);
  for (auto kind : {nn::LossKind::bce, nn::LossKind::half_sse, nn::LossKind::mse,
                    nn::LossKind::softmax_ce}) {
    CAPTURE(nn::loss_name(kind));
    Tape<double> t;
    std::vector<io::LayerSpec> two_out{{example.W1, example.b1, nn::Activation::tanh},
                                       {example.W2, example.b2, nn::Activation::sigmoid}};
    if (kind == nn::LossKind::softmax_ce) two_out[1].activation = nn::Activation::identity;
    const Tensor<double> y{{1.0, 0.0}};
    const auto net = reference::record_scalar_network(t, two_out, example.x, y, kind);
    // Compare with the same loss recorded on tensors.
    Tape<double> tt;
    auto a1 = tanh(affine(tt.input(example.x), tt.constant(example.W1), tt.constant(example.b1)));
    auto z2 = affine(a1, tt.constant(example.W2), tt.constant(example.b2));
    auto yv = tt.constant(y);
    Var<double> L;
    switch (kind) {
      case nn::LossKind::bce: L = binary_cross_entropy(sigmoid(z2), yv); break;
      case nn::LossKind::half_sse: L = half_sse(sigmoid(z2), yv); break;
      case nn::LossKind::mse: L = mse(sigmoid(z2), yv); break;
      case nn::LossKind::softmax_ce: L = cross_entropy(z2, yv); break;
    }
    CHECK(net.loss.item() == doctest::Approx(L.item()).epsilon(1e-12));
    CHECK(t.name(net.loss.id()) == "L");
  }
}

TEST_CASE("a chain of a million records dumps without recursion") {
  Tape<double> tape;
  auto x = tape.variable(1.0);
  auto v = x;
  constexpr std::uint32_t length = 1'000'000;
  for (std::uint32_t k = 0; k < length; ++k) v = v * 1.0;
  tape.backward(v);
  CHECK(dependencies(tape, v).size() == length + 1);

  GraphOptions options;
  options.backward_edges = true;
  options.compact_unnamed = false;
  CountingBuffer counter;
  std::ostream out(&counter);
  write_dot(out, tape, v, options);
  // per op: input -> op, op -> result, and the dashed backward edge
  CHECK(counter.arrows == 3 * std::size_t{length});
  CHECK(counter.longest_line < 2000);

  CountingBuffer json_counter;
  std::ostream json_out(&json_counter);
  write_json(json_out, tape, v);
  CHECK(json_counter.bytes > std::size_t{length} * 100);
}

TEST_CASE("a 784-256-128-10 MLP on a batch of 64 dumps in summary form, quickly") {
  Generator gen(7);
  Tape<float> tape;
  std::vector<Parameter<float>> params;
  params.reserve(6);
  const std::uint32_t sizes[] = {784, 256, 128, 10};
  for (int k = 0; k < 3; ++k) {
    params.emplace_back(Tensor<float>::normal({sizes[k], sizes[k + 1]}, gen, 0.0, 0.05),
                        fmt::format("W^[{}]", k + 1));
    params.emplace_back(Tensor<float>::zeros({1, sizes[k + 1]}), fmt::format("b^[{}]", k + 1));
  }
  Var<float> a = tape.input(Tensor<float>::uniform({64, 784}, gen));
  tape.set_name(a, "a^[0]", 0);
  for (int k = 0; k < 3; ++k) {
    auto z = affine(a, tape.parameter(params[2 * static_cast<std::size_t>(k)]),
                    tape.parameter(params[2 * static_cast<std::size_t>(k) + 1]));
    tape.set_name(z, fmt::format("z^[{}]", k + 1), k + 1);
    a = k == 2 ? z : relu(z);
  }
  Tensor<float> labels = Tensor<float>::zeros({64, 10});
  for (std::uint32_t i = 0; i < 64; ++i) labels(i, i % 10) = 1;
  auto L = cross_entropy(a, tape.constant(labels));
  tape.backward(L);

  const auto start = std::chrono::steady_clock::now();
  const std::string dot = to_dot(tape, L);
  const std::string json_text = to_json(tape, L);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 5.0);  // well under a second in a release build
  CHECK(dot.size() < 20'000);
  CHECK(json_text.size() < 20'000);
  CHECK(dot.find("min ") != std::string::npos);
  const json g = json::parse(json_text);
  const json& W1 = node_named(g, "W^[1]");
  CHECK(W1["shape"] == json{784, 256});
  CHECK(W1["value"].contains("mean"));
  CHECK(W1["grad"].contains("max"));
  parse_later(dot, "mlp");
}

TEST_CASE("a loss read from the logits still shows y_hat, dashed, without a gradient") {
  const Fixed4321 example;
  Tape<double> tape;
  Parameter<double> W(example.W1, "W^[1]"), b(example.b1, "b^[1]");
  auto a0 = tape.input(example.x);
  tape.set_name(a0, "a^[0]", 0);
  auto z = affine(a0, tape.parameter(W), tape.parameter(b));
  tape.set_name(z, "z^[1]", 1);
  auto y_hat = sigmoid(z);
  tape.set_name(y_hat, "y_hat", 1);
  auto unnamed = exp(z);  // computed beside the loss but unnamed: not shown
  (void)unnamed;
  auto y = tape.constant(Tensor<double>({1, 3}, 1.0));
  tape.set_name(y, "y");
  auto L = binary_cross_entropy_with_logits(z, y);
  tape.set_name(L, "L");
  tape.backward(L);

  const json g = json::parse(to_json(tape, L));
  CHECK(g["nodes"].size() == 1 + 2 + 1 + 1 + 1 + 1);  // a^[0], W, b, z, y_hat, y, L
  const json& shown = node_named(g, "y_hat");
  CHECK(shown["on_path"] == false);
  CHECK(shown["grad"].is_null());
  CHECK(shown["value"][0][0].get<double>() ==
        doctest::Approx(1 / (1 + std::exp(-z.value()[0]))).epsilon(1e-14));
  CHECK(node_named(g, "z^[1]")["on_path"] == true);
  // y_hat -> nothing; z -> y_hat is an edge of the graph
  CHECK(edges_from(g, node_named(g, "z^[1]")["id"]).size() == 2);
  GraphOptions options;
  options.backward_edges = true;
  const std::string dot = to_dot(tape, L, options);
  CHECK(dot.find("rounded,filled,dashed") != std::string::npos);
  CHECK(dot.find("not read by L: no gradient") != std::string::npos);
  // no dashed backward edge leaves y_hat
  CHECK(dot.find(fmt::format("  v{} -> v", y_hat.id())) == std::string::npos);
  parse_later(dot, "logits");
}

TEST_CASE("the scalar view colours weights as parameters, as the tensor view does") {
  const Fixed4321 example;
  Tape<double> tape;
  const auto layers = example.layers();
  const auto net = reference::record_scalar_network(tape, layers, example.x, example.y);
  tape.backward(net.loss);
  const std::string dot = to_dot(tape, net.loss);
  const std::string w11 = fmt::format("  v{} [shape=box, style=\"rounded,filled\", fillcolor=\"#a5d8ff\"",
                                      net.weight(1, 1, 1).id());
  CHECK(dot.find(w11) != std::string::npos);
  CHECK(dot.find("(1, 1) parameter") != std::string::npos);
  CHECK(dot.find("(1, 1) variable") == std::string::npos);
  // Each layer's neurons z_j and a_j stand in one column.
  CHECK(dot.find(fmt::format("  {{ rank=same; v{}; v{}; v{}; }}", net.z[1][0].id(), net.z[1][1].id(),
                             net.z[1][2].id())) != std::string::npos);
}

TEST_CASE("a collapsed view draws one box per layer and parses") {
  const Fixed4321 example;
  Tape<double> tape;
  const auto layers = example.layers();
  const auto net = reference::record_scalar_network(tape, layers, example.x, example.y);
  tape.backward(net.loss);
  GraphOptions options;
  options.collapse = true;
  const std::string dot = to_dot(tape, net.loss, options);
  for (int k = 0; k <= 3; ++k) CHECK(dot.find(fmt::format("  layer_{} [", k)) != std::string::npos);
  CHECK(dot.find("<B>W^[1]</B></TD><TD ALIGN=\"LEFT\">&#215; 12</TD><TD ALIGN=\"LEFT\">parameter") !=
        std::string::npos);
  CHECK(dot.find("  layer_1 -> layer_2;") != std::string::npos);
  CHECK(dot.find("  layer_2 -> layer_3;") != std::string::npos);
  // boxes: 4 layers, y, L and its op
  CHECK(graphviz::count_nodes(dot) == 4 + 2 + 1);
  CHECK(graphviz::count_nodes(to_dot(tape, net.loss)) > 60);
  parse_later(dot, "collapsed");
  // JSON dumps are unaffected
  CHECK(to_json(tape, net.loss, options) == to_json(tape, net.loss));
}

TEST_CASE("a graph Graphviz draws slowly gets a warning that offers the collapsed view") {
  CHECK(slow_render_warning(graphviz::slow_node_count).empty());
  const std::string warning = slow_render_warning(1590);
  CHECK(warning.find("1590 nodes") != std::string::npos);
  CHECK(warning.find("--collapse") != std::string::npos);
}

TEST_CASE("render_dot writes SVG and PNG with Graphviz, or says how to render") {
  Tape<double> tape;
  auto x = tape.variable(0.5);
  auto L = sigmoid(x);
  tape.backward(L);
  const fs::path stem = scratch_dir() / "render";
  const RenderResult r = write_graph_files(tape, L, stem);
  CHECK(fs::exists(scratch_dir() / "render.dot"));
  CHECK(json::parse(std::ifstream(scratch_dir() / "render.json"))["nodes"].size() == 2);
  if (have_graphviz()) {
    CHECK(r.rendered);
    CHECK(fs::file_size(r.svg) > 100);
    CHECK(fs::file_size(r.png) > 100);
    std::ifstream svg(r.svg);
    const std::string text((std::istreambuf_iterator<char>(svg)), {});
    CHECK(text.find("<svg") != std::string::npos);
  } else {
    CHECK_FALSE(r.rendered);
    CHECK(r.message.find("dot -Tsvg") != std::string::npos);
  }
  CHECK(have_graphviz() == graphviz::available());
}

TEST_CASE("graph dumps mark the record anomaly mode stopped at (Tape::detect_anomaly)") {
  Tape<double> tape;
  tape.detect_anomaly(true);
  auto x = tape.variable(Tensor<double>{{-1.0, 2.0}}.view());
  auto y = log(x);
  tape.set_name(y, "log_x");
  CHECK_THROWS_AS((void)(y * 2.0), AnomalyError);
  const auto dump = nlohmann::json::parse(to_json(tape));
  int marked = 0;
  for (const auto& node : dump.at("nodes")) {
    CAPTURE(node.dump());
    if (node.at("anomaly").get<bool>()) {
      ++marked;
      CHECK(node.at("name") == "log_x");
    }
  }
  CHECK(marked == 1);
  const std::string dot = to_dot(tape);
  CHECK(dot.find("anomaly: first non-finite value") != std::string::npos);
  CHECK(dot.find("penwidth=4") != std::string::npos);
  // A clear forgets it.
  tape.clear();
  CHECK_FALSE(tape.anomaly_record());
}

TEST_CASE("Graphviz parses every dump the tests above made" * doctest::skip(!have_graphviz())) {
  for (const auto& [stem, dot] : dumps_to_parse()) {
    CAPTURE(stem);
    std::ofstream(scratch_dir() / (stem + ".dot")) << dot;  // kept to look at
    try {
      CHECK(graphviz::render_text(dot, "svg").find("<svg") != std::string::npos);
    } catch (const graphviz::Error& e) {
      FAIL_CHECK(e.what());
    }
  }
}
