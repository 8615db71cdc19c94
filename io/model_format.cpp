// Model format (version 1): strict reader and deterministic, atomic writer.
#include "io/model_format.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/file.hpp"
#include "io/text.hpp"

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

[[noreturn]] void fail(std::string_view source, std::string_view what) {
  throw ModelFormatError(fmt::format("{}: {}", source, what));
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

// Rejects nesting deeper than max_model_depth, and NUL bytes (which the JSON
// lexer would take as the end of the text), naming where they are.
void check_structure(std::string_view text, std::string_view source) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t k = 0; k < text.size(); ++k) {
    const char c = text[k];
    if (c == '\0') {
      const auto p = position_of(text, k);
      fail(source, fmt::format("NUL byte at line {}, column {}; a model file is JSON text",
                               p.line, p.column));
    }
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

// The kinds of JSON value, as messages name them.
enum class Kind { object, array, string, boolean, null, number };

std::string_view describe(Kind kind) {
  switch (kind) {
    case Kind::object: return "an object";
    case Kind::array: return "an array";
    case Kind::string: return "a string";
    case Kind::boolean: return "a boolean";
    case Kind::null: return "null";
    case Kind::number: return "a number";
  }
  return "a value";
}

// Numbers read into a matrix row by row (W, x, y), or one row (b).
struct MatrixBuild {
  MatrixBuild(std::string p = {}) : path(std::move(p)) {}  // NOLINT: implicit, for `W_ = {path}`
  std::string path;
  std::vector<double> values;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::size_t row_start = 0;

  void append(double v) {
    // Growth by half, not doubling, keeps the peak near 2.5 times the values.
    if (values.size() == values.capacity()) values.reserve(values.size() + values.size() / 2 + 16);
    values.push_back(v);
  }
  Tensor<double> tensor() const { return Tensor<double>::from(values, Shape{rows, cols}); }
};

// The top-level keys and a layer's keys, as bits of `seen`.
// "format" is not a model's key: it is read only to recognise a graph dump.
constexpr std::string_view top_keys[] = {"layers", "loss", "reduction", "x", "y", "meta", "version",
                                         "format"};
enum TopKey { k_layers, k_loss, k_reduction, k_x, k_y, k_meta, k_version, k_format };
constexpr std::string_view layer_keys[] = {"W", "b", "activation"};
enum LayerKey { k_W, k_b, k_activation };

template <std::size_t N>
int key_index(const std::string_view (&keys)[N], std::string_view key) {
  for (std::size_t k = 0; k < N; ++k)
    if (keys[k] == key) return static_cast<int>(k);
  return -1;
}

// Reads a model from the JSON parser's events (nlohmann's SAX interface) into
// a ModelSpec as it goes: numbers land in their matrices at once, and a value
// of the wrong kind fails when it starts, so no document tree is built and the
// work and memory are linear in the text.
class ModelReader {
 public:
  explicit ModelReader(std::string_view source) : source_(source) {}

  // nlohmann::json_sax interface.
  bool null() { return scalar(Kind::null, "null"); }
  bool boolean(bool b) { return scalar(Kind::boolean, b ? "true" : "false"); }
  bool number_integer(json::number_integer_t v) { return number(static_cast<double>(v), fmt::format("{}", v)); }
  bool number_unsigned(json::number_unsigned_t v) { return number(static_cast<double>(v), fmt::format("{}", v)); }
  bool number_float(json::number_float_t, const std::string& text) {
    const auto [status, value] = parse_number(text);
    if (status != NumberStatus::ok) fail(fmt::format("{} is not a finite number (it overflows a double)", value_path()));
    return number(value, text);
  }
  bool string(std::string& s);
  bool binary(json::binary_t&) { fail("binary values are not JSON text"); }
  bool start_object(std::size_t);
  bool key(std::string& key);
  bool end_object();
  bool start_array(std::size_t);
  bool end_array();
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    error_position_ = position;
    error_id_ = e.id;
    error_text_ = e.what();
    return false;
  }

  /// After a failed parse: the parser's error, as one line with a position.
  [[noreturn]] void fail_parse(std::string_view text) const;
  /// After the whole text: the checks that need all of it.
  ModelSpec finish();

 private:
  enum class Frame { top, layers, layer, matrix, row, meta_object, meta_array };
  struct Level {
    Level(Frame f) : frame(f) {}  // NOLINT: implicit, for push_back({Frame::row})
    Frame frame;
    std::size_t count = 0;  // elements so far (arrays), keys so far (objects)
    int key = -1;           // the current key's index (top, layer)
    unsigned seen = 0;      // keys seen, as bits (top, layer)
    std::string meta_key;   // the current key (meta objects), for paths
    std::unordered_set<std::string> meta_keys;
  };

  [[noreturn]] void fail(std::string_view what) const { io::fail(source_, what); }
  [[noreturn]] void unknown_top_key(std::string_view key) const {
    fail(fmt::format("unknown key {}; a model has layers, loss, reduction, x, y, meta and version",
                     io::quoted(key)));
  }
  [[noreturn]] void fail_graph_dump() const {
    fail("this is a graph dump (JSON of a recorded tape, \"format\": \"tapegrad-graph\"), not a "
         "model; see docs/model-format.md");
  }

  // The path of the value the next event starts, e.g. `layers[1].W[0][2]`;
  // with `inner` false, of the innermost open array or object itself.
  std::string value_path(bool inner = true) const;
  // Type errors: `<path> must be <expected>, but is <kind>`.
  [[noreturn]] void wrong_kind(std::string_view expected, Kind kind, std::string_view shown = "") const {
    fail(fmt::format("{} must be {}, but is {}{}", value_path(), expected, describe(kind),
                     shown.empty() ? "" : fmt::format(" {}", shown)));
  }
  // Called as each value starts: counts it in its array, appends a separator to meta.
  void begin_value();
  bool scalar(Kind kind, std::string_view text);
  bool number(double value, std::string_view text);
  void meta_append(std::string_view text) {
    spec_.meta_json += text;
    if (spec_.meta_json.size() > max_meta_bytes)
      fail(fmt::format("meta is larger than {} KiB, the limit for a model's notes", max_meta_bytes >> 10));
  }
  bool in_meta() const { return meta_depth_ > 0; }
  // The field the next value of the current object fills.
  int top_key() const { return levels_.back().key; }
  void end_row();
  void end_matrix();
  void end_layer();
  void check_loss_fits() const;
  void check_data();

  std::string source_;
  std::vector<Level> levels_;
  int meta_depth_ = 0;
  std::size_t numbers_ = 0;
  ModelSpec spec_;
  unsigned top_seen_ = 0;
  std::optional<std::string> loss_, reduction_;
  MatrixBuild W_, b_, x_, y_;
  MatrixBuild* matrix_ = nullptr;  // the matrix being read
  std::optional<Activation> activation_;
  std::optional<std::string> version_;  // the version value as written, if not 1
  std::size_t error_position_ = 0;
  int error_id_ = 0;
  std::string error_text_;
};

std::string ModelReader::value_path(bool inner) const {
  std::string out;
  const std::size_t depth = levels_.size() - (inner || levels_.empty() ? 0 : 1);
  for (std::size_t k = 0; k < depth; ++k) {
    const Level& l = levels_[k];
    const bool open = k + 1 < levels_.size();  // an element of this level is open
    switch (l.frame) {
      case Frame::top:
      case Frame::layer:
        if (l.key >= 0)
          out += fmt::format("{}{}", out.empty() ? "" : ".",
                             l.frame == Frame::top ? top_keys[l.key] : layer_keys[l.key]);
        break;
      case Frame::meta_object:
        out += '.';
        out += printable(l.meta_key, 40);
        break;
      case Frame::layers:
      case Frame::matrix:
      case Frame::row:
      case Frame::meta_array:
        // Inside an array the open element is the last one counted.
        out += fmt::format("[{}]", l.count - (open ? 1 : 0));
        break;
    }
  }
  return out.empty() ? "the top-level value" : out;
}

void ModelReader::begin_value() {
  if (levels_.empty()) return;
  Level& l = levels_.back();
  if (l.frame == Frame::meta_array && l.count > 0) meta_append(",");
  if (l.frame == Frame::layers || l.frame == Frame::matrix || l.frame == Frame::row ||
      l.frame == Frame::meta_array)
    ++l.count;
}

bool ModelReader::scalar(Kind kind, std::string_view text) {
  const auto meta_text = [&] { return kind == Kind::string ? json(std::string(text)).dump() : std::string(text); };
  if (in_meta()) {
    begin_value();
    meta_append(meta_text());
    return true;
  }
  if (levels_.empty()) fail(fmt::format("the model must be a JSON object, but is {}", describe(kind)));
  const Level& l = levels_.back();
  switch (l.frame) {
    case Frame::top:
      if (top_key() == k_format) unknown_top_key("format");
      if (top_key() == k_version) {
        if (kind == Kind::object || kind == Kind::array)
          fail(fmt::format("version is {}; this reader reads version 1", describe(kind)));
        version_ = kind == Kind::string ? io::quoted(text) : std::string(text);
        return true;
      }
      if (top_key() == k_meta) {
        meta_append(meta_text());
        return true;
      }
      if (top_key() == k_loss || top_key() == k_reduction) wrong_kind("a string", kind);
      wrong_kind(top_key() == k_layers ? "an array of layer objects" : "an array of rows", kind);
    case Frame::layers:
      wrong_kind("an object with W, b and activation", kind);
    case Frame::layer:
      if (top_key() == k_activation) wrong_kind("a string", kind);
      wrong_kind(top_key() == k_W ? "an array of rows" : "an array of numbers", kind);
    case Frame::matrix:
      wrong_kind("an array of numbers", kind);
    case Frame::row:
      wrong_kind("a number", kind, kind == Kind::string ? io::quoted(text) : "");
    default: break;
  }
  throw std::logic_error("model reader: value in an unexpected place");
}

bool ModelReader::number(double value, std::string_view text) {
  if (!levels_.empty() && levels_.back().frame == Frame::row) {
    if (++numbers_ > max_model_numbers)
      fail(fmt::format("more than {} numbers, the limit for a model file", max_model_numbers));
    ++levels_.back().count;
    matrix_->append(value);
    return true;
  }
  if (!levels_.empty() && levels_.back().frame == Frame::top && top_key() == k_version) {
    if (text != "1") version_ = std::string(text);
    return true;
  }
  // Meta keeps the number as written; elsewhere it is a value of the wrong kind.
  return scalar(Kind::number, text);
}

bool ModelReader::string(std::string& s) {
  if (!levels_.empty() && !in_meta()) {
    const Level& l = levels_.back();
    if (l.frame == Frame::top && l.key == k_format) {
      // The JSON graph dump (viz/graph_export.hpp) is the other JSON file tapegrad
      // writes; it is easily passed where a model belongs, so it gets its own message.
      if (s == "tapegrad-graph") fail_graph_dump();
      unknown_top_key("format");
    }
    if (l.frame == Frame::top && (l.key == k_loss || l.key == k_reduction)) {
      (l.key == k_loss ? loss_ : reduction_) = s;
      return true;
    }
    if (l.frame == Frame::layer && l.key == k_activation) {
      const auto g = parse_activation(s);
      if (!g) fail(fmt::format("{} is {}; expected {}", value_path(), io::quoted(s), activation_names));
      activation_ = *g;
      return true;
    }
  }
  return scalar(Kind::string, s);
}

bool ModelReader::start_object(std::size_t) {
  if (in_meta() || (!levels_.empty() && levels_.back().frame == Frame::top && top_key() == k_meta)) {
    begin_value();
    meta_append("{");
    ++meta_depth_;
    levels_.push_back({Frame::meta_object});
    return true;
  }
  if (levels_.empty()) {
    levels_.push_back({Frame::top});
    return true;
  }
  if (levels_.back().frame == Frame::layers) {
    begin_value();
    levels_.push_back({Frame::layer});
    W_ = {value_path(false) + ".W"};
    b_ = {value_path(false) + ".b"};
    activation_.reset();
    return true;
  }
  return scalar(Kind::object, "");
}

bool ModelReader::key(std::string& key) {
  Level& l = levels_.back();
  const auto where = [&] {
    const std::string path = value_path(false);
    return path == "the top-level value" ? std::string("the top-level object") : path;
  };
  if (l.frame == Frame::meta_object) {
    if (!l.meta_keys.insert(key).second)
      fail(fmt::format("duplicate key {} in {}", io::quoted(key), where()));
    meta_append(fmt::format("{}{}:", l.count++ ? "," : "", json(key).dump()));
    l.meta_key = key;
    return true;
  }
  const bool top = l.frame == Frame::top;
  const int index = top ? key_index(top_keys, key) : key_index(layer_keys, key);
  if (index < 0) {
    // A graph dump without its format key: nodes and edges give it away.
    if (top && (key == "nodes" || key == "edges")) fail_graph_dump();
    if (top) unknown_top_key(key);
    fail(fmt::format("{} has unknown key {}; a layer has W, b and activation", where(), io::quoted(key)));
  }
  if (l.seen & (1u << index)) fail(fmt::format("duplicate key {} in {}", io::quoted(key), where()));
  l.seen |= 1u << index;
  l.key = index;
  return true;
}

bool ModelReader::end_object() {
  const Frame frame = levels_.back().frame;
  const unsigned seen = levels_.back().seen;
  if (frame == Frame::meta_object) {
    levels_.pop_back();
    --meta_depth_;
    meta_append("}");
    return true;
  }
  if (frame == Frame::layer) {
    for (int k : {k_W, k_b, k_activation})
      if (!(seen & (1u << k))) fail(fmt::format("{}.{} is missing", value_path(false), layer_keys[k]));
    levels_.pop_back();
    end_layer();
    return true;
  }
  top_seen_ = seen;
  levels_.pop_back();
  return true;
}

bool ModelReader::start_array(std::size_t) {
  if (in_meta() || (!levels_.empty() && levels_.back().frame == Frame::top && top_key() == k_meta)) {
    begin_value();
    meta_append("[");
    ++meta_depth_;
    levels_.push_back({Frame::meta_array});
    return true;
  }
  if (levels_.empty()) fail("the model must be a JSON object, but is an array");
  Level& l = levels_.back();
  if (l.frame == Frame::top && top_key() == k_layers) {
    levels_.push_back({Frame::layers});
  } else if (l.frame == Frame::top && (top_key() == k_x || top_key() == k_y)) {
    matrix_ = top_key() == k_x ? &x_ : &y_;
    *matrix_ = {std::string(top_keys[top_key()])};
    levels_.push_back({Frame::matrix});
  } else if (l.frame == Frame::layer && (top_key() == k_W || top_key() == k_b)) {
    matrix_ = top_key() == k_W ? &W_ : &b_;
    levels_.push_back({top_key() == k_W ? Frame::matrix : Frame::row});
  } else if (l.frame == Frame::matrix) {
    begin_value();
    levels_.push_back({Frame::row});
    matrix_->row_start = matrix_->values.size();
  } else {
    return scalar(Kind::array, "");
  }
  return true;
}

bool ModelReader::end_array() {
  switch (levels_.back().frame) {
    case Frame::meta_array:
      levels_.pop_back();
      --meta_depth_;
      meta_append("]");
      return true;
    case Frame::layers:
      levels_.pop_back();
      return true;
    case Frame::row:
      end_row();
      return true;
    case Frame::matrix:
      end_matrix();
      return true;
    default: throw std::logic_error("model reader: array end in an unexpected place");
  }
}

void ModelReader::end_row() {
  const std::size_t n = levels_.back().count;
  levels_.pop_back();
  MatrixBuild& m = *matrix_;
  const bool alone = levels_.back().frame != Frame::matrix;  // b, not a row of a matrix
  const std::string path = alone ? m.path : fmt::format("{}[{}]", m.path, m.rows);
  if (n == 0) fail(fmt::format("{} is empty", path));
  if (m.rows == 0) {
    m.cols = static_cast<std::uint32_t>(n);
  } else if (n != m.cols) {
    fail(fmt::format("{} has {} numbers, but {}[0] has {} (ragged rows)", path, n, m.path, m.cols));
  }
  ++m.rows;
}

void ModelReader::end_matrix() {
  levels_.pop_back();
  if (matrix_->rows == 0) {
    const bool batch = matrix_ == &x_ || matrix_ == &y_;
    fail(fmt::format("{} has no rows{}", matrix_->path, batch ? " (empty batch)" : ""));
  }
}

void ModelReader::end_layer() {
  const std::size_t k = spec_.layers.size();
  const std::string path = fmt::format("layers[{}]", k);
  LayerSpec layer{W_.tensor(), b_.tensor(), *activation_};
  W_ = {};
  b_ = {};
  if (layer.b.cols() != layer.W.cols())
    fail(fmt::format("{}.b has {} numbers, but {}.W has {} columns (outputs)", path,
                     layer.b.cols(), path, layer.W.cols()));
  if (k > 0 && layer.W.rows() != spec_.layers.back().W.cols())
    fail(fmt::format("{}.W has {} rows, but layers[{}] has {} outputs", path, layer.W.rows(),
                     k - 1, spec_.layers.back().W.cols()));
  spec_.layers.push_back(std::move(layer));
}

void ModelReader::fail_parse(std::string_view text) const {
  if (error_id_ == 406)  // nlohmann: a number too large for a double (1e999)
    fail(fmt::format("{} is not a finite number (it overflows a double)", value_path()));
  // nlohmann's text reads "[json.exception.parse_error.101] parse error at
  // line 1, column 5: syntax error ..."; keep the part after the position.
  std::string what = error_text_;
  const auto colon = what.find(": ");
  what = colon == std::string::npos ? what : what.substr(colon + 2);
  const auto p = position_of(text, error_position_ == 0 ? 0 : error_position_ - 1);
  const bool truncated = what.find("unexpected end of input") != std::string::npos;
  fail(fmt::format("{} at line {}, column {}: {}", truncated ? "truncated JSON" : "invalid JSON",
                   p.line, p.column, printable(what, 200)));
}

ModelSpec ModelReader::finish() {
  if (version_) fail(fmt::format("version is {}; this reader reads version 1", *version_));
  if (!(top_seen_ & (1u << k_layers))) fail("layers is missing");
  if (spec_.layers.empty()) fail("layers is empty; a model needs at least one layer");
  if (loss_) {
    spec_.loss = parse_loss(*loss_);
    if (!spec_.loss)
      fail(fmt::format("loss is {}; expected bce, half_sse, softmax_ce or mse", io::quoted(*loss_)));
  }
  if (reduction_) {
    if (*reduction_ == "mean")
      spec_.reduction = Reduction::mean;
    else if (*reduction_ == "sum")
      spec_.reduction = Reduction::sum;
    else
      fail(fmt::format("reduction is {}; expected mean or sum", io::quoted(*reduction_)));
  }
  const bool has_x = top_seen_ & (1u << k_x);
  const bool has_y = top_seen_ & (1u << k_y);
  if (has_x != has_y)
    fail(has_x ? "x is given without y; a batch needs both" : "y is given without x; a batch needs both");
  if (spec_.loss) check_loss_fits();
  if (has_x) check_data();
  return std::move(spec_);
}

void ModelReader::check_loss_fits() const {
  try {
    nn::check_loss_activation(*spec_.loss, spec_.layers.back().activation,
                              fmt::format("layers[{}].activation", spec_.layers.size() - 1));
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
}

void ModelReader::check_data() {
  if (!spec_.loss) fail("loss is missing; a model with data (x, y) needs one");
  const auto& first = spec_.layers.front();
  const auto& last = spec_.layers.back();
  const auto last_index = spec_.layers.size() - 1;
  if (x_.cols != first.W.rows())
    fail(fmt::format("x has {} columns, but layers[0] has {} inputs", x_.cols, first.W.rows()));
  // softmax_ce also takes a column of class indices 0..k-1 (PyTorch's target form).
  const bool class_index =
      nn::is_class_index(*spec_.loss, Shape{y_.rows, y_.cols}, Shape{y_.rows, last.W.cols()});
  if (y_.cols != last.W.cols() && !class_index)
    fail(fmt::format("y has {} columns, but layers[{}] has {} outputs{}", y_.cols, last_index,
                     last.W.cols(),
                     *spec_.loss == LossKind::softmax_ce
                         ? " (softmax_ce takes one-hot rows or one column of class indices)"
                         : ""));
  if (y_.rows != x_.rows) fail(fmt::format("y has {} rows, but x has {}", y_.rows, x_.rows));
  Tensor<double> y = y_.tensor();
  y_ = {};
  if (*spec_.loss == LossKind::bce) {
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
        fail(fmt::format("y[{}][0] is {}; softmax_ce class indices must be whole numbers 0..{}", i,
                         format_json_number(k), last.W.cols() - 1));
    }
  } else if (*spec_.loss == LossKind::softmax_ce) {
    for (std::uint32_t i = 0; i < y.rows(); ++i) {
      double total = 0.0;
      for (std::uint32_t j = 0; j < y.cols(); ++j) {
        if (y(i, j) < 0.0)
          fail(fmt::format("y[{}][{}] is {}; softmax_ce targets must be non-negative", i, j,
                           format_json_number(y(i, j))));
        total += y(i, j);
      }
      if (!std::isfinite(total))
        fail(fmt::format("y[{}] sums to more than the largest double; softmax_ce target rows "
                         "must sum to 1 (within {})",
                         i, softmax_target_tolerance));
      if (std::abs(total - 1.0) > softmax_target_tolerance)
        fail(fmt::format("y[{}] sums to {}; softmax_ce target rows must sum to 1 (within {})", i,
                         format_json_number(total), softmax_target_tolerance));
    }
  }
  spec_.y = std::move(y);
  spec_.x = x_.tensor();
  x_ = {};
}

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

ModelSpec parse_model(std::string_view text, std::string_view source_name) {
  const std::string source = printable(source_name);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) fail(source, "file is empty");
  check_structure(text, source);
  ModelReader reader(source);
  if (!json::sax_parse(text.begin(), text.end(), &reader, json::input_format_t::json, true))
    reader.fail_parse(text);
  return reader.finish();
}

ModelSpec read_model(const std::filesystem::path& path) {
  std::string text;
  try {
    text = read_file(path, max_model_bytes, "model file");
  } catch (const FileError& e) {
    throw ModelFormatError(e.what());
  }
  return parse_model(text, source_name(path));
}

std::string format_model(const ModelSpec& spec) { return format_model_for(spec, "model"); }

void write_model(const ModelSpec& spec, const std::filesystem::path& path) {
  const std::string text = format_model_for(spec, shown(path));
  try {
    write_file(path, text);
  } catch (const FileError& e) {
    throw ModelFormatError(e.what());
  }
}

}  // namespace tapegrad::io
