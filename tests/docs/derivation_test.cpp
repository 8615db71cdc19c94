// docs/derivation.md's numbers: every `name = value` on the page against the
// hand derivation, and against what examples/example_4321 prints.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <string>

#include "reference/example_4321.hpp"
#include "reference/hand_backprop.hpp"
#include "tests/docs/markdown.hpp"
#include "tests/tools/run_process.hpp"

using namespace tapegrad;

namespace {

// A number as written, with the rounding its decimals imply.
struct Quoted {
  std::vector<std::vector<double>> rows;
  double tolerance = 0;  ///< half a unit in the last written decimal
  std::string text;
};

std::optional<Quoted> parse_value(const std::string& text) {
  static const std::regex number(R"(-?[0-9]+(\.([0-9]+))?)");
  static const std::regex matrix(R"(\[\[.*\]\])");
  static const std::regex scalar(R"(-?[0-9]+(\.[0-9]+)?)");
  if (!std::regex_match(text, matrix) && !std::regex_match(text, scalar)) return std::nullopt;
  Quoted q{{{}}, 0, text};
  int depth = 0;
  std::size_t decimals = 99;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '[') {
      if (++depth == 2 && !q.rows.back().empty()) q.rows.emplace_back();
      ++i;
    } else if (c == ']') {
      --depth;
      ++i;
    } else if (c == ',' || c == ' ') {
      ++i;
    } else {
      std::smatch m;
      const std::string rest = text.substr(i);
      if (!std::regex_search(rest, m, number, std::regex_constants::match_continuous)) return std::nullopt;
      q.rows.back().push_back(std::stod(m.str()));
      decimals = std::min(decimals, m[2].length() ? static_cast<std::size_t>(m[2].length()) : 0);
      i += static_cast<std::size_t>(m.length());
    }
  }
  q.tolerance = 0.5 * std::pow(10.0, -static_cast<double>(decimals)) + 1e-12;
  return q;
}

// Every `name = value` code span of the page, by context: "one sample" until
// an HTML comment `<!-- numbers: batch -->` switches, and back.
using Quotes = std::map<std::string, std::map<std::string, Quoted>>;

Quotes quotes_of_page(const testing::Page& page) {
  static const std::regex quote(R"(^(\S+) = (.+)$)");
  Quotes quotes;
  std::string context = "one sample";
  for (const auto& line : page.prose) {
    if (line.text.starts_with("<!-- numbers: ")) context = line.text.substr(14, line.text.size() - 18);
    for (const auto& span : testing::code_spans(line.text)) {
      std::smatch m;
      if (!std::regex_match(span, m, quote)) continue;
      if (auto value = parse_value(m[2].str())) {
        CAPTURE(line.number);
        CAPTURE(span);
        auto [it, inserted] = quotes[context].emplace(m[1].str(), *value);
        if (!inserted) CHECK_MESSAGE(it->second.text == value->text, "the same name is quoted twice with two values");
      }
    }
  }
  return quotes;
}

Tensor<double> from_rows(const Quoted& q) {
  Tensor<double> t(Shape{static_cast<std::uint32_t>(q.rows.size()), static_cast<std::uint32_t>(q.rows[0].size())},
                   0.0);
  for (std::size_t i = 0; i < q.rows.size(); ++i) {
    REQUIRE(q.rows[i].size() == t.cols());
    for (std::size_t j = 0; j < t.cols(); ++j) t(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)) = q.rows[i][j];
  }
  return t;
}

// What a name on the page means, computed by the hand derivation.
class Reference {
 public:
  Reference(reference::Example4321 example, const Tensor<double>& x, const Tensor<double>& y, std::optional<double> alpha)
      : example_(std::move(example)), x_(x), y_(y),
        hand_(reference::hand_backprop(example_.net, x, y, nn::LossKind::bce)) {
    if (!alpha) return;
    // One gradient-descent step, then the loss again.
    auto next = reference::example_4321();
    for (std::size_t k = 1; k <= next.net.depth(); ++k) {
      auto& layer = next.net.layer(k);
      for (std::size_t e = 0; e < layer.W.value.size(); ++e) layer.W.value[e] -= *alpha * hand_.g_W[k][e];
      for (std::size_t e = 0; e < layer.b.value.size(); ++e) layer.b.value[e] -= *alpha * hand_.g_b[k][e];
      stepped_W_.push_back(layer.W.value);
      stepped_b_.push_back(layer.b.value);
    }
    stepped_loss_ = reference::hand_backprop(next.net, x, y, nn::LossKind::bce).loss;
  }

  /// The value a name stands for, or nothing for a name the page should not use.
  std::optional<Tensor<double>> operator()(const std::string& name) const {
    static const std::regex whole(R"(^(g\^\[(\d)([azWb])\]|([azWb])\^\[(\d)\]|g'\(z\^\[(\d)\]\)|([Wb])_\(s\+1\)\^\[(\d)\])$)");
    static const std::regex entry(R"(^(?:g\^\[(\d)([azWb])\]_(\d+)(?:,(\d+))?|([azWb])_(\d+)(?:,(\d+))?\^\[(\d)\])$)");
    const std::size_t L = hand_.depth();
    std::smatch m;
    if (name == "x") return x_;
    if (name == "y") return y_;
    if (name == "L") return Tensor<double>::scalar(hand_.loss);
    if (name == "dL/dL") return Tensor<double>::scalar(1.0);  // where backward starts
    if (name == "y_hat") return hand_.a[L];
    if (name == "L_(s+1)" && stepped_loss_) return Tensor<double>::scalar(*stepped_loss_);
    if (std::regex_match(name, m, whole)) {
      if (m[2].matched) return gradient(m[3].str()[0], std::stoul(m[2].str()));
      if (m[4].matched) return value(m[4].str()[0], std::stoul(m[5].str()));
      if (m[6].matched) {
        const std::size_t k = std::stoul(m[6].str());
        if (k < 1 || k > L) return std::nullopt;
        Tensor<double> d = hand_.a[k];
        for (auto& v : d) v = v * (1 - v);
        return d;
      }
      const std::size_t k = std::stoul(m[8].str());
      if (stepped_W_.empty() || k < 1 || k > L) return std::nullopt;
      return m[7].str() == "W" ? stepped_W_[k - 1] : stepped_b_[k - 1];
    }
    if (std::regex_match(name, m, entry)) {
      const bool is_gradient = m[1].matched;
      const std::size_t k = std::stoul(m[is_gradient ? 1 : 8].str());
      const char what = m[is_gradient ? 2 : 5].str()[0];
      const auto t = is_gradient ? gradient(what, k) : value(what, k);
      if (!t) return std::nullopt;
      // One index j picks column j of a row vector; i,j picks row i, column j (from 1).
      const auto& first = m[is_gradient ? 3 : 6];
      const auto& second = m[is_gradient ? 4 : 7];
      const std::size_t i = second.matched ? std::stoul(first.str()) : 1;
      const std::size_t j = second.matched ? std::stoul(second.str()) : std::stoul(first.str());
      if (i < 1 || j < 1 || i > t->rows() || j > t->cols() || (!second.matched && t->rows() != 1)) return std::nullopt;
      return Tensor<double>::scalar((*t)(static_cast<std::uint32_t>(i - 1), static_cast<std::uint32_t>(j - 1)));
    }
    return std::nullopt;
  }

 private:
  std::optional<Tensor<double>> value(char what, std::size_t k) const {
    const std::size_t L = hand_.depth();
    if (what == 'a' && k <= L) return hand_.a[k];
    if (k < 1 || k > L) return std::nullopt;
    if (what == 'z') return hand_.z[k];
    if (what == 'W') return example_.net.layer(k).W.value;
    if (what == 'b') return example_.net.layer(k).b.value;
    return std::nullopt;
  }
  std::optional<Tensor<double>> gradient(char what, std::size_t k) const {
    const std::size_t L = hand_.depth();
    if (what == 'a' && k <= L) return hand_.g_a[k];
    if (k < 1 || k > L) return std::nullopt;
    if (what == 'z') return hand_.g_z[k];
    if (what == 'W') return hand_.g_W[k];
    if (what == 'b') return hand_.g_b[k];
    return std::nullopt;
  }

  reference::Example4321 example_;
  Tensor<double> x_, y_;
  reference::HandGradients<double> hand_;
  std::vector<Tensor<double>> stepped_W_, stepped_b_;
  std::optional<double> stepped_loss_;
};

// Checks each quote, except the inputs, against what the reference computes.
void check_quotes(const std::map<std::string, Quoted>& quotes, const Reference& reference,
                  const std::vector<std::string>& inputs) {
  for (const auto& [name, quoted] : quotes) {
    if (std::find(inputs.begin(), inputs.end(), name) != inputs.end()) continue;
    CAPTURE(name);
    CAPTURE(quoted.text);
    const auto expected = reference(name);
    REQUIRE_MESSAGE(expected.has_value(), "docs/derivation.md quotes a name the test does not know");
    const Tensor<double> written = from_rows(quoted);
    REQUIRE(written.shape() == expected->shape());
    for (std::size_t e = 0; e < written.size(); ++e) {
      CAPTURE(e);
      CHECK(std::abs(written[e] - (*expected)[e]) <= quoted.tolerance);
    }
  }
}

const testing::Page& derivation_page() {
  static const testing::Page page = testing::parse_page(testing::read_file(testing::source_root / "docs" / "derivation.md"));
  return page;
}

}  // namespace

TEST_CASE("every number quoted for the 4-3-2-1 example is what the hand derivation computes") {
  const auto quotes = quotes_of_page(derivation_page());
  REQUIRE(quotes.contains("one sample"));
  const auto& one = quotes.at("one sample");
  const auto example = reference::example_4321();
  // The page shows the whole example: its parameters, every forward value and every gradient.
  for (const char* name : {"x", "y", "W^[1]", "b^[1]", "W^[2]", "b^[2]", "W^[3]", "b^[3]", "z^[1]", "a^[1]", "z^[2]",
                           "a^[2]", "z^[3]", "a^[3]", "L", "g^[3a]", "g^[3z]", "g^[3W]", "g^[3b]", "g^[2a]", "g^[2z]",
                           "g^[2W]", "g^[2b]", "g^[1a]", "g^[1z]", "g^[1W]", "g^[1b]", "alpha", "L_(s+1)"}) {
    CAPTURE(name);
    CHECK(one.contains(name));
  }
  std::optional<double> alpha;
  if (one.contains("alpha")) alpha = one.at("alpha").rows[0][0];
  check_quotes(one, Reference(reference::example_4321(), example.x, example.y, alpha), {"alpha"});
}

TEST_CASE("the batch numbers are the hand derivation's on the batch the page gives") {
  const auto quotes = quotes_of_page(derivation_page());
  REQUIRE(quotes.contains("batch"));
  const auto& batch = quotes.at("batch");
  REQUIRE(batch.contains("a^[0]"));
  REQUIRE(batch.contains("y"));
  const Tensor<double> x = from_rows(batch.at("a^[0]")), y = from_rows(batch.at("y"));
  CHECK(x.rows() > 1);
  // The batch starts with the example's own sample.
  const auto sample = reference::example_4321().x;
  for (std::uint32_t j = 0; j < sample.cols(); ++j) CHECK(x(0, j) == sample(0, j));
  check_quotes(batch, Reference(reference::example_4321(), x, y, std::nullopt), {"a^[0]", "y"});
  CHECK(batch.size() >= 8);
}

TEST_CASE("examples/example_4321 prints the numbers the page quotes") {
  testing::ScratchFolder scratch("derivation_example");
  const auto run =
      testing::run_process(testing::required_env("TAPEGRAD_EXAMPLE_4321"), {"--steps", "0", "--graph", "graphs"},
                           scratch.path());
  REQUIRE(run.exit_code == 0);
  const auto quotes = quotes_of_page(derivation_page());
  const auto& page = quotes.at("one sample");
  // Every `name = value` the program prints, e.g. "z^[1] = [[1.850000, ...]]" or "L = 0.60514302".
  static const std::regex printed(R"((\S+) = (\[\[[^a-zA-Z()]*?\]\]|-?[0-9]+\.[0-9]+))");
  std::size_t compared = 0;
  for (auto it = std::sregex_iterator(run.out.begin(), run.out.end(), printed); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1].str();
    CAPTURE(name);
    const auto value = parse_value((*it)[2].str());
    REQUIRE(value.has_value());
    REQUIRE_MESSAGE(page.contains(name), "docs/derivation.md does not quote a value the example prints");
    const Tensor<double> shown = from_rows(*value), quoted = from_rows(page.at(name));
    REQUIRE(shown.shape() == quoted.shape());
    const double tolerance = std::max(value->tolerance, page.at(name).tolerance);
    for (std::size_t e = 0; e < shown.size(); ++e) CHECK(std::abs(shown[e] - quoted[e]) <= tolerance);
    ++compared;
  }
  CHECK(compared >= 19);  // a^[0], z^[k] and a^[k], L, and the eleven gradients
}
