// Tests for the model format: what the reader accepts, what it rejects, and the writer.
#include "io/model_format.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using tapegrad::Reduction;
using tapegrad::Tensor;
using namespace tapegrad::nn;
namespace io = tapegrad::io;

namespace {

const char* const two_layer_model = R"({
  "layers": [
    {"W": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], "b": [0.01, 0.02, 0.03], "activation": "tanh"},
    {"W": [[1], [-1], [0.5]], "b": [-0.25], "activation": "sigmoid"}
  ],
  "loss": "bce",
  "reduction": "sum",
  "x": [[1, 2], [3, 4.5]],
  "y": [[1], [0]],
  "meta": {"note": "hi", "epochs": 3}
})";

std::string message_of(std::string_view text) {
  try {
    io::parse_model(text, "m.json");
  } catch (const io::ModelFormatError& e) {
    return e.what();
  }
  return "accepted";
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh, empty folder under the system temp folder.
std::filesystem::path fresh_folder(std::string_view name) {
  auto folder = std::filesystem::temp_directory_path() /
                ("tapegrad_model_format_" + std::string(name) + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  return folder;
}

}  // namespace

TEST_CASE("a valid model file reads into layers, loss, reduction, data and meta") {
  const auto spec = io::parse_model(two_layer_model, "m.json");
  REQUIRE(spec.layers.size() == 2);
  CHECK(spec.layers[0].W == Tensor<double>{{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}});
  CHECK(spec.layers[0].b == Tensor<double>{{0.01, 0.02, 0.03}});
  CHECK(spec.layers[0].activation == Activation::tanh);
  CHECK(spec.layers[1].W == Tensor<double>{{1}, {-1}, {0.5}});
  CHECK(spec.layers[1].activation == Activation::sigmoid);
  CHECK(spec.loss == LossKind::bce);
  CHECK(spec.reduction == Reduction::sum);
  REQUIRE(spec.x);
  CHECK(*spec.x == Tensor<double>{{1, 2}, {3, 4.5}});
  CHECK(*spec.y == Tensor<double>{{1}, {0}});
  CHECK(spec.meta_json == R"({"note":"hi","epochs":3})");
}

TEST_CASE("loss, reduction, data and meta are optional") {
  const auto spec = io::parse_model(R"({"layers": [{"W": [[2]], "b": [1], "activation": "relu"}]})", "m");
  CHECK_FALSE(spec.loss);
  CHECK(spec.reduction == Reduction::mean);
  CHECK_FALSE(spec.x);
  CHECK_FALSE(spec.y);
  CHECK(spec.meta_json.empty());
}

TEST_CASE("save, load and save again gives identical bytes") {
  const auto spec = io::parse_model(two_layer_model, "m.json");
  const std::string once = io::format_model(spec);
  const auto again = io::parse_model(once, "saved");
  CHECK(io::format_model(again) == once);
  CHECK(again.layers[0].W == spec.layers[0].W);
  CHECK(*again.x == *spec.x);
  CHECK(again.meta_json == spec.meta_json);
}

TEST_CASE("layers with leaky_relu, elu, gelu and softplus read, write and read back") {
  for (const std::string name : {"leaky_relu", "elu", "gelu", "softplus"}) {
    CAPTURE(name);
    const std::string text = R"({"layers": [{"W": [[0.5, -1]], "b": [0.25, 0], "activation": ")" +
                             name + R"("}, {"W": [[1], [2]], "b": [0], "activation": "identity"}],
                             "loss": "mse", "x": [[1], [-2]], "y": [[0.5], [1]]})";
    const auto spec = io::parse_model(text, "m.json");
    REQUIRE(spec.layers.size() == 2);
    CHECK(spec.layers[0].activation == *parse_activation(name));
    const std::string once = io::format_model(spec);
    CHECK(once.find("\"activation\": \"" + name + "\"") != std::string::npos);
    const auto again = io::parse_model(once, "saved");
    CHECK(again.layers[0].activation == spec.layers[0].activation);
    CHECK(again.layers[1].activation == Activation::identity);
    CHECK(again.layers[0].W == spec.layers[0].W);
    CHECK(io::format_model(again) == once);

    const auto folder = fresh_folder(name);
    io::write_model(spec, folder / "model.json");
    CHECK(io::read_model(folder / "model.json").layers[0].activation == spec.layers[0].activation);
    std::filesystem::remove_all(folder);
  }
}

TEST_CASE("an unknown activation name gives an error naming every accepted one") {
  for (const std::string name : {"swish", "GELU", "leaky-relu", ""}) {
    CAPTURE(name);
    CHECK(message_of(R"({"layers": [{"W": [[1]], "b": [0], "activation": ")" + name + R"("}]})") ==
          "m.json: layers[0].activation is \"" + name +
              "\"; expected sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus or identity");
  }
}

TEST_CASE("numbers are written in the shortest form that reads back exactly") {
  CHECK(io::format_json_number(0.1) == "0.1");
  CHECK(io::format_json_number(-3.0) == "-3");
  CHECK(io::format_json_number(1e-7) == "1e-07");
  CHECK(io::format_json_number(-0.0) == "-0.0");
  CHECK(io::format_json_number(1.0 / 3.0) == "0.3333333333333333");
  CHECK(io::format_json_number(std::numeric_limits<double>::infinity()) == "null");

  SUBCASE("awkward values survive a round trip bit for bit") {
    io::ModelSpec spec;
    io::LayerSpec layer;
    layer.W = Tensor<double>{{1.0 / 3.0, -0.0, 5e-324}, {1.7976931348623157e308, 0.1 + 0.2, 1e22}};
    layer.b = Tensor<double>{{std::nextafter(1.0, 2.0), -1e-300, 123456789.125}};
    layer.activation = Activation::identity;
    spec.layers.push_back(layer);
    const auto back = io::parse_model(io::format_model(spec), "saved");
    for (std::size_t k = 0; k < layer.W.size(); ++k) {
      CHECK(back.layers[0].W[k] == layer.W[k]);
      CHECK(std::signbit(back.layers[0].W[k]) == std::signbit(layer.W[k]));
    }
    CHECK(back.layers[0].b == layer.b);
  }
}

TEST_CASE("the writer refuses non-finite values") {
  io::ModelSpec spec;
  io::LayerSpec layer;
  layer.W = Tensor<double>{{1.0, std::nan("")}};
  layer.b = Tensor<double>{{0.0, 0.0}};
  spec.layers.push_back(layer);
  CHECK_THROWS_WITH_AS(io::format_model(spec), "model: cannot save: layers[0].W[0][1] is not finite",
                       io::ModelFormatError);
}

TEST_CASE("write_model replaces the file atomically and io::read_model reads it back") {
  const auto folder = fresh_folder("write");
  const auto path = folder / "model.json";
  const auto spec = io::parse_model(two_layer_model, "m.json");
  {
    std::ofstream old(path);
    old << "old contents";
  }
  io::write_model(spec, path);
  CHECK(read_file(path) == io::format_model(spec));
  // No temporary file is left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(folder),
                      std::filesystem::directory_iterator()) == 1);
  CHECK(io::format_model(io::read_model(path)) == io::format_model(spec));

  SUBCASE("a folder that does not exist is an error naming the file") {
    CHECK_THROWS_WITH_AS(io::write_model(spec, folder / "missing" / "m.json"),
                         doctest::Contains("m.json: cannot write: No such file or directory"),
                         io::ModelFormatError);
  }
  std::filesystem::remove_all(folder);
}

TEST_CASE("read_model names the file when it cannot be read") {
  const auto folder = fresh_folder("read");
  CHECK(message_of("") == "m.json: file is empty");
  CHECK_THROWS_WITH_AS(io::read_model(folder / "nope.json"),
                       doctest::Contains("nope.json: cannot read file: No such file or directory"),
                       io::ModelFormatError);
  CHECK_THROWS_WITH_AS(io::read_model(folder), doctest::Contains("is a directory"), io::ModelFormatError);
  std::filesystem::remove_all(folder);
}

TEST_CASE("malformed model text gives one line naming the JSON path") {
  const std::string layer1 = R"({"W": [[1, 2, 3], [4, 5, 6]], "b": [0, 0, 0], "activation": "sigmoid"})";
  const std::string layer2 = R"({"W": [[1], [2], [3]], "b": [0], "activation": "sigmoid"})";
  auto model = [&](std::string_view layers, std::string_view rest = "") {
    return fmt::format(R"({{"layers": [{}]{}}})", layers, rest);
  };
  const std::string two = layer1 + ", " + layer2;

  CHECK(message_of(model(two)) == "accepted");
  CHECK(message_of("   \n ") == "m.json: file is empty");
  CHECK(message_of("[1, 2]") == "m.json: the model must be a JSON object, but is an array");
  CHECK(message_of(R"({"layers": [)") ==
        "m.json: truncated JSON at line 1, column 13: syntax error while parsing value - "
        "unexpected end of input; expected '[', '{', or a literal");
  CHECK(starts_with(message_of("{\n  \"layers\": [} "),
                    "m.json: invalid JSON at line 2, column 14: syntax error"));
  CHECK(starts_with(message_of(model(two) + " x"), "m.json: invalid JSON at line 1"));
  CHECK(message_of(std::string(100000, '[')) ==
        "m.json: nesting deeper than 64 levels at line 1, column 65");
  CHECK(message_of(R"({"layers": [], "layers": []})") ==
        "m.json: duplicate key \"layers\" in the top-level object");
  CHECK(message_of(model(R"({"W": [[1]], "b": [0], "b": [1], "activation": "relu"})")) ==
        "m.json: duplicate key \"b\" in layers[0]");
  CHECK(message_of(model(two, R"(, "reductions": "sum")")) ==
        "m.json: unknown key \"reductions\"; a model has layers, loss, reduction, x, y, meta and "
        "version");
  CHECK(message_of(model(two, R"(, "version": 2)")) == "m.json: version is 2; this reader reads version 1");
  CHECK(message_of("{}") == "m.json: layers is missing");
  CHECK(message_of(model("")) == "m.json: layers is empty; a model needs at least one layer");
  CHECK(message_of(R"({"layers": {}})") ==
        "m.json: layers must be an array of layer objects, but is an object");
  CHECK(message_of(model("3")) ==
        "m.json: layers[0] must be an object with W, b and activation, but is a number");
  CHECK(message_of(model(R"({"W": [[1]], "b": [0]})")) == "m.json: layers[0].activation is missing");
  CHECK(message_of(model(R"({"W": [[1]], "b": [0], "activation": "relu", "c": 1})")) ==
        "m.json: layers[0] has unknown key \"c\"; a layer has W, b and activation");
  CHECK(message_of(model(R"({"W": [[1, "2"]], "b": [0, 0], "activation": "relu"})")) ==
        "m.json: layers[0].W[0][1] must be a number, but is a string \"2\"");
  CHECK(message_of(model(R"({"W": [[1, true]], "b": [0, 0], "activation": "relu"})")) ==
        "m.json: layers[0].W[0][1] must be a number, but is a boolean");
  CHECK(message_of(model(R"({"W": [[1, 1e999]], "b": [0, 0], "activation": "relu"})")) ==
        "m.json: layers[0].W[0][1] is not a finite number (it overflows a double)");
  CHECK(message_of(model(R"({"W": [[1, 2], [3]], "b": [0, 0], "activation": "relu"})")) ==
        "m.json: layers[0].W[1] has 1 numbers, but layers[0].W[0] has 2 (ragged rows)");
  CHECK(message_of(model(R"({"W": [], "b": [0], "activation": "relu"})")) ==
        "m.json: layers[0].W has no rows");
  CHECK(message_of(model(R"({"W": [[]], "b": [0], "activation": "relu"})")) ==
        "m.json: layers[0].W[0] is empty");
  CHECK(message_of(model(R"({"W": [1, 2], "b": [0], "activation": "relu"})")) ==
        "m.json: layers[0].W[0] must be an array of numbers, but is a number");
  CHECK(message_of(model(R"({"W": [[1]], "b": [0, 1], "activation": "relu"})")) ==
        "m.json: layers[0].b has 2 numbers, but layers[0].W has 1 columns (outputs)");
  CHECK(message_of(model(R"({"W": [[1]], "b": [0], "activation": "swish"})")) ==
        "m.json: layers[0].activation is \"swish\"; expected sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus or identity");
  CHECK(message_of(model(layer1 + ", " + R"({"W": [[1], [2]], "b": [0], "activation": "sigmoid"})")) ==
        "m.json: layers[1].W has 2 rows, but layers[0] has 3 outputs");
  CHECK(message_of(model(two, R"(, "loss": "hinge")")) ==
        "m.json: loss is \"hinge\"; expected bce, half_sse, softmax_ce or mse");
  CHECK(message_of(model(two, R"(, "loss": 1)")) == "m.json: loss must be a string, but is a number");
  CHECK(message_of(model(two, R"(, "reduction": "max")")) ==
        "m.json: reduction is \"max\"; expected mean or sum");
  CHECK(message_of(model(layer1, R"(, "loss": "bce")")) == "accepted");
  CHECK(message_of(model(R"({"W": [[1]], "b": [0], "activation": "relu"})", R"(, "loss": "bce")")) ==
        "m.json: loss bce needs a sigmoid last layer, but layers[0].activation is relu");
  CHECK(message_of(model(two, R"(, "loss": "softmax_ce")")) ==
        "m.json: loss softmax_ce applies its own softmax and needs an identity last layer, but "
        "layers[1].activation is sigmoid");

  const std::string bce = R"(, "loss": "bce")";
  CHECK(message_of(model(two, R"(, "x": [[1, 2]])")) == "m.json: x is given without y; a batch needs both");
  CHECK(message_of(model(two, R"(, "x": [[1, 2]], "y": [[1]])")) ==
        "m.json: loss is missing; a model with data (x, y) needs one");
  CHECK(message_of(model(two, bce + R"(, "x": [], "y": [])")) == "m.json: x has no rows (empty batch)");
  CHECK(message_of(model(two, bce + R"(, "x": [[1, 2, 3]], "y": [[1]])")) ==
        "m.json: x has 3 columns, but layers[0] has 2 inputs");
  CHECK(message_of(model(two, bce + R"(, "x": [[1, 2]], "y": [[1, 0]])")) ==
        "m.json: y has 2 columns, but layers[1] has 1 outputs");
  CHECK(message_of(model(two, bce + R"(, "x": [[1, 2]], "y": [[1], [0]])")) ==
        "m.json: y has 2 rows, but x has 1");
  CHECK(message_of(model(two, bce + R"(, "x": [[1, 2]], "y": [[1.5]])")) ==
        "m.json: y[0][0] is 1.5; bce targets must lie in [0, 1]");

  const std::string softmax_model =
      model(R"({"W": [[1, 2]], "b": [0, 0], "activation": "identity"})", R"(, "loss": "softmax_ce")");
  auto with_y = [&](std::string_view y) {
    return softmax_model.substr(0, softmax_model.size() - 1) + R"(, "x": [[1], [2]], "y": )" +
           std::string(y) + "}";
  };
  CHECK(message_of(with_y("[[0.25, 0.75], [1, 0]]")) == "accepted");
  CHECK(message_of(with_y("[[0.1, 0.2], [1, 0]]")) ==
        "m.json: y[0] sums to 0.30000000000000004; softmax_ce target rows must sum to 1 (within 1e-09)");
  CHECK(message_of(with_y("[[0.5, 0.5], [1.5, -0.5]]")) ==
        "m.json: y[1][1] is -0.5; softmax_ce targets must be non-negative");
  // A column of class indices 0..k-1, PyTorch's target form, beside one-hot rows.
  CHECK(message_of(with_y("[[1], [0]]")) == "accepted");
  CHECK(message_of(with_y("[[1], [2]]")) ==
        "m.json: y[1][0] is 2; softmax_ce class indices must be whole numbers 0..1");
  CHECK(message_of(with_y("[[0.5], [0]]")) ==
        "m.json: y[0][0] is 0.5; softmax_ce class indices must be whole numbers 0..1");
  CHECK(message_of(with_y("[[1, 0, 0], [0, 1, 0]]")) ==
        "m.json: y has 3 columns, but layers[0] has 2 outputs (softmax_ce takes one-hot rows or one "
        "column of class indices)");
}

TEST_CASE("class-index targets survive a save and load unchanged") {
  const auto spec = io::parse_model(R"({"layers": [{"W": [[1, 2, 3]], "b": [0, 0, 0], "activation": "identity"}],
    "loss": "softmax_ce", "x": [[1], [2]], "y": [[2], [0]]})", "m.json");
  CHECK(spec.y->shape() == tapegrad::Shape{2, 1});
  CHECK(io::parse_model(io::format_model(spec), "again.json").y == spec.y);
}

TEST_CASE("a JSON graph dump is named as such, not read as a model") {
  // The shape viz/graph_export writes: format, version, output, nodes, edges.
  const std::string dump = R"({"format": "tapegrad-graph", "version": 1, "output": 1, "backward_done": true,
    "nodes": [{"id": 0, "name": "x", "op": "leaf"}, {"id": 1, "name": "L", "op": "sum"}],
    "edges": [{"from": 0, "to": 1, "input": 0}]})";
  const std::string expected = "m.json: this is a graph dump (JSON of a recorded tape, \"format\": "
                               "\"tapegrad-graph\"), not a model; see docs/model-format.md";
  CHECK(message_of(dump) == expected);
  // Without its format key, nodes and edges still give it away.
  CHECK(message_of(R"({"nodes": [], "edges": []})") == expected);
  // A model's own keys are unaffected.
  CHECK(message_of(R"({"format": "other", "layers": []})").find("unknown key") != std::string::npos);
}

TEST_CASE("messages stay on one line whatever bytes the input holds") {
  const std::string text = "{\"lay\\ners\x01\xff\": 1}";
  const auto message = message_of(text);
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.find('\x01') == std::string::npos);
  CHECK(starts_with(message, "m.json: "));
}

TEST_CASE("limits are checked while reading, and reading stays linear") {
  // The shapes that made the old reader quadratic: each is decided at once.
  std::string layers = R"({"layers": [)";
  for (int k = 0; k < 200000; ++k) layers += k ? ",{}" : "{}";
  CHECK(message_of(layers + "]}") == "m.json: layers[0].W is missing");
  const std::string one_layer = R"("layers": [{"W": [[1]], "b": [0], "activation": "relu"}])";
  std::string meta = R"({"meta": {)";
  for (int k = 0; k < 60000; ++k) meta += fmt::format("{}\"k{}\": {}", k ? "," : "", k, k);
  CHECK(message_of(meta + "}, " + one_layer + "}") == "accepted");
  CHECK(message_of(meta + ", \"k17\": 0}, " + one_layer + "}") == "m.json: duplicate key \"k17\" in meta");
  // The meta limit, and values of the wrong kind refused where they start.
  const std::string big_meta = R"({"meta": ")" + std::string(io::max_meta_bytes, 'x') + "\", " + one_layer + "}";
  CHECK(message_of(big_meta) == "m.json: meta is larger than 1024 KiB, the limit for a model's notes");
  CHECK(message_of(R"({"layers": [{"W": [[1, [2]]], "b": [0], "activation": "relu"}]})") ==
        "m.json: layers[0].W[0][1] must be a number, but is an array");
  CHECK(message_of(R"({"x": [[]], )" + one_layer + "}") == "m.json: x[0] is empty");
  // Nothing may follow the model, not even after a NUL byte.
  CHECK(message_of(std::string("{") + one_layer + std::string("}\0{}", 4)) ==
        "m.json: NUL byte at line 1, column 59; a model file is JSON text");
}
