// read_train_shard: tapegrad train's data, one rank's share of a CSV file, with its messages.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tools/commands.hpp"
#include "tools/data.hpp"

using namespace tapegrad;

namespace {

// A CSV file in the temporary folder, removed at the end of the test.
struct CsvFile {
  explicit CsvFile(const std::string& text)
      : path(std::filesystem::temp_directory_path() / "tapegrad_train_data_test.csv") {
    std::ofstream(path) << text;
  }
  ~CsvFile() { std::filesystem::remove(path); }
  std::filesystem::path path;
};

}  // namespace

TEST_CASE("a shard's bad label names its line in the file; a rank without rows gets an empty shard") {
  {
    const CsvFile file("f,label\n0.1,0\n0.2,1\n0.3,0\n0.4,1\n0.5,7\n");
    CHECK_NOTHROW(tools::read_train_shard(file.path, 1, 1, 0.0, 0.0, 1, 0, 3));
    CHECK_THROWS_WITH_AS(tools::read_train_shard(file.path, 1, 1, 0.0, 0.0, 1, 1, 3),
                         doctest::Contains(":6: label 7 is outside [0, 1]"), tools::InputError);
  }
  const CsvFile file("0.1,0\n0.2,1\n");
  const auto empty = tools::read_train_shard(file.path, 1, 1, 0.0, 0.0, 1, 2, 3);
  CHECK(empty.train.size() == 0);
  CHECK(empty.train.x.cols() == 1);
  CHECK(empty.train_size() == 2);
  CHECK(empty.source == file.path.string());
  CHECK_THROWS_WITH_AS(tools::read_train_shard(file.path, 2, 1, 0.0, 0.0, 1, 0, 3),
                       doctest::Contains("has 1 features, but --layers starts with 2 inputs"),
                       tools::InputError);
  CHECK_THROWS_WITH_AS(tools::read_train_shard(file.path, 1, 1, 0.5, 0.5, 1, 0, 1),
                       doctest::Contains(": 2 rows are too few for --val-fraction 0.5 and "
                                         "--test-fraction 0.5 (each held-out set needs a row, and "
                                         "training at least one)"),
                       tools::InputError);
}

TEST_CASE("the validation share defaults to 0.2 from 50 rows, none below") {
  std::string rows;
  for (int i = 0; i < 50; ++i) rows += std::to_string(i) + "," + std::to_string(i % 2) + "\n";
  const CsvFile file(rows);
  const auto fifty = tools::read_train_shard(file.path, 1, 1, std::nullopt, 0.0, 1, 0, 1);
  CHECK(fifty.val_fraction == 0.2);
  CHECK(fifty.validation_size == 10);
  CHECK(fifty.train_size() == 40);
  const CsvFile fewer(rows.substr(rows.find('\n') + 1));
  const auto forty_nine = tools::read_train_shard(fewer.path, 1, 1, std::nullopt, 0.0, 1, 0, 1);
  CHECK(forty_nine.val_fraction == 0.0);
  CHECK(forty_nine.validation_size == 0);
  CHECK(forty_nine.train_size() == 49);
}
