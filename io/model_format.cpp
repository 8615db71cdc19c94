// Model format (version 1): strict reader and deterministic, atomic writer.
#include "io/model_format.hpp"

#include "io/file_write.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tapegrad::io {

using nn::activation_names;
using nn::parse_activation;
using nn::parse_loss;

using nlohmann::json;

std::string format_json_number(double x) {
  if (!std::isfinite(x)) return "null";
  // "-0" would read back as the integer 0 and lose its sign.
  if (x == 0.0 && std::signbit(x)) return "-0.0";
  // fmt's default for double is the shortest text that reads back exactly.
  return fmt::format("{}", x);
}

std::string format_json_row(TensorView<double> t, std::uint32_t i) {
  std::string out = "[";
  for (std::uint32_t j = 0; j < t.cols(); ++j) {
    if (j) out += ", ";
    out += format_json_number(t(i, j));
  }
  return out + "]";
}

std::string format_json_rows(TensorView<double> t, std::string_view indent) {
  std::string out = "[\n";
  for (std::uint32_t i = 0; i < t.rows(); ++i) {
    out += fmt::format("{}  {}{}\n", indent, format_json_row(t, i), i + 1 < t.rows() ? "," : "");
  }
  return out + std::string(indent) + "]";
}

namespace {

// Text from the input quoted for a one-line message: control and non-ASCII
// bytes escaped, long text cut.
std::string quote_text(std::string_view s) {
  std::string out = "\"";
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (k == 40) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(s[k]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out + "\"";
}

// A message safe to print on one line: no control bytes, bounded length.
std::string one_line(std::string_view s) {
  std::string out;
  for (const char ch : s.substr(0, 400)) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c < 0x20 || c == 0x7f) ? std::string(fmt::format("\\x{:02x}", c)) : std::string(1, ch);
  }
  return out;
}

[[noreturn]] void fail(std::string_view source, std::string_view what) {
  throw ModelFormatError(fmt::format("{}: {}", source, one_line(what)));
}

struct Position {
  std::size_t line = 1;
  std::size_t column = 1;
};

// Line and column (both from 1) of byte `offset` (from 0).
Position position_of(std::string_view text, std::size_t offset) {
  Position p;
  offset = std::min(offset, text.size());
  for (std::size_t k = 0; k < offset; ++k) {
    if (text[k] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

// Rejects nesting deeper than max_model_depth before anything recurses on it.
void check_nesting(std::string_view text, std::string_view source) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t k = 0; k < text.size(); ++k) {
    const char c = text[k];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_model_depth) {
        const auto p = position_of(text, k);
        fail(source, fmt::format("nesting deeper than {} levels at line {}, column {}",
                                 max_model_depth, p.line, p.column));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

// Follows the parser's events to know the JSON path it is at: reports
// duplicate keys with their object's path, and names the value a number
// overflow happened in.
class ParseTracker {
 public:
  explicit ParseTracker(std::string_view source) : source_(source) {}

  bool on_event(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        element();
        frames_.push_back({false, 0, {}, {}});
        break;
      case json::parse_event_t::array_start:
        element();
        frames_.push_back({true, 0, {}, {}});
        break;
      case json::parse_event_t::key: {
        auto& frame = frames_.back();
        const auto& key = parsed.get_ref<const std::string&>();
        if (!frame.keys.insert(key).second) {
          const std::string where = path(frames_.size() - 1);
          fail(source_, fmt::format("duplicate key {} in {}", quote_text(key),
                                    where.empty() ? "the top-level object" : where));
        }
        frame.key = key;
        break;
      }
      case json::parse_event_t::value: element(); break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end: frames_.pop_back(); break;
    }
    return true;
  }

  /// The path of the value being read (its number failed to convert).
  std::string next_value_path() const {
    std::string out = path(frames_.size() - (frames_.empty() ? 0 : 1));
    if (!frames_.empty()) out += designator(frames_.back(), frames_.back().count);
    if (out.starts_with('.')) out = out.substr(1);
    return out.empty() ? "the top-level value" : out;
  }

 private:
  struct Frame {
    bool array;
    std::size_t count;
    std::string key;
    std::set<std::string, std::less<>> keys;
  };

  void element() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
  }

  // `[i]` for element i of an array, `.key` for the current key of an object.
  static std::string designator(const Frame& f, std::size_t index) {
    return f.array ? fmt::format("[{}]", index) : "." + f.key;
  }

  // The path of the current child of frame depth - 1, e.g. `layers[0]`.
  std::string path(std::size_t depth) const {
    std::string out;
    for (std::size_t k = 0; k < depth; ++k) out += designator(frames_[k], frames_[k].count - 1);
    return out.starts_with('.') ? out.substr(1) : out;
  }

  std::string_view source_;
  std::vector<Frame> frames_;
};

json parse_json(std::string_view text, std::string_view source) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) fail(source, "file is empty");
  check_nesting(text, source);
  ParseTracker tracker(source);
  try {
    return json::parse(text.begin(), text.end(),
                       [&tracker](int, json::parse_event_t event, json& parsed) {
                         return tracker.on_event(event, parsed);
                       });
  } catch (const json::out_of_range&) {
    // nlohmann reports a number too large for a double (1e999) this way.
    fail(source, fmt::format("{} is not a finite number (it overflows a double)",
                             tracker.next_value_path()));
  } catch (const json::parse_error& e) {
    // nlohmann's text reads "[json.exception.parse_error.101] parse error at
    // line 1, column 5: syntax error ..."; keep the part after the position.
    std::string what = e.what();
    const auto colon = what.find(": ");
    what = colon == std::string::npos ? what : what.substr(colon + 2);
    const auto p = position_of(text, e.byte == 0 ? 0 : e.byte - 1);
    const bool truncated = what.find("unexpected end of input") != std::string::npos;
    fail(source, fmt::format("{} at line {}, column {}: {}",
                             truncated ? "truncated JSON" : "invalid JSON", p.line, p.column, what));
  }
}

// Validation of the parsed document, with JSON paths (`layers[1].W[0][2]`) in messages.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  ModelSpec read(const json& doc) {
    if (!doc.is_object())
      fail(fmt::format("the model must be a JSON object, but is {}", describe(doc)));
    static constexpr std::string_view known[] = {"layers", "loss", "reduction", "x", "y",
                                                 "meta", "version"};
    for (const auto& [key, value] : doc.items()) {
      if (std::find(std::begin(known), std::end(known), key) == std::end(known))
        fail(fmt::format("unknown key {}; a model has layers, loss, reduction, x, y, meta "
                         "and version",
                         quote_text(key)));
    }
    if (auto v = doc.find("version"); v != doc.end()) {
      if (!v->is_number_integer() || v->get<long long>() != 1)
        fail(fmt::format("version is {}; this reader reads version 1", shown(*v)));
    }

    ModelSpec spec;
    read_layers(doc, spec);
    if (auto v = doc.find("loss"); v != doc.end()) {
      const auto name = string_at(*v, "loss");
      spec.loss = parse_loss(name);
      if (!spec.loss)
        fail(fmt::format("loss is {}; expected bce, half_sse, softmax_ce or mse", quote_text(name)));
    }
    if (auto v = doc.find("reduction"); v != doc.end()) {
      const auto name = string_at(*v, "reduction");
      if (name == "mean")
        spec.reduction = Reduction::mean;
      else if (name == "sum")
        spec.reduction = Reduction::sum;
      else
        fail(fmt::format("reduction is {}; expected mean or sum", quote_text(name)));
    }
    if (auto v = doc.find("meta"); v != doc.end()) spec.meta_json = v->dump();

    const bool has_x = doc.contains("x");
    const bool has_y = doc.contains("y");
    if (has_x != has_y)
      fail(has_x ? "x is given without y; a batch needs both" : "y is given without x; a batch needs both");
    if (spec.loss) check_loss_fits(spec);
    if (has_x) read_data(doc, spec);
    return spec;
  }

 private:
  [[noreturn]] void fail(std::string_view what) const { io::fail(source_, what); }

  static std::string describe(const json& v) {
    switch (v.type()) {
      case json::value_t::object: return "an object";
      case json::value_t::array: return "an array";
      case json::value_t::string: return "a string";
      case json::value_t::boolean: return "a boolean";
      case json::value_t::null: return "null";
      default: return "a number";
    }
  }

  // A short rendering of a value for messages: strings quoted, numbers as read.
  static std::string shown(const json& v) {
    if (v.is_string()) return quote_text(v.get_ref<const std::string&>());
    if (v.is_number() || v.is_boolean() || v.is_null()) return v.dump();
    return describe(v);
  }

  std::string string_at(const json& v, const std::string& path) const {
    if (!v.is_string()) fail(fmt::format("{} must be a string, but is {}", path, describe(v)));
    return v.get<std::string>();
  }

  double number_at(const json& v, const std::string& path) const {
    if (!v.is_number())
      fail(fmt::format("{} must be a number, but is {}{}", path, describe(v),
                       v.is_string() ? " " + quote_text(v.get_ref<const std::string&>()) : ""));
    const double x = v.get<double>();
    if (!std::isfinite(x))
      fail(fmt::format("{} is not a finite number (it overflows a double)", path));
    return x;
  }

  const json& array_at(const json& v, const std::string& path, std::string_view of) const {
    if (!v.is_array()) fail(fmt::format("{} must be an array of {}, but is {}", path, of, describe(v)));
    return v;
  }

  // A list of numbers as a (1, n) row.
  Tensor<double> row_at(const json& v, const std::string& path) const {
    array_at(v, path, "numbers");
    if (v.empty()) fail(fmt::format("{} is empty", path));
    Tensor<double> row(Shape{1, static_cast<std::uint32_t>(v.size())}, 0.0);
    for (std::size_t j = 0; j < v.size(); ++j)
      row[j] = number_at(v[j], fmt::format("{}[{}]", path, j));
    return row;
  }

  // A list of equally long rows of numbers.
  Tensor<double> matrix_at(const json& v, const std::string& path) const {
    array_at(v, path, "rows");
    if (v.empty()) fail(fmt::format("{} has no rows", path));
    std::uint32_t cols = 0;
    std::vector<double> values;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto row_path = fmt::format("{}[{}]", path, i);
      array_at(v[i], row_path, "numbers");
      if (v[i].empty()) fail(fmt::format("{} is empty", row_path));
      if (i == 0) {
        cols = static_cast<std::uint32_t>(v[i].size());
        values.reserve(v.size() * cols);
      } else if (v[i].size() != cols) {
        fail(fmt::format("{} has {} numbers, but {}[0] has {} (ragged rows)", row_path,
                         v[i].size(), path, cols));
      }
      for (std::size_t j = 0; j < cols; ++j)
        values.push_back(number_at(v[i][j], fmt::format("{}[{}]", row_path, j)));
    }
    return Tensor<double>::from(values, Shape{static_cast<std::uint32_t>(v.size()), cols});
  }

  void read_layers(const json& doc, ModelSpec& spec) const {
    const auto it = doc.find("layers");
    if (it == doc.end()) fail("layers is missing");
    const json& layers = array_at(*it, "layers", "layer objects");
    if (layers.empty()) fail("layers is empty; a model needs at least one layer");
    for (std::size_t k = 0; k < layers.size(); ++k) {
      const auto path = fmt::format("layers[{}]", k);
      const json& layer = layers[k];
      if (!layer.is_object())
        fail(fmt::format("{} must be an object with W, b and activation, but is {}", path,
                         describe(layer)));
      for (const auto& [key, value] : layer.items()) {
        if (key != "W" && key != "b" && key != "activation")
          fail(fmt::format("{} has unknown key {}; a layer has W, b and activation", path,
                           quote_text(key)));
      }
      for (const char* key : {"W", "b", "activation"})
        if (!layer.contains(key)) fail(fmt::format("{}.{} is missing", path, key));

      LayerSpec spec_k;
      spec_k.W = matrix_at(layer["W"], path + ".W");
      spec_k.b = row_at(layer["b"], path + ".b");
      const auto name = string_at(layer["activation"], path + ".activation");
      const auto g = parse_activation(name);
      if (!g)
        fail(fmt::format("{}.activation is {}; expected {}", path, quote_text(name),
                         activation_names));
      spec_k.activation = *g;

      if (spec_k.b.cols() != spec_k.W.cols())
        fail(fmt::format("{}.b has {} numbers, but {}.W has {} columns (outputs)", path,
                         spec_k.b.cols(), path, spec_k.W.cols()));
      if (k > 0 && spec_k.W.rows() != spec.layers.back().W.cols())
        fail(fmt::format("{}.W has {} rows, but layers[{}] has {} outputs", path,
                         spec_k.W.rows(), k - 1, spec.layers.back().W.cols()));
      spec.layers.push_back(std::move(spec_k));
    }
  }

  void check_loss_fits(const ModelSpec& spec) const {
    try {
      nn::check_loss_activation(*spec.loss, spec.layers.back().activation,
                                fmt::format("layers[{}].activation", spec.layers.size() - 1));
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
  }

  void read_data(const json& doc, ModelSpec& spec) const {
    if (!spec.loss) fail("loss is missing; a model with data (x, y) needs one");
    const auto& first = spec.layers.front();
    const auto& last = spec.layers.back();
    const auto last_index = spec.layers.size() - 1;
    if (doc["x"].is_array() && doc["x"].empty()) fail("x has no rows (empty batch)");
    if (doc["y"].is_array() && doc["y"].empty()) fail("y has no rows (empty batch)");
    Tensor<double> x = matrix_at(doc["x"], "x");
    Tensor<double> y = matrix_at(doc["y"], "y");
    if (x.cols() != first.W.rows())
      fail(fmt::format("x has {} columns, but layers[0] has {} inputs", x.cols(), first.W.rows()));
    // softmax_ce also takes a column of class indices 0..k-1 (PyTorch's target form).
    const bool class_index = nn::is_class_index(*spec.loss, y.shape(), Shape{y.rows(), last.W.cols()});
    if (y.cols() != last.W.cols() && !class_index)
      fail(fmt::format("y has {} columns, but layers[{}] has {} outputs{}", y.cols(), last_index,
                       last.W.cols(),
                       *spec.loss == LossKind::softmax_ce
                           ? " (softmax_ce takes one-hot rows or one column of class indices)"
                           : ""));
    if (y.rows() != x.rows())
      fail(fmt::format("y has {} rows, but x has {}", y.rows(), x.rows()));

    if (*spec.loss == LossKind::bce) {
      for (std::uint32_t i = 0; i < y.rows(); ++i)
        for (std::uint32_t j = 0; j < y.cols(); ++j)
          if (!(y(i, j) >= 0.0 && y(i, j) <= 1.0))
            fail(fmt::format("y[{}][{}] is {}; bce targets must lie in [0, 1]", i, j,
                             format_json_number(y(i, j))));
    }
    if (class_index) {
      for (std::uint32_t i = 0; i < y.rows(); ++i) {
        const double k = y(i, 0);
        if (!(k >= 0.0 && k < last.W.cols() && k == std::floor(k)))
          fail(fmt::format("y[{}][0] is {}; softmax_ce class indices must be whole numbers 0..{}",
                           i, format_json_number(k), last.W.cols() - 1));
      }
    } else if (*spec.loss == LossKind::softmax_ce) {
      for (std::uint32_t i = 0; i < y.rows(); ++i) {
        double total = 0.0;
        for (std::uint32_t j = 0; j < y.cols(); ++j) {
          if (y(i, j) < 0.0)
            fail(fmt::format("y[{}][{}] is {}; softmax_ce targets must be non-negative", i, j,
                             format_json_number(y(i, j))));
          total += y(i, j);
        }
        if (std::abs(total - 1.0) > softmax_target_tolerance)
          fail(fmt::format("y[{}] sums to {}; softmax_ce target rows must sum to 1 (within {})",
                           i, format_json_number(total), softmax_target_tolerance));
      }
    }
    spec.x = std::move(x);
    spec.y = std::move(y);
  }

  std::string_view source_;
};

// The writer refuses values JSON cannot hold; names the first one.
void check_finite(TensorView<double> t, std::string_view what, std::string_view source) {
  for (std::uint32_t i = 0; i < t.rows(); ++i)
    for (std::uint32_t j = 0; j < t.cols(); ++j)
      if (!std::isfinite(t(i, j)))
        throw ModelFormatError(fmt::format("{}: cannot save: {}[{}][{}] is not finite", source,
                                           what, i, j));
}

std::string format_model_for(const ModelSpec& spec, std::string_view source) {
  std::string out = "{\n  \"version\": 1,\n  \"layers\": [\n";
  for (std::size_t k = 0; k < spec.layers.size(); ++k) {
    const auto& layer = spec.layers[k];
    const auto path = fmt::format("layers[{}]", k);
    check_finite(layer.W, path + ".W", source);
    check_finite(layer.b, path + ".b", source);
    out += fmt::format("    {{\n      \"activation\": \"{}\",\n      \"W\": {},\n      \"b\": {}",
                       activation_name(layer.activation), format_json_rows(layer.W, "      "),
                       format_json_row(layer.b.view()));
    out += k + 1 < spec.layers.size() ? "\n    },\n" : "\n    }\n";
  }
  out += "  ]";
  if (spec.loss) out += fmt::format(",\n  \"loss\": \"{}\"", loss_name(*spec.loss));
  out += fmt::format(",\n  \"reduction\": \"{}\"",
                     spec.reduction == Reduction::sum ? "sum" : "mean");
  if (spec.x) {
    check_finite(*spec.x, "x", source);
    out += ",\n  \"x\": " + format_json_rows(*spec.x, "  ");
  }
  if (spec.y) {
    check_finite(*spec.y, "y", source);
    out += ",\n  \"y\": " + format_json_rows(*spec.y, "  ");
  }
  if (!spec.meta_json.empty()) out += ",\n  \"meta\": " + spec.meta_json;
  out += "\n}\n";
  return out;
}

}  // namespace

ModelSpec parse_model(std::string_view text, std::string_view source) {
  const json doc = parse_json(text, source);
  return Reader(source).read(doc);
}

ModelSpec read_model(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(source, "is a directory, not a model file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(source, fmt::format("cannot read file: {}", std::strerror(errno)));
  // Read in chunks up to a cap, so that an endless stream (/dev/zero) ends in an error.
  std::string text;
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_model_bytes)
      fail(source, fmt::format("file is larger than {} MiB", max_model_bytes >> 20));
  }
  if (in.bad()) fail(source, "cannot read file: read error");
  return parse_model(text, source);
}

std::string format_model(const ModelSpec& spec) { return format_model_for(spec, "model"); }

void write_model(const ModelSpec& spec, const std::filesystem::path& path) {
  const std::string text = format_model_for(spec, path.string());
  try {
    write_file_atomically(path, text);
  } catch (const WriteError& e) {
    throw ModelFormatError(e.what());
  }
}

}  // namespace tapegrad::io
