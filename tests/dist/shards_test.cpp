// Shards: each rank's rows of a CSV file, the shared split and a standardiser fitted across parts.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "io/csv.hpp"
#include "nn/dataset.hpp"
#include "tests/dist/thread_ranks.hpp"
#include "tools/commands.hpp"
#include "dist/train_data.hpp"

using namespace tapegrad;

TEST_CASE("a row shard keeps data rows i mod N and counts every row of the file") {
  const std::string text = "a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n";
  for (std::uint32_t r = 0; r < 3; ++r) {
    const auto table = io::parse_csv(text, "t.csv", io::RowShard{r, 3});
    CAPTURE(r);
    CHECK(table.rows_in_file == 5);
    CHECK(table.header == std::vector<std::string>{"a", "b"});
    const std::uint32_t expected_rows = r < 2 ? 2 : 1;
    REQUIRE(table.values.rows() == expected_rows);
    for (std::uint32_t i = 0; i < expected_rows; ++i) CHECK(table.values(i, 0) == 1 + 2 * (r + 3 * i));
  }
  CHECK(io::parse_csv(text, "t.csv").values.rows() == 5);
}

TEST_CASE("a shard of a file with fewer rows than readers is empty, not an error") {
  const auto table = io::parse_csv("1,2\n3,4\n", "t.csv", io::RowShard{2, 3});
  CHECK(table.rows_in_file == 2);
  CHECK(table.values.rows() == 0);
  CHECK_THROWS_WITH_AS(io::parse_csv("\n", "t.csv", io::RowShard{0, 2}), "t.csv: no data rows",
                       io::CsvError);
  CHECK_THROWS_AS(io::parse_csv("1,2\n", "t.csv", io::RowShard{2, 2}), std::invalid_argument);
  CHECK_THROWS_AS(io::parse_csv("1,2\n", "t.csv", io::RowShard{0, 0}), std::invalid_argument);
}

TEST_CASE("a malformed row fails the reader that keeps it, naming its line") {
  const std::string text = "a,b\n1,2\n3,x\n5,6\n";
  CHECK_NOTHROW(io::parse_csv(text, "t.csv", io::RowShard{0, 2}));
  CHECK_THROWS_WITH_AS(io::parse_csv(text, "t.csv", io::RowShard{1, 2}),
                       "t.csv:3: field 2 is not a number: \"x\"", io::CsvError);
}

TEST_CASE("split_rows is the permutation train_test_split takes its rows from") {
  nn::Dataset<double> d{Tensor<double>({10, 1}, 0.0), Tensor<double>({10, 1}, 0.0)};
  for (std::uint32_t i = 0; i < 10; ++i) d.x[i] = i;
  const auto rows = nn::split_rows(10, 0.3, 9);
  const auto split = nn::train_test_split(d, 0.3, 9);
  REQUIRE(rows.test.size() == 3);
  REQUIRE(rows.train.size() == 7);
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(split.test.x[i] == rows.test[i]);
  for (std::uint32_t i = 0; i < 7; ++i) CHECK(split.train.x[i] == rows.train[i]);
  CHECK_THROWS_AS(nn::split_rows(10, 0.0, 9), std::invalid_argument);
  CHECK_THROWS_AS(nn::split_rows(1, 0.5, 9), std::invalid_argument);
}

TEST_CASE("a standardiser fitted across parts, one empty, equals one fitted on all rows") {
  Generator g(3);
  Tensor<double> all({11, 3}, 0.0);
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = g.uniform(-5, 20);
  for (std::uint32_t i = 0; i < 11; ++i) all(i, 2) = 4.0;  // a constant column
  const auto whole = nn::Standardizer<double>::fit(all);
  const std::vector<std::uint32_t> first{0, 4, 4, 11};  // part r: rows first[r]..first[r+1]
  std::vector<nn::Standardizer<double>> parts(3);
  testing::ThreadGroup group(3);
  group.run([&](dist::Communicator& comm) {
    const int r = comm.rank();
    std::vector<std::uint32_t> rows;
    for (std::uint32_t i = first[r]; i < first[r + 1]; ++i) rows.push_back(i);
    Tensor<double> mine;
    nn::gather_rows(all, rows, mine);
    if (rows.empty()) mine = Tensor<double>({0, 3}, 0.0);
    parts[r] = nn::Standardizer<double>::fit(mine, [&comm](std::span<double> v) { comm.sum(v); });
  });
  for (const auto& s : parts)
    for (std::uint32_t j = 0; j < 3; ++j) {
      CHECK(s.mean()[j] == doctest::Approx(whole.mean()[j]).epsilon(1e-13));
      CHECK(s.stddev()[j] == doctest::Approx(whole.stddev()[j]).epsilon(1e-13));
    }
  CHECK(parts[0].stddev()[2] == 0.0);
  CHECK_THROWS_AS(nn::Standardizer<double>::fit(Tensor<double>({0, 3}, 0.0),
                                                [](std::span<double>) {}),
                  ShapeError);
}

TEST_CASE("the ranks' train shards hold each training position once, as the single process orders them") {
  const std::filesystem::path file = TAPEGRAD_DATA_DIR "/breast_cancer.csv";
  const auto one = tools::read_train_shard(file, 30, 1, 0.2, 0.2, 42, 0, 1);
  REQUIRE(one.train_size() == 341);
  CHECK(one.validation_size == 114);
  CHECK(one.test_size == 114);
  // Without a validation share, the test rows are the same ones.
  const auto two_way = tools::read_train_shard(file, 30, 1, 0.0, 0.2, 42, 0, 1);
  CHECK(two_way.train_size() == 455);
  CHECK(two_way.test.x == one.test.x);
  for (const int ranks : {2, 3, 7}) {
    CAPTURE(ranks);
    std::vector<tools::TrainShard> shards;
    for (int r = 0; r < ranks; ++r)
      shards.push_back(tools::read_train_shard(file, 30, 1, 0.2, 0.2, 42, r, ranks));
    std::uint32_t test_rows = 0, validation_rows = 0;
    for (const auto& s : shards) {
      test_rows += s.test.size();
      validation_rows += s.validation.size();
    }
    CHECK(test_rows == 114);
    CHECK(validation_rows == 114);
    for (std::uint32_t p = 0; p < one.train_size(); ++p) {
      int holders = 0;
      for (const auto& s : shards) {
        REQUIRE(s.train_size() == 341);
        if (s.train_row[p] == tools::TrainShard::kElsewhere) continue;
        ++holders;
        for (std::uint32_t j = 0; j < 30; ++j) REQUIRE(s.train.x(s.train_row[p], j) == one.train.x(p, j));
        REQUIRE(s.train.y(s.train_row[p], 0) == one.train.y(p, 0));
      }
      REQUIRE(holders == 1);
    }
    std::vector<std::uint32_t> positions{0, 1, 2, 3, 4, 5, 6, 7}, rows;
    std::size_t total = 0;
    for (const auto& s : shards) {
      s.rows_of(positions, rows);
      total += rows.size();
    }
    CHECK(total == positions.size());
  }
}

TEST_CASE("a shard's bad label names its line in the file; a rank without rows gets an empty shard") {
  const auto file = std::filesystem::temp_directory_path() / "tapegrad_shards_test.csv";
  std::ofstream(file) << "f,label\n0.1,0\n0.2,1\n0.3,0\n0.4,1\n0.5,7\n";
  CHECK_NOTHROW(tools::read_train_shard(file, 1, 1, 0.0, 0.0, 1, 0, 3));
  CHECK_THROWS_WITH_AS(tools::read_train_shard(file, 1, 1, 0.0, 0.0, 1, 1, 3),
                       doctest::Contains(":6: label 7 is outside [0, 1]"), tools::InputError);
  std::ofstream(file) << "0.1,0\n0.2,1\n";
  const auto empty = tools::read_train_shard(file, 1, 1, 0.0, 0.0, 1, 2, 3);
  CHECK(empty.train.size() == 0);
  CHECK(empty.train.x.cols() == 1);
  CHECK(empty.train_size() == 2);
  CHECK_THROWS_WITH_AS(tools::read_train_shard(file, 2, 1, 0.0, 0.0, 1, 0, 3),
                       doctest::Contains("has 1 features, but --layers starts with 2 inputs"),
                       tools::InputError);
  std::filesystem::remove(file);
}
