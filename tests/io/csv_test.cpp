// Tests for the CSV reader and the dataset helpers: headers, strict errors, splits, scaling.
#include "io/csv.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "nn/dataset.hpp"

using namespace tapegrad;
using io::CsvError;

TEST_CASE("a header line is a first line of names, as wide as the rows") {
  const auto with = io::parse_csv("radius, area ,benign\n1,2,0\n3.5,-4e-1,1\n", "bc.csv");
  CHECK(with.header == std::vector<std::string>{"radius", "area", "benign"});
  CHECK(with.values == Tensor<double>{{1, 2, 0}, {3.5, -0.4, 1}});
  const auto without = io::parse_csv("0,1,2\r\n3, 4 ,5\r\n\n\n", "digits.csv");
  CHECK(without.header.empty());
  CHECK(without.values == Tensor<double>{{0, 1, 2}, {3, 4, 5}});
}

TEST_CASE("a malformed line gives an error naming the file and the line") {
  CHECK_THROWS_WITH_AS(io::parse_csv("1,2,3\n4,5\n", "data.csv"), "data.csv:2: expected 3 numbers, found 2",
                       io::CsvError);
  CHECK_THROWS_WITH_AS(io::parse_csv("h,i\n1,2\n3,4,5\n", "data.csv"),
                       "data.csv:3: expected 2 numbers (the header on line 1 names 2 columns), found 3",
                       io::CsvError);
  CHECK_THROWS_WITH_AS(io::parse_csv("1,2\n3,x\n", "data.csv"), "data.csv:2: field 2 is not a number: \"x\"",
                       io::CsvError);
  CHECK_THROWS_WITH_AS(io::parse_csv("1,2\n3,\n", "data.csv"), "data.csv:2: field 2 is not a number: \"\"",
                       io::CsvError);
  CHECK_THROWS_WITH_AS(io::parse_csv("1,2\n3,4x\n", "data.csv"), "data.csv:2: field 2 is not a number: \"4x\"",
                       io::CsvError);
  CHECK_THROWS_WITH_AS(io::parse_csv("1,2\n\n3,4\n", "data.csv"), "data.csv:2: empty line inside the data",
                       io::CsvError);
  CHECK_THROWS_WITH_AS(io::parse_csv("a,b\n", "data.csv"), "data.csv: no data rows", io::CsvError);
  CHECK_THROWS_WITH_AS(io::parse_csv("1,2\n1,nan\n", "data.csv"), "data.csv:2: field 2 is not a number: \"nan\"",
                       io::CsvError);
}

TEST_CASE("read_csv reads a file and names it in errors") {
  const auto path = std::filesystem::temp_directory_path() / "tapegrad_csv_test_data.csv";
  {
    std::ofstream out(path);
    out << "1,2,3\n4,5,6\n7,8\n";
  }
  CHECK_THROWS_WITH_AS(io::read_csv(path), (path.string() + ":3: expected 3 numbers, found 2").c_str(), io::CsvError);
  std::filesystem::remove(path);
  CHECK_THROWS_WITH_AS(io::read_csv(path), (path.string() + ": cannot read file: No such file or directory").c_str(), io::CsvError);
}

TEST_CASE("the project's data files read with their documented shapes") {
  const std::filesystem::path data = TAPEGRAD_DATA_DIR;
  const auto bc = io::read_csv(data / "breast_cancer.csv");
  CHECK(bc.values.shape() == Shape{569, 31});
  CHECK(bc.header.size() == 31);
  const auto digits = io::read_csv(data / "digits.csv");
  CHECK(digits.values.shape() == Shape{1797, 65});
  CHECK(digits.header.empty());
}

TEST_CASE_TEMPLATE("features and labels split, standardise and one-hot", T, float, double) {
  const Tensor<double> table{{1, 10, 0}, {2, 10, 1}, {3, 10, 2}};
  const auto d = nn::split_features_labels<T>(table);
  CHECK(d.x == Tensor<T>{{1, 10}, {2, 10}, {3, 10}});
  CHECK(d.y == Tensor<T>{{0}, {1}, {2}});

  const auto s = nn::Standardizer<T>::fit(d.x);
  const auto z = s.apply(d.x);
  CHECK(z(0, 0) == doctest::Approx(-std::sqrt(1.5)));
  CHECK(z(1, 0) == doctest::Approx(0));
  CHECK(z(2, 1) == T(0));  // a constant column is only centred
  const auto scaled = s.apply(Tensor<T>{{5, 12}});
  CHECK(scaled(0, 0) == doctest::Approx(3 / std::sqrt(2.0 / 3)).epsilon(1e-6));
  CHECK(scaled(0, 1) == T(2));
  CHECK_THROWS_AS(s.apply(Tensor<T>{{1}}), ShapeError);

  CHECK(nn::one_hot(d.y, 3) == Tensor<T>{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
  CHECK_THROWS_WITH_AS(nn::one_hot(Tensor<T>{{1}, {3}}, 3),
                       "one_hot: label 3 in row 1 is not a class number 0..2", std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::one_hot(Tensor<T>{{0.5}}, 3),
                       "one_hot: label 0.5 in row 0 is not a class number 0..2", std::invalid_argument);
}

TEST_CASE("the train/test split is a seeded permutation") {
  Tensor<double> table({10, 2}, 0.0);
  for (std::uint32_t i = 0; i < 10; ++i) table(i, 0) = i, table(i, 1) = i % 2;
  const auto d = nn::split_features_labels<double>(table);
  const auto a = nn::train_test_split(d, 0.3, 7), b = nn::train_test_split(d, 0.3, 7),
             c = nn::train_test_split(d, 0.3, 8);
  CHECK(a.test.size() == 3);
  CHECK(a.train.size() == 7);
  CHECK(a.test.x == b.test.x);
  CHECK(a.test.x != c.test.x);
  std::vector<int> seen(10, 0);
  for (const auto* part : {&a.train, &a.test})
    for (std::uint32_t i = 0; i < part->size(); ++i) {
      const auto k = static_cast<std::size_t>(part->x(i, 0));
      ++seen[k];
      CHECK(part->y(i, 0) == static_cast<double>(k % 2));
    }
  CHECK(seen == std::vector<int>(10, 1));
  CHECK_THROWS_WITH_AS(nn::train_test_split(d, 1.0, 1),
                       "train_test_split: test fraction 1 is not between 0 and 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::train_test_split(d, 0.01, 1),
                       "train_test_split: 10 samples cannot be split with test fraction 0.01",
                       std::invalid_argument);
}

TEST_CASE("accuracy thresholds one column at 0.5 and takes the argmax of several") {
  CHECK(nn::accuracy(Tensor<double>{{0.7}, {0.2}, {0.5}, {0.1}}.view(), Tensor<double>{{1}, {0}, {0}, {1}}.view()) == 0.5);
  CHECK(nn::accuracy(Tensor<double>{{0.1, 0.7, 0.2}, {3, 1, 2}}.view(), Tensor<double>{{0, 1, 0}, {0, 0, 1}}.view()) == 0.5);
  CHECK_THROWS_AS(nn::accuracy(Tensor<double>{{0.1}}.view(), Tensor<double>{{1, 0}}.view()), ShapeError);
}

TEST_CASE("accuracy deduces its type from two Tensors and takes class indices") {
  const Tensor<double> y_hat{{0.1, 0.7, 0.2}, {3, 1, 2}, {0, 0, 1}};
  CHECK(nn::accuracy(y_hat, Tensor<double>{{0, 1, 0}, {0, 0, 1}, {0, 0, 1}}) == doctest::Approx(2.0 / 3));
  CHECK(nn::accuracy(y_hat, Tensor<double>{{1}, {0}, {2}}) == 1.0);
  CHECK(nn::accuracy(y_hat, Tensor<double>{{1}, {2}, {2}}) == doctest::Approx(2.0 / 3));
  CHECK(nn::accuracy(Tensor<float>{{0.9f}, {0.4f}}, Tensor<float>{{1}, {1}}) == 0.5);
  CHECK_THROWS_WITH_AS(nn::accuracy(y_hat, Tensor<double>{{1}, {0}}),
                       "accuracy: shapes differ; y_hat is (3, 3), y is (2, 1)", ShapeError);
}
