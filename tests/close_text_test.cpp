// Tests for the comparison of committed output with a run on another CPU.
#include "tests/close_text.hpp"

#include <doctest/doctest.h>

using tapegrad::testing::same_json_within;
using tapegrad::testing::same_text_within;
using tapegrad::testing::text_difference;

TEST_CASE("numbers may differ in their last bits, words may not") {
  CHECK(same_text_within("loss 0.045943059644031434,", "loss 0.04594305964403144,", 1e-12));
  CHECK_FALSE(same_text_within("loss 0.0459430596", "loss 0.0459430598", 1e-12));
  CHECK_FALSE(same_text_within("loss 0.5", "Loss 0.5", 1e-3));
  CHECK_FALSE(same_text_within("a 1 b", "a 1 b 2", 1e-3));
  CHECK(text_difference("a 1 b", "a 1 b 2", 1e-3) == "text after number 1: \" b\" vs \" b \"");
  // Large numbers relatively, small ones absolutely (zero against rounding noise).
  CHECK(same_text_within("x 1000000000000", "x 1000000000001", 1e-12));
  CHECK(same_text_within("H = 0", "H = 3.5e-19", 1e-12));
  CHECK_FALSE(same_text_within("H = 0", "H = 3.5e-9", 1e-12));
}

TEST_CASE("a printed number may round the other way in its last digit, a count may not") {
  CHECK(same_text_within("H(0, 0) = 0.00429273", "H(0, 0) = 0.00429274", 1e-12));
  CHECK(same_text_within("4.17268e-05", "4.17269e-05", 1e-12));
  CHECK_FALSE(same_text_within("0.00429273", "0.00429275", 1e-12));
  CHECK_FALSE(same_text_within("best epoch 28", "best epoch 29", 1e-12));
}

TEST_CASE("digits inside words and colours are text") {
  CHECK_FALSE(same_text_within("fill=\"#a3b4c5\"", "fill=\"#a3b4c6\"", 0.5));
  CHECK_FALSE(same_text_within("W3 z1", "W4 z1", 0.5));
  CHECK(same_text_within("x=\"70.00\" y=\"-76.5\"", "x=\"70.00\" y=\"-76.5\"", 0));
  CHECK(text_difference("W3 = 2.5", "W3 = 2.7", 1e-3) == "number 0: 2.500000 vs 2.700000");
}

TEST_CASE("JSON values compare by structure, their numbers within the tolerance") {
  const auto doc = nlohmann::json::parse(R"({"a": [1, 0.3140787654887105], "b": "x", "c": true})");
  CHECK(same_json_within(doc, nlohmann::json::parse(R"({"a": [1, 0.3140787654887104], "b": "x", "c": true})"), 1e-12));
  CHECK_FALSE(same_json_within(doc, nlohmann::json::parse(R"({"a": [1, 0.32], "b": "x", "c": true})"), 1e-12));
  CHECK_FALSE(same_json_within(doc, nlohmann::json::parse(R"({"a": [1, 0.3140787654887105], "b": "y", "c": true})"), 1e-12));
  CHECK_FALSE(same_json_within(doc, nlohmann::json::parse(R"({"a": [1], "b": "x", "c": true})"), 1e-12));
  CHECK_FALSE(same_json_within(doc, nlohmann::json::parse(R"({"a": [1, 0.3140787654887105], "b": "x", "d": true})"), 1e-12));
}
