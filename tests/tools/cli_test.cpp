// Tests for the tapegrad command line: the built binary, run as a user runs it.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/model_io.hpp"
#include "tapegrad.hpp"
#include "tests/tools/run_process.hpp"

using namespace tapegrad;
using namespace tapegrad::viz;
using tapegrad::testing::ProcessResult;
using tapegrad::testing::ScratchFolder;
using tapegrad::testing::read_text;
using tapegrad::testing::write_text;

namespace {

// The 4-3-2-1 example's model file (its numbers: reference/example_4321.cpp).
std::string example_model() {
  return tapegrad::testing::read_text(tapegrad::testing::required_env("TAPEGRAD_DATA_DIR") + "/example_4321.json");
}

ProcessResult tapegrad_run(const std::vector<std::string>& args, const ScratchFolder& scratch) {
  return tapegrad::testing::run_process(tapegrad::testing::required_env("TAPEGRAD"), args,
                                        scratch.path());
}

std::string data_file(std::string_view name) {
  return tapegrad::testing::required_env("TAPEGRAD_DATA_DIR") + "/" + std::string(name);
}

// The loss of a model file's network and batch, recorded on a tape.
double loss_of(const io::ModelSpec& spec) {
  auto net = io::to_mlp<double>(spec);
  Tape<double> tape;
  return nn::loss(*spec.loss, net.forward(tape.input(*spec.x)), tape.input(*spec.y), spec.reduction)
      .item();
}

Tensor<double> tensor_of(const nlohmann::json& rows) {
  const auto r = static_cast<std::uint32_t>(rows.size());
  const auto c = static_cast<std::uint32_t>(rows.at(0).size());
  Tensor<double> t(Shape{r, c}, 0.0);
  for (std::uint32_t i = 0; i < r; ++i)
    for (std::uint32_t j = 0; j < c; ++j) t(i, j) = rows.at(i).at(j).get<double>();
  return t;
}

double max_abs_difference(const Tensor<double>& a, const Tensor<double>& b) {
  REQUIRE(a.shape() == b.shape());
  double d = 0;
  for (std::size_t k = 0; k < a.size(); ++k) d = std::max(d, std::abs(a[k] - b[k]));
  return d;
}

}  // namespace

TEST_CASE("tapegrad --help, --version and every command's --help exit 0") {
  ScratchFolder scratch("cli_help");
  const auto help = tapegrad_run({"--help"}, scratch);
  CHECK(help.exit_code == 0);
  for (const char* command : {"grad", "check", "dot", "train", "predict", "demo"}) {
    CAPTURE(command);
    CHECK(help.out.find(command) != std::string::npos);
    const auto sub = tapegrad_run({command, "--help"}, scratch);
    CHECK(sub.exit_code == 0);
    CHECK(sub.out.find("--help") != std::string::npos);
  }
  const auto version = tapegrad_run({"--version"}, scratch);
  CHECK(version.exit_code == 0);
  CHECK(version.out.starts_with("tapegrad 0."));
}

TEST_CASE("usage mistakes are one error line and exit code 2") {
  ScratchFolder scratch("cli_usage");
  const auto missing = tapegrad_run({"grad"}, scratch);
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "error: MODEL.json is required (run 'tapegrad grad --help')\n");
  const auto unknown = tapegrad_run({"frobnicate"}, scratch);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.starts_with("error: "));
}

TEST_CASE("grad on the 4-3-2-1 example matches the hand derivation and finite differences") {
  ScratchFolder scratch("cli_grad");
  const auto model = scratch / "example_4321.json";
  write_text(model, example_model());
  const auto result = tapegrad_run({"grad", model.string()}, scratch);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.empty());
  const auto out = nlohmann::json::parse(result.out);

  const auto spec = io::read_model(model);
  const auto net = io::to_mlp<double>(spec);
  const auto hand = reference::hand_backprop(net, *spec.x, *spec.y, nn::LossKind::bce);
  CHECK(std::abs(out.at("loss").get<double>() - hand.loss) <= 1e-12);
  REQUIRE(out.at("grads").size() == 3);
  for (std::size_t k = 1; k <= 3; ++k) {
    CAPTURE(k);
    const auto& g = out.at("grads").at(k - 1);
    const auto g_W = tensor_of(g.at("W"));
    const auto g_b = tensor_of(nlohmann::json::array({g.at("b")}));
    CHECK(max_abs_difference(g_W, hand.g_W[k]) <= 1e-12);
    CHECK(max_abs_difference(g_b, hand.g_b[k]) <= 1e-12);

    // Central finite differences of the loss, one parameter at a time.
    const double eps = 1e-6;
    for (bool bias : {false, true}) {
      const Tensor<double>& grad = bias ? g_b : g_W;
      for (std::size_t e = 0; e < grad.size(); ++e) {
        auto plus = spec, minus = spec;
        (bias ? plus.layers[k - 1].b : plus.layers[k - 1].W)[e] += eps;
        (bias ? minus.layers[k - 1].b : minus.layers[k - 1].W)[e] -= eps;
        const double numeric = (loss_of(plus) - loss_of(minus)) / (2 * eps);
        CHECK(std::abs(numeric - grad[e]) <= 1e-6);
      }
    }
  }
}

TEST_CASE("grad prints numbers that read back to exactly the tape's gradients") {
  ScratchFolder scratch("cli_grad_exact");
  const auto model = scratch / "example_4321.json";
  write_text(model, example_model());
  const auto out = nlohmann::json::parse(tapegrad_run({"grad", model.string()}, scratch).out);

  const auto spec = io::read_model(model);
  auto net = io::to_mlp<double>(spec);
  Tape<double> tape;
  const auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(*spec.x)), tape.input(*spec.y));
  tape.backward(L);
  CHECK(out.at("loss").get<double>() == L.item());
  for (std::size_t k = 1; k <= 3; ++k) {
    CHECK(tensor_of(out["grads"][k - 1]["W"]) == net.layer(k).W.grad);
    CHECK(tensor_of(nlohmann::json::array({out["grads"][k - 1]["b"]})) == net.layer(k).b.grad);
  }
}

TEST_CASE("grad follows the reduction: sum over two samples is twice the mean") {
  ScratchFolder scratch("cli_grad_reduction");
  auto two_samples = [](std::string_view reduction) {
    auto doc = nlohmann::json::parse(example_model());
    doc["x"] = {{1.0, 0.5, -1.5, 2.0}, {-0.5, 0.25, 1.0, 0.0}};
    doc["y"] = {{1}, {0}};
    doc["reduction"] = reduction;
    return doc.dump();
  };
  write_text(scratch / "mean.json", two_samples("mean"));
  write_text(scratch / "sum.json", two_samples("sum"));
  const auto mean = nlohmann::json::parse(tapegrad_run({"grad", (scratch / "mean.json").string()}, scratch).out);
  const auto sum = nlohmann::json::parse(tapegrad_run({"grad", (scratch / "sum.json").string()}, scratch).out);
  CHECK(sum["loss"].get<double>() == doctest::Approx(2 * mean["loss"].get<double>()).epsilon(1e-14));
  CHECK(sum["grads"][2]["b"][0].get<double>() ==
        doctest::Approx(2 * mean["grads"][2]["b"][0].get<double>()).epsilon(1e-14));
}

TEST_CASE("check agrees on the 4-3-2-1 example and exits 1 when gradients disagree") {
  ScratchFolder scratch("cli_check");
  const auto model = scratch / "example_4321.json";
  write_text(model, example_model());

  SUBCASE("the 4-3-2-1 example passes: table, verdict, exit 0") {
    const auto result = tapegrad_run({"check", model.string()}, scratch);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("W^[1]") != std::string::npos);
    CHECK(result.out.find("b^[3]") != std::string::npos);
    CHECK(result.out.find("passed") != std::string::npos);
  }
  SUBCASE("--json gives the same verdict as JSON") {
    const auto result = tapegrad_run({"check", model.string(), "--json"}, scratch);
    CHECK(result.exit_code == 0);
    const auto doc = nlohmann::json::parse(result.out);
    CHECK(doc["passed"] == true);
    REQUIRE(doc["parameters"].size() == 6);
    CHECK(doc["parameters"][0]["name"] == "W^[1]");
    CHECK(doc["parameters"][0]["shape"] == nlohmann::json::array({4, 3}));
    CHECK(doc["parameters"][0]["autodiff_hand"]["rel"].get<double>() <= 1e-12);
    CHECK(doc["parameters"][0]["autodiff_fd"]["rel"].get<double>() <= 1e-6);
  }
  SUBCASE("the sign typo planted in the hand derivation fails the check") {
    const auto result = tapegrad_run({"check", model.string(), "--typo-sigmoid"}, scratch);
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("MISMATCH") != std::string::npos);
    const auto json = tapegrad_run({"check", model.string(), "--typo-sigmoid", "--json"}, scratch);
    CHECK(json.exit_code == 1);
    CHECK(nlohmann::json::parse(json.out)["passed"] == false);
  }
  SUBCASE("relu exactly at its kink: finite differences disagree with both derivatives") {
    // z^[1] = 0 for every unit, where relu has no derivative: the tape and the
    // hand derivation take 0, the central difference sees 1/2.
    write_text(scratch / "kink.json", R"({
      "layers": [
        {"W": [[0, 0], [0, 0]], "b": [0, 0], "activation": "relu"},
        {"W": [[1], [-1]], "b": [0.5], "activation": "sigmoid"}
      ],
      "loss": "bce", "x": [[1, 2]], "y": [[1]]})");
    const auto result = tapegrad_run({"check", (scratch / "kink.json").string()}, scratch);
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("MISMATCH") != std::string::npos);
  }
}

TEST_CASE("dot prints the recorded graph, matrix by matrix or neuron by neuron") {
  ScratchFolder scratch("cli_dot");
  const auto model = scratch / "example_4321.json";
  write_text(model, example_model());

  const auto matrix = tapegrad_run({"dot", model.string()}, scratch);
  CHECK(matrix.exit_code == 0);
  CHECK(matrix.out.starts_with("digraph"));
  CHECK(matrix.out.find("z^[1]") != std::string::npos);
  CHECK(matrix.out.find("W^[3]") != std::string::npos);

  const auto scalar = tapegrad_run({"dot", model.string(), "--scalar"}, scratch);
  CHECK(scalar.exit_code == 0);
  CHECK(scalar.out.find("W_1,1^[1]") != std::string::npos);
  CHECK(scalar.out.find("z_2^[2]") != std::string::npos);
  CHECK(scalar.out.size() > matrix.out.size());

  const auto file = scratch / "graph.dot";
  const auto written = tapegrad_run({"dot", model.string(), "-o", file.string()}, scratch);
  CHECK(written.exit_code == 0);
  CHECK(read_text(file) == matrix.out);

  // --json: the same graph as a JSON dump, which model readers then refuse by name.
  const auto dump = tapegrad_run({"dot", model.string(), "--json", "-o", (scratch / "graph.json").string()}, scratch);
  CHECK(dump.exit_code == 0);
  const auto doc = nlohmann::json::parse(read_text(scratch / "graph.json"));
  CHECK(doc["format"] == "tapegrad-graph");
  CHECK(doc["nodes"].size() > 10);
  const auto refused = tapegrad_run({"grad", (scratch / "graph.json").string()}, scratch);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("this is a graph dump") != std::string::npos);
  CHECK(tapegrad_run({"dot", model.string(), "--json", "--svg", "-o", "g.json"}, scratch).exit_code == 2);

  const auto no_file = tapegrad_run({"dot", model.string(), "--svg"}, scratch);
  CHECK(no_file.exit_code == 2);
  CHECK(no_file.err == "error: dot: --svg needs -o FILE.dot (the SVG is written next to it)\n");

  if (have_graphviz()) {
    const auto svg = tapegrad_run({"dot", model.string(), "-o", file.string(), "--svg"}, scratch);
    CHECK(svg.exit_code == 0);
    CHECK(read_text(scratch / "graph.svg").find("<svg") != std::string::npos);
  }
}

TEST_CASE("train reaches 95% test accuracy on breast cancer; the model reloads in predict and grad") {
  ScratchFolder scratch("cli_train");
  const auto model = scratch / "model.json";
  // The README's example command.
  const auto trained = tapegrad_run({"train", "--data", data_file("breast_cancer.csv"), "--layers",
                                     "30,16,1", "--epochs", "100", "--save", model.string()},
                                    scratch);
  REQUIRE(trained.exit_code == 0);
  const auto at = trained.out.find("test  accuracy ");
  REQUIRE(at != std::string::npos);
  const double test_accuracy = std::stod(trained.out.substr(at + 15));
  CHECK(test_accuracy >= 95.0);
  CHECK(trained.err.find("epoch 100/100") != std::string::npos);  // progress lines, not a tty

  SUBCASE("the saved model is a valid model file that round-trips") {
    const auto text = read_text(model);
    const auto spec = io::parse_model(text, "model.json");
    CHECK(io::format_model(spec) == text);
    CHECK(spec.layers.size() == 2);
    CHECK(spec.loss == nn::LossKind::bce);
    CHECK(nlohmann::json::parse(spec.meta_json)["trained_by"] == "tapegrad train");
  }
  SUBCASE("dot warns that the scalar view is slow to draw and --collapse draws one box per layer") {
    const auto full = tapegrad_run({"dot", model.string(), "--data", data_file("breast_cancer.csv"),
                                    "--scalar"}, scratch);
    CHECK(full.exit_code == 0);
    CHECK(full.err.starts_with("warning: the graph has "));
    CHECK(full.err.find("--collapse") != std::string::npos);
    CHECK(graphviz::count_nodes(full.out) > graphviz::slow_node_count);
    const auto collapsed = tapegrad_run({"dot", model.string(), "--data", data_file("breast_cancer.csv"),
                                         "--scalar", "--collapse"}, scratch);
    CHECK(collapsed.exit_code == 0);
    CHECK(collapsed.err.empty());
    CHECK(collapsed.out.find("  layer_1 [") != std::string::npos);
    CHECK(collapsed.out.find("&#215; 480") != std::string::npos);  // W_i,j^[1]: 30 x 16 weights
    CHECK(graphviz::count_nodes(collapsed.out) < 10);
  }
  SUBCASE("predict prints one class per row and the accuracy on stderr") {
    const auto predicted =
        tapegrad_run({"predict", "--model", model.string(), "--data", data_file("breast_cancer.csv")}, scratch);
    CHECK(predicted.exit_code == 0);
    CHECK(std::count(predicted.out.begin(), predicted.out.end(), '\n') == 569);
    CHECK(predicted.out.starts_with("0\n"));  // the first tumour is malignant
    const auto at_acc = predicted.err.find("accuracy ");
    REQUIRE(at_acc != std::string::npos);
    CHECK(std::stod(predicted.err.substr(at_acc + 9)) >= 95.0);
    const auto scores = tapegrad_run(
        {"predict", "--model", model.string(), "--data", data_file("breast_cancer.csv"), "--scores"}, scratch);
    CHECK(scores.out.starts_with("["));
  }
  SUBCASE("check passes on the trained model with the CSV data") {
    const auto checked = tapegrad_run(
        {"check", model.string(), "--data", data_file("breast_cancer.csv"), "--json"}, scratch);
    CHECK(checked.exit_code == 0);
    CHECK(nlohmann::json::parse(checked.out)["passed"] == true);
  }
  SUBCASE("grad takes the data from the CSV file") {
    const auto grads = tapegrad_run(
        {"grad", model.string(), "--data", data_file("breast_cancer.csv")}, scratch);
    CHECK(grads.exit_code == 0);
    const auto doc = nlohmann::json::parse(grads.out);
    CHECK(doc["grads"].size() == 2);
    CHECK(doc["grads"][0]["W"].size() == 30);
    CHECK(doc["loss"].get<double>() < 0.2);
  }
}

TEST_CASE("train with several outputs uses one-hot labels and softmax cross-entropy") {
  ScratchFolder scratch("cli_train_classes");
  std::string csv = "x1,x2,label\n";
  for (int i = 0; i < 60; ++i) {
    const int label = i % 3;
    csv += fmt::format("{},{},{}\n", label * 2.0 + 0.1 * (i % 5), -label + 0.05 * (i % 7), label);
  }
  write_text(scratch / "three.csv", csv);
  const auto trained = tapegrad_run({"train", "--data", (scratch / "three.csv").string(), "--layers",
                                     "2,8,3", "--epochs", "60", "--save", (scratch / "m.json").string()},
                                    scratch);
  CHECK(trained.exit_code == 0);
  CHECK(trained.out.find("test  accuracy 100.00%") != std::string::npos);
  const auto spec = io::read_model(scratch / "m.json");
  CHECK(spec.loss == nn::LossKind::softmax_ce);
  CHECK(spec.layers.back().activation == nn::Activation::identity);
  const auto predicted = tapegrad_run(
      {"predict", "--model", (scratch / "m.json").string(), "--data", (scratch / "three.csv").string()}, scratch);
  CHECK(predicted.out.starts_with("0\n1\n2\n"));
}

TEST_CASE("train takes leaky_relu, elu, gelu and softplus hidden layers; the hand derivation agrees on the saved model") {
  ScratchFolder scratch("cli_train_activations");
  for (const std::string name : {"leaky_relu", "elu", "gelu", "softplus"}) {
    CAPTURE(name);
    const auto model = scratch / (name + ".json");
    const auto trained = tapegrad_run({"train", "--data", data_file("breast_cancer.csv"), "--layers", "30,8,1",
                                       "--activation", name, "--epochs", "5", "--save", model.string()},
                                      scratch);
    REQUIRE(trained.exit_code == 0);
    const auto spec = io::read_model(model);
    REQUIRE(spec.layers.size() == 2);
    CHECK(nn::activation_name(spec.layers[0].activation) == name);
    CHECK(spec.layers[1].activation == nn::Activation::sigmoid);
    const auto checked = tapegrad_run(
        {"check", model.string(), "--data", data_file("breast_cancer.csv"), "--json"}, scratch);
    const auto report = nlohmann::json::parse(checked.out);
    // The hand derivation agrees with the tape for every parameter.
    for (const auto& p : report["parameters"]) CHECK(p["autodiff_hand"]["rel"].get<double>() <= 1e-12);
    // Finite differences also agree for the smooth ones. On the raw features (up to
    // ~4000) a step of 1e-6 in W^[1] moves some of the 569 x 8 pre-activations across
    // leaky_relu's kink (or elu's jump in curvature), as it does for relu.
    if (name == "gelu" || name == "softplus") {
      CHECK(checked.exit_code == 0);
      CHECK(report["passed"] == true);
    }
  }
}

TEST_CASE("demo is the 4-3-2-1 walkthrough of examples/example_4321") {
  ScratchFolder scratch("cli_demo");
  const auto demo = tapegrad_run({"demo", "--steps", "30"}, scratch);
  CHECK(demo.exit_code == 0);
  CHECK(demo.out.find("g^[3z]") != std::string::npos);
  const auto example = tapegrad::testing::run_process(
      tapegrad::testing::required_env("TAPEGRAD_WALKTHROUGH_EXAMPLE"), {"--steps", "30"}, scratch.path());
  CHECK(example.exit_code == 0);
  CHECK(demo.out == example.out);
  // Both write the 4-3-2-1 example's graphs into the working folder by default.
  CHECK(read_text(scratch / "example_tensor.dot").starts_with("digraph"));
  CHECK(read_text(scratch / "example_scalar.dot").starts_with("digraph"));
}
