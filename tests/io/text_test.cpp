// Tests for the number grammar shared by model files and CSV, and for how
// user-provided text is echoed in messages.
#include "io/text.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "io/csv.hpp"
#include "io/model_format.hpp"

namespace io = tapegrad::io;

TEST_CASE("the number grammar is JSON's, in CSV and model files alike") {
  using io::NumberStatus;
  for (const char* ok : {"0", "-0", "1", "-12", "3.25", "0.5e3", "1E-7", "1e+2", "123456789012345678901234567890"})
    CHECK_MESSAGE(io::parse_number(ok).status == NumberStatus::ok, ok);
  for (const char* bad : {"", "+1", "+-1", "-+1", "--1", ".5", "5.", "01", "-01", "1e", "1e+", "0x10", "nan",
                          "inf", "-inf", "1,5", " 1", "1 ", "1e5x"})
    CHECK_MESSAGE(io::parse_number(bad).status == NumberStatus::not_a_number, bad);
  // A NUL byte inside a field is no digit (string_views: a C string would end at it).
  CHECK(io::parse_number(std::string_view("1\0", 2)).status == NumberStatus::not_a_number);
  CHECK(io::parse_number(std::string_view("1\0" "2", 3)).status == NumberStatus::not_a_number);
  CHECK(io::parse_number("1e999").status == NumberStatus::overflow);
  CHECK(io::parse_number("-1.8e308").status == NumberStatus::overflow);
  CHECK(io::parse_number("1e99999999999999999999").status == NumberStatus::overflow);
  // Below the smallest subnormal: rounds to a zero of the same sign, as IEEE does.
  const auto tiny = io::parse_number("1e-400"), negative_tiny = io::parse_number("-1e-400");
  CHECK(tiny.status == NumberStatus::ok);
  CHECK(tiny.value == 0.0);
  CHECK(std::signbit(negative_tiny.value));
  CHECK(io::parse_number("0.00001e-99999999999999999999").value == 0.0);
  CHECK(io::parse_number("4.9e-324").value > 0.0);  // the smallest subnormal stays

  // The same text gives the same double, or the same refusal, in both readers.
  const std::string model_head = R"({"layers": [{"W": [[)", model_tail = R"(]], "b": [0], "activation": "relu"}]})";
  for (const char* text : {"1e-400", "-1e-400", "0.1", "123456789012345678901234567890", "2.5e-320"}) {
    const double in_csv = io::parse_csv(std::string(text) + "\n", "n.csv").values[0];
    const double in_model = io::parse_model(model_head + text + model_tail, "n.json").layers[0].W[0];
    CHECK_MESSAGE(in_csv == in_model, text);
    CHECK(std::signbit(in_csv) == std::signbit(in_model));
  }
  for (const char* text : {"+-1", "+1", ".5", "01", "1e999"}) {
    CHECK_THROWS_AS(io::parse_csv(std::string(text) + "\n", "n.csv"), io::CsvError);
    CHECK_THROWS_AS(io::parse_model(model_head + text + model_tail, "n.json"), io::ModelFormatError);
  }
}

TEST_CASE("echoed text is escaped and cut, so a message stays one readable line") {
  CHECK(io::printable("plain name.csv") == "plain name.csv");
  CHECK(io::printable("a\nb") == "a\\nb");
  CHECK(io::printable("\x1b[31mred") == "\\x1b[31mred");
  CHECK(io::printable("tab\there\r") == "tab\\there\\r");
  CHECK(io::printable("back\\slash") == "back\\\\slash");
  CHECK(io::printable("caf\xc3\xa9 \xe2\x82\xac") == "caf\xc3\xa9 \xe2\x82\xac");  // UTF-8 stays
  CHECK(io::printable("bad \xff\xc3") == "bad \\xff\\xc3");                       // not UTF-8
  CHECK(io::printable("c1 \xc2\x9b") == "c1 \\xc2\\x9b");  // U+009B, a terminal's CSI
  CHECK(io::printable(std::string("nul\0", 4)) == "nul\\x00");
  const std::string long_text(1 << 20, 'x');
  CHECK(io::printable(long_text) == std::string(80, 'x') + "... (1048576 bytes)");
  CHECK(io::quoted("say \"hi\"\n") == "\"say \\\"hi\\\"\\n\"");
  CHECK(io::one_line("path a\\nb: bad\nsecond line") == "path a\\nb: bad\\nsecond line");
}
