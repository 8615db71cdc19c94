// Tests for `tapegrad hessian` and `tapegrad grad --detect-anomaly`: the built
// binary against in-process finite differences of the reverse-mode gradient on
// random model files, and its errors.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/model_format.hpp"
#include "io/model_io.hpp"
#include "nn/hessian.hpp"
#include "nn/nn.hpp"
#include "tests/close_text.hpp"
#include "tests/tools/run_process.hpp"

using namespace tapegrad;
using tapegrad::testing::ProcessResult;
using tapegrad::testing::ScratchFolder;
using tapegrad::testing::write_text;
using json = nlohmann::json;

namespace {

ProcessResult tapegrad_run(const std::vector<std::string>& args, const ScratchFolder& scratch) {
  return tapegrad::testing::run_process(tapegrad::testing::required_env("TAPEGRAD"), args, scratch.path());
}

// The 4-3-2-1 example's model file (its numbers: reference/example_4321.cpp).
std::string example_model() {
  return tapegrad::testing::read_text(tapegrad::testing::required_env("TAPEGRAD_DATA_DIR") + "/example_4321.json");
}

double loss_of(const io::ModelSpec& spec) {
  auto net = io::to_mlp<double>(spec);
  Tape<double> tape;
  return nn::loss(*spec.loss, net.forward(tape.input(*spec.x)), tape.input(*spec.y), spec.reduction).item();
}

// Every parameter of the spec in the Hessian's order: W^[1] row-major, b^[1], ...
std::vector<double*> parameters_of(io::ModelSpec& spec) {
  std::vector<double*> out;
  for (auto& layer : spec.layers) {
    for (double& e : layer.W) out.push_back(&e);
    for (double& e : layer.b) out.push_back(&e);
  }
  return out;
}

std::vector<double> gradient_of(const io::ModelSpec& spec) {
  auto net = io::to_mlp<double>(spec);
  Tape<double> tape;
  tape.backward(nn::loss(*spec.loss, net.forward(tape.input(*spec.x)), tape.input(*spec.y), spec.reduction));
  std::vector<double> g;
  for (const auto* p : net.parameters())
    for (double e : p->grad) g.push_back(e);
  return g;
}

// The Hessian by fourth-order central differences of the gradient (error ~1e-11).
std::vector<std::vector<double>> difference_hessian(io::ModelSpec spec) {
  const double h = 1e-3;
  std::vector<double*> theta = parameters_of(spec);
  std::vector<std::vector<double>> H(theta.size(), std::vector<double>(theta.size()));
  for (std::size_t j = 0; j < theta.size(); ++j) {
    const double saved = *theta[j];
    std::vector<std::vector<double>> g;
    for (double step : {2 * h, h, -h, -2 * h}) {
      *theta[j] = saved + step;
      g.push_back(gradient_of(spec));
    }
    *theta[j] = saved;
    for (std::size_t i = 0; i < theta.size(); ++i) H[i][j] = (-g[0][i] + 8 * g[1][i] - 8 * g[2][i] + g[3][i]) / (12 * h);
  }
  return H;
}

// Runs `tapegrad hessian` on a model file and checks its JSON: the loss, the
// parameter list, a Hessian equal to finite differences to 1e-8, eigenvalues.
void check_hessian_command(const std::string& model_text, const std::string& label) {
  INFO(label);
  ScratchFolder scratch("cli_hessian");
  write_text(scratch / "model.json", model_text);
  const ProcessResult result = tapegrad_run({"hessian", "model.json"}, scratch);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.empty());
  const json out = json::parse(result.out);
  const io::ModelSpec spec = io::parse_model(model_text, "model.json");
  CHECK(out.at("loss").get<double>() == loss_of(spec));

  std::size_t P = 0;
  REQUIRE(out.at("parameters").size() == 2 * spec.layers.size());
  for (std::size_t k = 0; k < spec.layers.size(); ++k) {
    const json& W = out.at("parameters").at(2 * k);
    const json& b = out.at("parameters").at(2 * k + 1);
    CHECK(W.at("name") == fmt::format("W^[{}]", k + 1));
    CHECK(b.at("name") == fmt::format("b^[{}]", k + 1));
    CHECK(W.at("shape") == json::array({spec.layers[k].W.rows(), spec.layers[k].W.cols()}));
    CHECK(b.at("shape") == json::array({1, spec.layers[k].b.cols()}));
    P += spec.layers[k].W.size() + spec.layers[k].b.size();
  }
  const json& H = out.at("hessian");
  REQUIRE(H.size() == P);
  const auto expected = difference_hessian(spec);
  Tensor<double> matrix(Shape{static_cast<std::uint32_t>(P), static_cast<std::uint32_t>(P)}, 0.0);
  for (std::size_t i = 0; i < P; ++i) {
    REQUIRE(H.at(i).size() == P);
    for (std::size_t j = 0; j < P; ++j) {
      CAPTURE(i);
      CAPTURE(j);
      matrix(i, j) = H.at(i).at(j).get<double>();
      CHECK(std::abs(matrix(i, j) - expected[i][j]) <= 1e-8 * (1 + std::abs(expected[i][j])));
    }
  }
  const std::vector<double> eigenvalues = nn::symmetric_eigenvalues(matrix.view());
  REQUIRE(out.at("eigenvalues").size() == P);
  for (std::size_t k = 0; k < P; ++k) CHECK(out.at("eigenvalues").at(k).get<double>() == eigenvalues[k]);
}

}  // namespace

TEST_CASE("hessian on the 4-3-2-1 example matches finite differences of the gradient") {
  check_hessian_command(example_model(), "the 4-3-2-1 example");
}

TEST_CASE("hessian on random models of every activation and loss matches finite differences") {
  Generator g(77);
  std::size_t n = 0;
  for (nn::Activation activation : nn::all_activations)
    for (nn::LossKind kind : {nn::LossKind::bce, nn::LossKind::half_sse, nn::LossKind::mse, nn::LossKind::softmax_ce}) {
      const std::vector<std::uint32_t> sizes = n % 2 ? std::vector<std::uint32_t>{3, 3, 2} : std::vector<std::uint32_t>{2, 2, 2, 2};
      const std::uint32_t m = 1 + static_cast<std::uint32_t>(n % 3);
      ++n;
      io::ModelSpec spec;
      for (std::size_t k = 1; k < sizes.size(); ++k) {
        const bool last = k + 1 == sizes.size();
        const nn::Activation a = !last ? activation
                                 : kind == nn::LossKind::bce ? nn::Activation::sigmoid
                                 : kind == nn::LossKind::softmax_ce ? nn::Activation::identity
                                                                   : activation;
        spec.layers.push_back({Tensor<double>::uniform({sizes[k - 1], sizes[k]}, g, -1, 1),
                               Tensor<double>::uniform({1, sizes[k]}, g, -0.5, 0.5), a});
      }
      spec.loss = kind;
      spec.reduction = n % 2 ? Reduction::sum : Reduction::mean;
      spec.x = Tensor<double>::uniform({m, sizes.front()}, g, -1.5, 1.5);
      spec.y = Tensor<double>({m, sizes.back()}, 0.0);
      for (std::uint32_t i = 0; i < m; ++i)
        if (kind == nn::LossKind::softmax_ce)
          (*spec.y)(i, g.below(sizes.back())) = 1;
        else
          for (std::uint32_t j = 0; j < sizes.back(); ++j) (*spec.y)(i, j) = g.uniform(0, 1);
      // Kinked activations: keep every pre-activation off 0, so the differences do not cross it.
      auto net = io::to_mlp<double>(spec);
      Tensor<double> a = *spec.x, z;
      bool near_kink = false;
      for (const auto& layer : net.layers()) {
        a = layer.apply(a.view(), z);
        for (double e : z) near_kink = near_kink || std::abs(e) < 0.02;
      }
      if (near_kink) continue;
      check_hessian_command(io::format_model(spec),
                            fmt::format("{} hidden, {} loss, m = {}", nn::activation_name(activation),
                                        nn::loss_name(kind), m));
    }
}

TEST_CASE("hessian takes x and y from --data as grad does") {
  ScratchFolder scratch("cli_hessian_data");
  json model = json::parse(example_model());
  model.erase("x");
  model.erase("y");
  write_text(scratch / "model.json", model.dump());
  write_text(scratch / "data.csv", "f1,f2,f3,f4,label\n1.0,0.5,-1.5,2.0,1\n0.5,0.1,0.2,-0.3,0\n");
  const ProcessResult result = tapegrad_run({"hessian", "model.json", "--data", "data.csv"}, scratch);
  REQUIRE(result.exit_code == 0);
  const json out = json::parse(result.out);
  model["x"] = json::array({json::array({1.0, 0.5, -1.5, 2.0}), json::array({0.5, 0.1, 0.2, -0.3})});
  model["y"] = json::array({json::array({1}), json::array({0})});
  auto spec = io::parse_model(model.dump(), "model.json");
  auto net = io::to_mlp<double>(spec);
  const auto h = nn::loss_hessian(net, *spec.loss, spec.x->view(), spec.y->view(), spec.reduction);
  for (std::size_t i = 0; i < 26; ++i)
    for (std::size_t j = 0; j < 26; ++j) CHECK(out.at("hessian").at(i).at(j).get<double>() == h.hessian(i, j));
}

TEST_CASE("hessian errors are one line and exit code 2") {
  ScratchFolder scratch("cli_hessian_errors");
  json model = json::parse(example_model());
  model.erase("x");
  model.erase("y");
  write_text(scratch / "nodata.json", model.dump());
  auto expect = [&](const std::vector<std::string>& args, const std::string& message) {
    CAPTURE(args);
    const ProcessResult r = tapegrad_run(args, scratch);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "error: " + message + "\n");
  };
  expect({"hessian", "nodata.json"},
         "nodata.json: has no data; hessian needs x, y and a loss in the file, or --data FILE.csv");
  expect({"hessian"}, "MODEL.json is required (run 'tapegrad hessian --help')");
  // 50 x 50 weights: 2550 parameters, past the limit, refused before any work.
  io::ModelSpec big;
  big.layers.push_back({Tensor<double>::zeros({50, 50}), Tensor<double>::zeros({1, 50}), nn::Activation::tanh});
  big.loss = nn::LossKind::mse;
  big.x = Tensor<double>::zeros({1, 50});
  big.y = Tensor<double>::zeros({1, 50});
  write_text(scratch / "big.json", io::format_model(big));
  expect({"hessian", "big.json"}, "big.json: has 2550 parameters; hessian computes at most 2048 (a 2550 x 2550 matrix)");
}

TEST_CASE("grad --detect-anomaly names the op that first made a non-finite value and its inputs") {
  ScratchFolder scratch("cli_anomaly");
  write_text(scratch / "model.json", R"({
    "layers": [
      {"W": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], "b": [0.1, 0.2, -0.1], "activation": "elu"},
      {"W": [[1e300], [1e300], [1e300]], "b": [0.05], "activation": "identity"}
    ],
    "loss": "mse",
    "x": [[1.0, 1e10]],
    "y": [[1]]
  })");
  const ProcessResult plain = tapegrad_run({"grad", "model.json"}, scratch);
  // Without the flag, grad checks the recorded values after the forward pass:
  // it names the first non-finite record, but not the op's inputs.
  CHECK(plain.exit_code == 2);
  CHECK(plain.out.empty());
  CHECK(plain.err.find("record 7 (affine z^[2]) is inf") != std::string::npos);
  const ProcessResult r = tapegrad_run({"grad", "--detect-anomaly", "model.json"}, scratch);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "error: anomaly: forward: affine made inf at (0, 0) of z^[2] (record 7) from finite inputs "
        "a^[1] (1, 3) in [-1, 5e+09], W^[2] (3, 1) in [1e+300, 1e+300], b^[2] (1, 1) in [0.05, "
        "0.05]; consumed by mse (record 9)\n");
  // A finite model is unaffected by the flag.
  write_text(scratch / "fine.json", example_model());
  const ProcessResult fine = tapegrad_run({"grad", "--detect-anomaly", "fine.json"}, scratch);
  CHECK(fine.exit_code == 0);
  CHECK(fine.out == tapegrad_run({"grad", "fine.json"}, scratch).out);
}

TEST_CASE("hessian --svg draws every entry and block; docs/hessian_4321.svg is its current output") {
  // The Hessian's entries went through libm and LAPACK: another CPU must give
  // the committed picture with its numbers within 1e-9 (or a last printed digit).
  ScratchFolder scratch("cli_hessian_svg");
  const std::string docs = tapegrad::testing::required_env("TAPEGRAD_DATA_DIR") + "/../docs/";
  const ProcessResult r = tapegrad_run({"hessian", tapegrad::testing::required_env("TAPEGRAD_DATA_DIR") + "/example_4321.json", "--svg"}, scratch);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(r.out.ends_with("</svg>\n"));
  std::size_t cells = 0;
  for (std::size_t at = r.out.find("<title>H("); at != std::string::npos; at = r.out.find("<title>H(", at + 1)) ++cells;
  CHECK(cells == 26 * 26);
  // Block names as W with the layer [k] a superscript, on both sides.
  for (int k = 1; k <= 3; ++k)
    for (const char* letter : {"W", "b"}) {
      const std::string name = fmt::format("{}<tspan baseline-shift=\"super\" font-size=\"9\">[{}]</tspan>", letter, k);
      const std::size_t first = r.out.find(name);
      CHECK(first != std::string::npos);
      CHECK(r.out.find(name, first + 1) != std::string::npos);
    }
  std::ifstream in(docs + "hessian_4321.svg", std::ios::binary);
  const std::string committed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(tapegrad::testing::text_difference(committed, r.out, 1e-9) == "");
}
