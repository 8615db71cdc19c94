// Tests that every malformed input makes tapegrad print one error line and exit with 2.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/autograd.hpp"
#include "tests/tools/run_process.hpp"
#include "viz/graph_export.hpp"

using tapegrad::testing::ScratchFolder;
using tapegrad::testing::write_text;
using json = nlohmann::json;

namespace {

// A valid 2-3-1 model with a batch of two samples; each test breaks one thing.
json valid_model() {
  return json::parse(R"({
    "layers": [
      {"W": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], "b": [0.1, 0.2, -0.1], "activation": "tanh"},
      {"W": [[0.3], [0.5], [-0.6]], "b": [-0.2], "activation": "sigmoid"}
    ],
    "loss": "bce",
    "reduction": "mean",
    "x": [[1.0, 0.5], [-1.5, 2.0]],
    "y": [[1], [0]]
  })");
}

// Runs tapegrad in a scratch folder and requires exit code 2, nothing on
// stdout and exactly `error: <message>` as the only line on stderr.
void expect_error(const std::vector<std::string>& args, const std::string& message,
                  const ScratchFolder& scratch) {
  const auto result = tapegrad::testing::run_process(tapegrad::testing::required_env("TAPEGRAD"),
                                                     args, scratch.path());
  CAPTURE(args);
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  CHECK(result.err == "error: " + message + "\n");
}

// Writes `text` as model.json and runs `grad` on it.
void expect_text_error(std::string_view text, const std::string& message) {
  ScratchFolder scratch("bad_model");
  write_text(scratch / "model.json", text);
  expect_error({"grad", "model.json"}, "model.json: " + message, scratch);
}

void expect_model_error(const json& doc, const std::string& message) {
  expect_text_error(doc.dump(), message);
}

}  // namespace

TEST_CASE("the valid model the bad inputs start from is accepted") {
  ScratchFolder scratch("bad_model_valid");
  write_text(scratch / "model.json", valid_model().dump());
  const auto result = tapegrad::testing::run_process(tapegrad::testing::required_env("TAPEGRAD"),
                                                     {"grad", "model.json"}, scratch.path());
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
}

TEST_CASE("a missing model file") {
  ScratchFolder scratch("bad_missing");
  expect_error({"grad", "nope.json"}, "nope.json: cannot read file: No such file or directory", scratch);
  expect_error({"check", "nope.json"}, "nope.json: cannot read file: No such file or directory", scratch);
  expect_error({"dot", "nope.json"}, "nope.json: cannot read file: No such file or directory", scratch);
  expect_error({"predict", "--model", "nope.json", "--data", "d.csv"},
               "nope.json: cannot read file: No such file or directory", scratch);
}

TEST_CASE("an unreadable model file: a folder where the file should be") {
  // Tests may run as root, which reads any file whatever its mode; a folder
  // cannot be read as a file by anyone.
  ScratchFolder scratch("bad_unreadable");
  std::filesystem::create_directory(scratch / "model.json");
  expect_error({"grad", "model.json"}, "model.json: is a directory", scratch);
}

TEST_CASE("an endless stream where the model file should be") {
  ScratchFolder scratch("bad_endless");
  expect_error({"grad", "/dev/zero"}, "/dev/zero: is not a regular file", scratch);
}

TEST_CASE("an empty model file") {
  expect_text_error("", "file is empty");
  expect_text_error(" \n\t\n", "file is empty");
}

TEST_CASE("invalid JSON, with its line and column") {
  expect_text_error("{\n  \"layers\": [{,, 2]\n}",
                     "invalid JSON at line 2, column 15: syntax error while parsing object key - "
                     "unexpected ','; expected string literal");
  expect_text_error("{'layers': []}",
                     "invalid JSON at line 1, column 2: syntax error while parsing object key - "
                     "invalid literal; last read: '{''; expected string literal");
}

TEST_CASE("truncated JSON") {
  const std::string text = valid_model().dump();
  expect_text_error(text.substr(0, 40),
                     "truncated JSON at line 1, column 41: syntax error while parsing array - "
                     "unexpected end of input; expected ']'");
  expect_text_error(text.substr(0, text.size() - 1),
                     fmt::format("truncated JSON at line 1, column {}: syntax error while parsing "
                                 "object - unexpected end of input; expected '}}'",
                                 text.size()));
}

TEST_CASE("trailing garbage after the model") {
  expect_text_error(valid_model().dump() + " {}",
                     fmt::format("invalid JSON at line 1, column {}: syntax error while parsing "
                                 "value - unexpected '{{'; expected end of input",
                                 valid_model().dump().size() + 2));
}

TEST_CASE("absurd nesting depth") {
  expect_text_error(std::string(100000, '['), "nesting deeper than 64 levels at line 1, column 65");
  // The object counts as a level: its 64th '[' is the 65th level.
  std::string deep = std::string(70, '[') + "1" + std::string(70, ']');
  expect_text_error(R"({"meta": )" + deep + "}", "nesting deeper than 64 levels at line 1, column 73");
}

TEST_CASE("a model that is not an object, or lacks layers") {
  expect_text_error("[1, 2, 3]", "the model must be a JSON object, but is an array");
  expect_text_error("{}", "layers is missing");
  auto doc = valid_model();
  doc["layers"] = json::array();
  expect_model_error(doc, "layers is empty; a model needs at least one layer");
}

TEST_CASE("a JSON graph dump where a model belongs") {
  // A real dump, as viz/graph_export writes it for the walkthrough's graphs.
  tapegrad::Tape<double> tape;
  const auto x = tape.variable(tapegrad::Tensor<double>{{0.5, -1.0}});
  const auto L = sum(sigmoid(x));
  tape.backward(L);
  ScratchFolder scratch("bad_model_dump");
  write_text(scratch / "graph.json", tapegrad::viz::to_json(tape, L));
  const std::string message =
      "graph.json: this is a graph dump (JSON of a recorded tape, \"format\": \"tapegrad-graph\"), not a "
      "model; see docs/model-format.md";
  for (const char* command : {"grad", "check", "dot"}) expect_error({command, "graph.json"}, message, scratch);
}

TEST_CASE("wrong types") {
  auto doc = valid_model();
  doc["layers"] = "two";
  expect_model_error(doc, "layers must be an array of layer objects, but is a string");
  doc = valid_model();
  doc["layers"][1] = 7;
  expect_model_error(doc, "layers[1] must be an object with W, b and activation, but is a number");
  doc = valid_model();
  doc["layers"][0]["W"] = {{"a", 1}};
  expect_model_error(doc, "layers[0].W must be an array of rows, but is an object");
  doc = valid_model();
  doc["layers"][0]["W"][1] = 0.5;
  expect_model_error(doc, "layers[0].W[1] must be an array of numbers, but is a number");
  doc = valid_model();
  doc["layers"][0]["b"][2] = nullptr;
  expect_model_error(doc, "layers[0].b[2] must be a number, but is null");
  doc = valid_model();
  doc["x"][0][0] = true;
  expect_model_error(doc, "x[0][0] must be a number, but is a boolean");
  doc = valid_model();
  doc["loss"] = 3;
  expect_model_error(doc, "loss must be a string, but is a number");
  doc = valid_model();
  doc["layers"][0]["activation"] = json::array();
  expect_model_error(doc, "layers[0].activation must be a string, but is an array");
}

TEST_CASE("strings where numbers belong") {
  auto doc = valid_model();
  doc["layers"][1]["W"][2][0] = "-0.6";
  expect_model_error(doc, "layers[1].W[2][0] must be a number, but is a string \"-0.6\"");
  doc = valid_model();
  doc["y"][1][0] = "0";
  expect_model_error(doc, "y[1][0] must be a number, but is a string \"0\"");
}

TEST_CASE("numbers that overflow to infinity") {
  std::string text = valid_model().dump();
  const auto at = text.find("0.3");
  text.replace(at, 3, "1e999");
  expect_text_error(text, "layers[0].W[0][2] is not a finite number (it overflows a double)");
  expect_text_error(R"({"layers": [{"W": [[1]], "b": [-2e400], "activation": "relu"}]})",
                     "layers[0].b[0] is not a finite number (it overflows a double)");
}

TEST_CASE("ragged rows") {
  auto doc = valid_model();
  doc["layers"][0]["W"][1] = {0.4, 0.5};
  expect_model_error(doc, "layers[0].W[1] has 2 numbers, but layers[0].W[0] has 3 (ragged rows)");
  doc = valid_model();
  doc["x"][1] = {1.0, 2.0, 3.0};
  expect_model_error(doc, "x[1] has 3 numbers, but x[0] has 2 (ragged rows)");
}

TEST_CASE("every shape mismatch") {
  auto doc = valid_model();
  doc["layers"][1]["W"] = {{0.3}, {0.5}};
  expect_model_error(doc, "layers[1].W has 2 rows, but layers[0] has 3 outputs");
  doc = valid_model();
  doc["layers"][0]["b"] = {0.1, 0.2};
  expect_model_error(doc, "layers[0].b has 2 numbers, but layers[0].W has 3 columns (outputs)");
  doc = valid_model();
  doc["layers"][0]["W"] = json::array();
  expect_model_error(doc, "layers[0].W has no rows");
  doc = valid_model();
  doc["layers"][1]["b"] = json::array();
  expect_model_error(doc, "layers[1].b is empty");
  doc = valid_model();
  doc["x"] = {{1.0, 0.5, 2.0}, {-1.5, 2.0, 2.0}};
  expect_model_error(doc, "x has 3 columns, but layers[0] has 2 inputs");
  doc = valid_model();
  doc["y"] = {{1, 0}, {0, 1}};
  expect_model_error(doc, "y has 2 columns, but layers[1] has 1 outputs");
  doc = valid_model();
  doc["y"] = {{1}};
  expect_model_error(doc, "y has 1 rows, but x has 2");
}

TEST_CASE("unknown activation, loss or reduction") {
  auto doc = valid_model();
  doc["layers"][0]["activation"] = "swish";
  expect_model_error(doc, "layers[0].activation is \"swish\"; expected sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus or identity");
  doc = valid_model();
  doc["loss"] = "hinge";
  expect_model_error(doc, "loss is \"hinge\"; expected bce, half_sse, softmax_ce or mse");
  doc = valid_model();
  doc["reduction"] = "max";
  expect_model_error(doc, "reduction is \"max\"; expected mean or sum");
}

TEST_CASE("unknown and duplicate keys") {
  auto doc = valid_model();
  doc["epochs"] = 3;
  expect_model_error(doc, "unknown key \"epochs\"; a model has layers, loss, reduction, x, y, meta and version");
  doc = valid_model();
  doc["layers"][0]["bias"] = {0};
  expect_model_error(doc, "layers[0] has unknown key \"bias\"; a layer has W, b and activation");
  expect_text_error(R"({"layers": [{"W": [[1]], "W": [[2]], "b": [0], "activation": "relu"}]})",
                     "duplicate key \"W\" in layers[0]");
}

TEST_CASE("BCE targets outside [0, 1]") {
  auto doc = valid_model();
  doc["y"][1][0] = 2;
  expect_model_error(doc, "y[1][0] is 2; bce targets must lie in [0, 1]");
  doc["y"][1][0] = -0.5;
  expect_model_error(doc, "y[1][0] is -0.5; bce targets must lie in [0, 1]");
}

TEST_CASE("softmax_ce targets that are not distributions") {
  const json softmax = json::parse(R"({
    "layers": [{"W": [[1, 2]], "b": [0, 0], "activation": "identity"}],
    "loss": "softmax_ce", "x": [[1], [2]], "y": [[0.5, 0.5], [0, 1]]})");
  auto doc = softmax;
  doc["y"][0] = {0.5, 0.6};
  expect_model_error(doc, "y[0] sums to 1.1; softmax_ce target rows must sum to 1 (within 1e-09)");
  doc = softmax;
  doc["y"][1] = {1.5, -0.5};
  expect_model_error(doc, "y[1][1] is -0.5; softmax_ce targets must be non-negative");
}

TEST_CASE("a loss that does not fit the last activation") {
  auto doc = valid_model();
  doc["layers"][1]["activation"] = "relu";
  expect_model_error(doc, "loss bce needs a sigmoid last layer, but layers[1].activation is relu");
  doc = valid_model();
  doc["loss"] = "softmax_ce";
  expect_model_error(doc, "loss softmax_ce applies its own softmax and needs an identity last layer, "
                          "but layers[1].activation is sigmoid");
}

TEST_CASE("an empty batch, or half of one") {
  auto doc = valid_model();
  doc["x"] = json::array();
  doc["y"] = json::array();
  expect_model_error(doc, "x has no rows (empty batch)");
  doc = valid_model();
  doc.erase("y");
  expect_model_error(doc, "x is given without y; a batch needs both");
  doc = valid_model();
  doc.erase("loss");
  expect_model_error(doc, "loss is missing; a model with data (x, y) needs one");
}

TEST_CASE("a model without data where a command needs a batch") {
  auto doc = valid_model();
  doc.erase("x");
  doc.erase("y");
  ScratchFolder scratch("bad_no_data");
  write_text(scratch / "model.json", doc.dump());
  expect_error({"grad", "model.json"},
               "model.json: has no data; grad needs x, y and a loss in the file, or --data FILE.csv",
               scratch);
  expect_error({"check", "model.json"},
               "model.json: has no data; check needs x, y and a loss in the file, or --data FILE.csv",
               scratch);
}

TEST_CASE("a CSV file with a bad line") {
  ScratchFolder scratch("bad_csv");
  write_text(scratch / "bad.csv", "a,b,label\n1,2,0\n3,x,1\n");
  write_text(scratch / "short.csv", "1,2,0\n3,1\n");
  write_text(scratch / "labels.csv", "1,2,0\n3,4,7\n");
  auto doc = valid_model();
  doc.erase("x");
  doc.erase("y");
  write_text(scratch / "model.json", doc.dump());

  expect_error({"train", "--data", "bad.csv", "--layers", "2,3,1"},
               "bad.csv:3: field 2 is not a number: \"x\"", scratch);
  expect_error({"train", "--data", "short.csv", "--layers", "2,3,1"},
               "short.csv:2: expected 3 numbers, found 2", scratch);
  expect_error({"train", "--data", "labels.csv", "--layers", "2,3,1"},
               "labels.csv:2: label 7 is outside [0, 1]; a network with 1 output needs 0/1 labels",
               scratch);
  expect_error({"train", "--data", "labels.csv", "--layers", "2,3,4"},
               "labels.csv:2: label 7 is not a class number 0..3 (the network has 4 outputs)", scratch);
  expect_error({"predict", "--model", "model.json", "--data", "bad.csv"},
               "bad.csv:3: field 2 is not a number: \"x\"", scratch);
  expect_error({"grad", "model.json", "--data", "short.csv"},
               "short.csv:2: expected 3 numbers, found 2", scratch);
  expect_error({"train", "--data", "missing.csv", "--layers", "2,3,1"},
               "missing.csv: cannot read file: No such file or directory", scratch);
}

TEST_CASE("train and predict options that do not fit the data") {
  ScratchFolder scratch("bad_options");
  write_text(scratch / "d.csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
  auto doc = valid_model();
  doc.erase("x");
  doc.erase("y");
  doc["layers"][0]["W"] = {{0.1, 0.2, 0.3}, {0.1, 0.2, 0.3}, {0.1, 0.2, 0.3}, {0.1, 0.2, 0.3}};
  write_text(scratch / "model.json", doc.dump());

  expect_error({"train", "--data", "d.csv", "--layers", "3,4,1"},
               "d.csv: has 2 features, but --layers starts with 3 inputs", scratch);
  expect_error({"train", "--data", "d.csv", "--layers", "2"},
               "train: --layers needs at least two sizes, inputs and outputs (e.g. 30,16,1)", scratch);
  expect_error({"train", "--data", "d.csv", "--layers", "2,0,1"}, "train: --layers \"2,0,1\": size 2 is \"0\"; each size must be a whole number from 1 to 100000", scratch);
  expect_error({"train", "--data", "d.csv", "--layers", "2,4,1", "--activation", "swish"},
               "train: --activation is \"swish\"; expected sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus or identity", scratch);
  expect_error({"train", "--data", "d.csv", "--layers", "2,4,1", "--loss", "softmax_ce"},
               "train: --loss softmax_ce needs at least 2 outputs (one per class)", scratch);
  expect_error({"train", "--data", "d.csv", "--layers", "2,4,1", "--test-fraction", "1"},
               "train: --test-fraction is 1; expected 0 <= F < 1", scratch);
  expect_error({"predict", "--model", "model.json", "--data", "d.csv"},
               "d.csv: has 3 columns, but model.json has 4 inputs (expected 4, or 5 with a label "
               "column)",
               scratch);
}
