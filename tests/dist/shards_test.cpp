// Shards: each rank's rows of a CSV file, the shared split (dist::deal_shard) and a standardiser
// fitted across parts.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "dist/train_data.hpp"
#include "io/csv.hpp"
#include "nn/dataset.hpp"
#include "tests/dist/thread_ranks.hpp"

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

namespace {

// Rank `rank` of `ranks`'s rows of the breast cancer data, dealt into a TrainShard.
dist::TrainShard shard_of(int rank, int ranks, double val_fraction) {
  const auto table = io::read_csv(TAPEGRAD_DATA_DIR "/breast_cancer.csv",
                                  io::RowShard{static_cast<std::uint32_t>(rank),
                                               static_cast<std::uint32_t>(ranks)});
  const auto mine = nn::split_features_labels<double>(table.values);
  return dist::deal_shard(mine, static_cast<std::uint32_t>(table.rows_in_file), val_fraction, 0.2,
                          42, rank, ranks);
}

}  // namespace

TEST_CASE("the ranks' train shards hold each training position once, as the single process orders them") {
  const auto one = shard_of(0, 1, 0.2);
  REQUIRE(one.train_size() == 341);
  CHECK(one.validation_size == 114);
  CHECK(one.test_size == 114);
  CHECK(one.val_fraction == 0.2);
  // Without a validation share, the test rows are the same ones.
  const auto two_way = shard_of(0, 1, 0.0);
  CHECK(two_way.train_size() == 455);
  CHECK(two_way.test.x == one.test.x);
  for (const int ranks : {2, 3, 7}) {
    CAPTURE(ranks);
    std::vector<dist::TrainShard> shards;
    for (int r = 0; r < ranks; ++r) shards.push_back(shard_of(r, ranks, 0.2));
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
        if (s.train_row[p] == dist::TrainShard::kElsewhere) continue;
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

TEST_CASE("deal_shard: a rank without rows gets an empty shard; a wrong share or split is refused") {
  const nn::Dataset<double> none{Tensor<double>({0, 1}, 0.0), Tensor<double>({0, 1}, 0.0)};
  const auto empty = dist::deal_shard(none, 2, 0.0, 0.0, 1, 2, 3);  // rows 0 and 1 are ranks 0, 1
  CHECK(empty.train.size() == 0);
  CHECK(empty.train_size() == 2);
  CHECK(empty.train_row == std::vector<std::uint32_t>(2, dist::TrainShard::kElsewhere));
  const nn::Dataset<double> two{Tensor<double>({2, 1}, 0.0), Tensor<double>({2, 1}, 0.0)};
  CHECK_THROWS_WITH_AS(dist::deal_shard(two, 5, 0.0, 0.0, 1, 2, 3),
                       "deal_shard: rank 2 of 3 holds 2 rows of 5; its share is 1",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(dist::deal_shard(two, 2, 0.0, 0.0, 1, 3, 3),
                       "deal_shard: rank 3 of 3 does not exist", std::invalid_argument);
  CHECK_THROWS_AS(dist::deal_shard(two, 4, 0.1, 0.0, 1, 0, 2), std::invalid_argument);  // no row to validate
}
