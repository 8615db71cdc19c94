// Tests for the command line's habits and train's options: one test (at least) per option,
// each running the built binary as a user does.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "io/model_format.hpp"
#include "tests/close_text.hpp"
#include "tests/tools/run_process.hpp"

using nlohmann::json;
using tapegrad::testing::ProcessResult;
using tapegrad::testing::read_text;
using tapegrad::testing::ScratchFolder;
using tapegrad::testing::write_text;

namespace {

ProcessResult run(const std::vector<std::string>& args, const ScratchFolder& scratch) {
  return tapegrad::testing::run_process(tapegrad::testing::required_env("TAPEGRAD"), args,
                                        scratch.path());
}

std::string data_file(std::string_view name) {
  return tapegrad::testing::required_env("TAPEGRAD_DATA_DIR") + "/" + std::string(name);
}

void expect_error(const std::vector<std::string>& args, const std::string& message,
                  const ScratchFolder& scratch) {
  const auto result = run(args, scratch);
  CAPTURE(args);
  CHECK(result.exit_code == 2);
  CHECK(result.err == "error: " + message + "\n");
}

// A --history file as rows of fields (the header first).
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
      fields.push_back(line.substr(start, comma - start));
    fields.push_back(line.substr(start));
    rows.push_back(fields);
  }
  return rows;
}

json meta_of(const std::filesystem::path& model) {
  return json::parse(tapegrad::io::read_model(model).meta_json);
}

// A small separable two-class file: `rows` rows of 2 features and a 0/1 label.
std::string two_class_csv(int rows) {
  std::string csv = "a,b,label\n";
  for (int i = 0; i < rows; ++i) {
    const int label = i % 2;
    csv += fmt::format("{},{},{}\n", label * 2.0 - 1.0 + 0.05 * (i % 7), 0.1 * (i % 5), label);
  }
  return csv;
}

// Trains on breast_cancer.csv with `extra` options for a few epochs and saves the model.
ProcessResult train_breast_cancer(const ScratchFolder& scratch, std::vector<std::string> extra,
                                  const std::string& model = "m.json",
                                  const std::string& layers = "30,8,1") {
  std::vector<std::string> args = {
      "train", data_file("breast_cancer.csv"), "--layers", layers, "--save", model};
  args.insert(args.end(), extra.begin(), extra.end());
  return run(args, scratch);
}

}  // namespace

TEST_CASE("tapegrad alone lists every command, one line each, on stderr (a usage error)") {
  ScratchFolder scratch("opt_list");
  const auto listed = run({}, scratch);
  CHECK(listed.exit_code == 2);
  CHECK(listed.out.empty());
  for (const char* command : {"grad", "check", "dot", "train", "predict", "demo", "view"}) {
    CAPTURE(command);
    const auto at = listed.err.find(fmt::format("\n  {} ", command));
    REQUIRE(at != std::string::npos);
    const auto line = listed.err.substr(at + 1, listed.err.find('\n', at + 1) - at - 1);
    CHECK(line.size() > 12);  // a description follows the name
  }
  CHECK(listed.err.find("usage: tapegrad COMMAND") != std::string::npos);
}

TEST_CASE("an unknown command is named, with the closest command suggested") {
  ScratchFolder scratch("opt_unknown");
  expect_error({"gard"}, "unknown command \"gard\"; did you mean \"grad\"?", scratch);
  expect_error({"trian", "x.csv"}, "unknown command \"trian\"; did you mean \"train\"?", scratch);
  expect_error({"predcit"}, "unknown command \"predcit\"; did you mean \"predict\"?", scratch);
  expect_error({"frobnicate"},
               "unknown command \"frobnicate\"; the commands are grad, hessian, check, dot, train, "
               "predict, demo, view",
               scratch);
  // A name with control bytes is escaped, as every user-provided string.
  expect_error({std::string("bad\x1bname")},
               "unknown command \"bad\\x1bname\"; the commands are grad, hessian, "
               "check, dot, train, predict, demo, view",
               scratch);
}

TEST_CASE("train takes its data file positionally or with --data; predict its model likewise") {
  ScratchFolder scratch("opt_positional");
  write_text(scratch / "d.csv", two_class_csv(40));
  const auto positional =
      run({"train", "d.csv", "--layers", "2,4,1", "--epochs", "5", "--save", "a.json"}, scratch);
  const auto named =
      run({"train", "--data", "d.csv", "--layers", "2,4,1", "--epochs", "5", "--save", "b.json"},
          scratch);
  REQUIRE(positional.exit_code == 0);
  CHECK(positional.out.substr(0, positional.out.find("saved")) ==
        named.out.substr(0, named.out.find("saved")));
  CHECK(read_text(scratch / "a.json") == read_text(scratch / "b.json"));
  const auto by_position = run({"predict", "a.json", "--data", "d.csv"}, scratch);
  const auto by_option = run({"predict", "--model", "a.json", "--data", "d.csv"}, scratch);
  CHECK(by_position.exit_code == 0);
  CHECK(by_position.out == by_option.out);
  CHECK(std::count(by_position.out.begin(), by_position.out.end(), '\n') == 40);
  const auto after =
      run({"train", "--layers", "2,4,1", "d.csv", "--epochs", "5", "--save", "c.json"}, scratch);
  CHECK(after.exit_code == 0);  // --layers takes one argument; the file after it is the data
  CHECK(read_text(scratch / "c.json") == read_text(scratch / "a.json"));
  expect_error({"train", "--layers", "2,4,1"}, "DATA.csv is required (run 'tapegrad train --help')",
               scratch);
}

TEST_CASE("predict --scores prints probabilities, --logits the raw outputs") {
  ScratchFolder scratch("opt_scores");
  SUBCASE("one sigmoid output: the probability of class 1") {
    write_text(scratch / "m.json",
               R"({"layers": [{"W": [[1.0], [-2.0]], "b": [0.5], "activation": "sigmoid"}]})");
    write_text(scratch / "x.csv", "1,1\n0,0\n");
    const auto scores = run({"predict", "m.json", "--data", "x.csv", "--scores"}, scratch);
    const auto logits = run({"predict", "m.json", "--data", "x.csv", "--logits"}, scratch);
    CHECK(logits.out == "[-0.5]\n[0.5]\n");
    // The two lines as one JSON list (built by appending: GCC 12 warns falsely on "[" + string).
    std::string rows = "[";
    rows += scores.out.substr(0, scores.out.find('\n'));
    rows += ",";
    rows += scores.out.substr(scores.out.find('\n') + 1);
    rows += "]";
    const auto p = json::parse(rows);
    CHECK(p[0][0].get<double>() == doctest::Approx(1 / (1 + std::exp(0.5))).epsilon(1e-15));
    CHECK(p[1][0].get<double>() == doctest::Approx(1 / (1 + std::exp(-0.5))).epsilon(1e-15));
  }
  SUBCASE("several identity outputs: the softmax") {
    write_text(
        scratch / "m.json",
        R"({"layers": [{"W": [[1.0, 0.0, -1.0]], "b": [0, 0, 0], "activation": "identity"}], "loss": "softmax_ce"})");
    write_text(scratch / "x.csv", "2\n");
    const auto scores = run({"predict", "m.json", "--data", "x.csv", "--scores"}, scratch);
    const auto logits = run({"predict", "m.json", "--data", "x.csv", "--logits"}, scratch);
    CHECK(logits.out == "[2, 0, -2]\n");
    const auto p = json::parse(scores.out);
    const double total = std::exp(2.0) + 1.0 + std::exp(-2.0);
    CHECK(p[0].get<double>() == doctest::Approx(std::exp(2.0) / total).epsilon(1e-15));
    CHECK(p[2].get<double>() == doctest::Approx(std::exp(-2.0) / total).epsilon(1e-15));
    CHECK(p[0].get<double>() + p[1].get<double>() + p[2].get<double>() ==
          doctest::Approx(1.0).epsilon(1e-15));
  }
  SUBCASE("a regression has no probabilities; the two flags exclude each other") {
    write_text(scratch / "m.json",
               R"({"layers": [{"W": [[1.0]], "b": [0], "activation": "tanh"}], "loss": "mse"})");
    write_text(scratch / "x.csv", "2\n");
    expect_error({"predict", "m.json", "--data", "x.csv", "--scores"},
                 "m.json: a tanh output with loss mse gives no probabilities; --logits prints the "
                 "raw outputs",
                 scratch);
    CHECK(run({"predict", "m.json", "--data", "x.csv", "--logits"}, scratch).out == "[2]\n");
    const auto both =
        run({"predict", "m.json", "--data", "x.csv", "--logits", "--scores"}, scratch);
    CHECK(both.exit_code == 2);
    CHECK(both.err.starts_with("error: --scores excludes --logits"));
  }
}

TEST_CASE(
    "--val-fraction: 0.2 by default from 50 rows, none below; validation figures every epoch") {
  ScratchFolder scratch("opt_val");
  const auto trained = train_breast_cancer(scratch, {"--epochs", "3"});
  REQUIRE(trained.exit_code == 0);
  auto meta = meta_of(scratch / "m.json");
  CHECK(meta["rows"] == json{{"train", 341}, {"validation", 114}, {"test", 114}});
  CHECK(trained.out.find("val   accuracy ") != std::string::npos);
  CHECK(trained.err.find("epoch 3/3  loss ") != std::string::npos);
  CHECK(trained.err.find(" val_loss ") != std::string::npos);
  CHECK(trained.err.find(" val_acc ") != std::string::npos);

  REQUIRE(train_breast_cancer(scratch,
                              {"--epochs", "2", "--val-fraction", "0.1", "--test-fraction", "0"})
              .exit_code == 0);
  CHECK(meta_of(scratch / "m.json")["rows"] ==
        json{{"train", 512}, {"validation", 57}, {"test", 0}});

  write_text(scratch / "small.csv", two_class_csv(40));
  const auto small = run(
      {"train", "small.csv", "--layers", "2,4,1", "--epochs", "2", "--save", "s.json"}, scratch);
  REQUIRE(small.exit_code == 0);
  CHECK(meta_of(scratch / "s.json")["rows"] == json{{"train", 32}, {"validation", 0}, {"test", 8}});
  CHECK(small.err.find("val_loss") == std::string::npos);

  expect_error({"train", "small.csv", "--layers", "2,4,1", "--val-fraction", "1"},
               "train: --val-fraction is 1; expected 0 <= F < 1", scratch);
  expect_error({"train", "small.csv", "--layers", "2,4,1", "--val-fraction", "0.5",
                "--test-fraction", "0.5"},
               "train: --val-fraction 0.5 and --test-fraction 0.5 leave no rows to train on",
               scratch);
}

TEST_CASE("a held-out set under 10 rows is warned about") {
  ScratchFolder scratch("opt_warn");
  write_text(scratch / "tiny.csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
  const auto trained =
      run({"train", "tiny.csv", "--layers", "2,2,1", "--epochs", "1", "--val-fraction", "0.25"},
          scratch);
  CHECK(trained.exit_code == 0);
  CHECK(trained.err.find(
            "warning: the test set has only 1 row; its accuracy moves in steps of 100% (use "
            "more data or a larger --test-fraction)\n") != std::string::npos);
  CHECK(trained.err.find("warning: the validation set has only 1 row;") != std::string::npos);
  write_text(scratch / "enough.csv", two_class_csv(50));
  const auto quiet = run({"train", "enough.csv", "--layers", "2,2,1", "--epochs", "1"}, scratch);
  CHECK(quiet.err.find("warning") == std::string::npos);  // 10 rows each
}

TEST_CASE("--history writes one row per epoch with the required columns first") {
  ScratchFolder scratch("opt_history");
  REQUIRE(train_breast_cancer(scratch, {"--epochs", "4", "--history", "h.csv"}).exit_code == 0);
  const auto rows = csv_rows(read_text(scratch / "h.csv"));
  REQUIRE(rows.size() == 5);
  CHECK(std::vector<std::string>(rows[0].begin(), rows[0].begin() + 5) ==
        std::vector<std::string>{"epoch", "train_loss", "val_loss", "train_accuracy",
                                 "val_accuracy"});
  const auto meta = meta_of(scratch / "m.json");
  for (std::size_t e = 1; e <= 4; ++e) {
    CHECK(rows[e][0] == std::to_string(e));
    for (std::size_t k = 1; k <= 4; ++k) CHECK(std::isfinite(std::stod(rows[e][k])));
  }
  // The last row is the saved model's final figures, to the last bit.
  CHECK(std::stod(rows[4][1]) == meta["final"]["train_loss"].get<double>());
  CHECK(std::stod(rows[4][2]) == meta["final"]["val_loss"].get<double>());
  CHECK(std::stod(rows[4][4]) == meta["final"]["val_accuracy"].get<double>());
  SUBCASE("without a validation set its columns are empty") {
    write_text(scratch / "small.csv", two_class_csv(20));
    REQUIRE(run({"train", "small.csv", "--layers", "2,2,1", "--epochs", "2", "--history", "s.csv"},
                scratch)
                .exit_code == 0);
    const auto small = csv_rows(read_text(scratch / "s.csv"));
    CHECK(small[1][2].empty());
    CHECK(small[1][4].empty());
  }
  expect_error(
      {"train", data_file("breast_cancer.csv"), "--layers", "30,1", "--history", "no/such/h.csv"},
      "no/such/h.csv: cannot write: the folder no/such does not exist", scratch);
}

TEST_CASE("--plot writes an SVG of the loss and accuracy curves") {
  ScratchFolder scratch("opt_plot");
  REQUIRE(
      train_breast_cancer(scratch, {"--epochs", "5", "--plot", "p.svg", "--keep-best"}).exit_code ==
      0);
  const auto svg = read_text(scratch / "p.svg");
  CHECK(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"500\""));
  CHECK(svg.find("<title>validation</title>") != std::string::npos);
  CHECK(svg.find(">bce loss (mean per sample)</text>") != std::string::npos);
  CHECK(svg.find("lowest val loss (epoch ") != std::string::npos);
  std::filesystem::create_directory(scratch / "folder.svg");
  expect_error(
      {"train", data_file("breast_cancer.csv"), "--layers", "30,1", "--plot", "folder.svg"},
      "folder.svg: is a directory; the output must be a regular file", scratch);
}

TEST_CASE("--optimizer adamw and --weight-decay: decay keeps the weights smaller") {
  ScratchFolder scratch("opt_decay");
  const auto weight_norm = [&](const std::string& model) {
    const auto spec = tapegrad::io::read_model(scratch / model);
    double squares = 0;
    for (const auto& layer : spec.layers)
      for (const double w : layer.W) squares += w * w;
    return std::sqrt(squares);
  };
  for (const std::string optimizer : {"sgd", "momentum", "adam", "adamw"}) {
    CAPTURE(optimizer);
    REQUIRE(train_breast_cancer(scratch, {"--epochs", "20", "--optimizer", optimizer}, "plain.json")
                .exit_code == 0);
    REQUIRE(train_breast_cancer(
                scratch, {"--epochs", "20", "--optimizer", optimizer, "--weight-decay", "0.1"},
                "decayed.json")
                .exit_code == 0);
    CHECK(weight_norm("decayed.json") < 0.9 * weight_norm("plain.json"));
    const auto options = meta_of(scratch / "decayed.json")["options"];
    CHECK(options["optimizer"] == optimizer);
    CHECK(options["weight_decay"] == 0.1);
  }
  expect_error(
      {"train", data_file("breast_cancer.csv"), "--layers", "30,1", "--weight-decay", "-1"},
      "train: --weight-decay is -1; expected >= 0", scratch);
}

TEST_CASE("--schedule, --warmup, --step-size, --gamma, --min-lr set each epoch's rate") {
  ScratchFolder scratch("opt_schedule");
  const auto rates = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(),
                 {"--epochs", "6", "--lr", "0.1", "--optimizer", "sgd", "--history", "h.csv"});
    REQUIRE(train_breast_cancer(scratch, extra).exit_code == 0);
    std::vector<double> out;
    const auto rows = csv_rows(read_text(scratch / "h.csv"));
    REQUIRE(rows[0][5] == "lr");
    for (std::size_t e = 1; e < rows.size(); ++e) out.push_back(std::stod(rows[e][5]));
    return out;
  };
  CHECK(rates({}) == std::vector<double>(6, 0.1));
  CHECK(rates({"--schedule", "step", "--step-size", "2", "--gamma", "0.5"}) ==
        std::vector<double>{0.1, 0.1, 0.05, 0.05, 0.025, 0.025});
  const auto cosine = rates({"--schedule", "cosine", "--warmup", "2", "--min-lr", "0.01"});
  REQUIRE(cosine.size() == 6);
  CHECK(cosine[0] == doctest::Approx(0.05));
  CHECK(cosine[1] == doctest::Approx(0.1));
  for (int e = 0; e < 4; ++e)  // cosine over the 4 epochs after the warm-up
    CHECK(
        cosine[2 + e] ==
        doctest::Approx(0.01 + 0.09 * (1 + std::cos(std::numbers::pi * e / 4)) / 2).epsilon(1e-15));
  expect_error({"train", data_file("breast_cancer.csv"), "--layers", "30,1", "--schedule", "step",
                "--step-size", "0"},
               "--step-size: \"0\" is not a whole number from 1 to 1000000 (run 'tapegrad train "
               "--help')",
               scratch);
  expect_error(
      {"train", data_file("breast_cancer.csv"), "--layers", "30,1", "--schedule", "cosine",
       "--epochs", "3", "--warmup", "3"},
      "train: --schedule cosine: 3 warm-up epochs leave none of 3 for the cosine (see --warmup, "
      "--step-size, --gamma, --min-lr)",
      scratch);
  const auto unknown =
      run({"train", data_file("breast_cancer.csv"), "--layers", "30,1", "--schedule", "linear"},
          scratch);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.starts_with("error: --schedule: linear not in {constant,step,cosine}"));
}

TEST_CASE("--clip-norm bounds every step") {
  ScratchFolder scratch("opt_clip");
  // With gradients clipped to a norm of 1e-9, three epochs (33 steps) of sgd at
  // lr 1 move no weight by more than 4e-8: the loss stays where it started.
  REQUIRE(train_breast_cancer(scratch, {"--epochs", "3", "--optimizer", "sgd", "--lr", "1",
                                        "--clip-norm", "1e-9", "--history", "h.csv"})
              .exit_code == 0);
  const auto clipped = csv_rows(read_text(scratch / "h.csv"));
  CHECK(std::stod(clipped[3][1]) == doctest::Approx(std::stod(clipped[1][1])).epsilon(1e-6));
  REQUIRE(train_breast_cancer(
              scratch, {"--epochs", "3", "--optimizer", "sgd", "--lr", "1", "--history", "h.csv"})
              .exit_code == 0);
  const auto free = csv_rows(read_text(scratch / "h.csv"));
  CHECK(std::abs(std::stod(free[3][1]) - std::stod(free[1][1])) > 1e-3);
  CHECK(meta_of(scratch / "m.json")["options"].contains("clip_norm") == false);
  expect_error({"train", data_file("breast_cancer.csv"), "--layers", "30,1", "--clip-norm", "0"},
               "train: --clip-norm is 0; expected > 0", scratch);
}

TEST_CASE("--patience stops when the validation loss stops falling; --keep-best keeps that epoch") {
  ScratchFolder scratch("opt_patience");
  // A large rate overfits quickly: the validation loss turns up within a few epochs.
  const auto trained = train_breast_cancer(
      scratch,
      {"--epochs", "300", "--lr", "0.05", "--patience", "5", "--keep-best", "--history", "h.csv"},
      "m.json", "30,32,1");
  REQUIRE(trained.exit_code == 0);
  const auto meta = meta_of(scratch / "m.json");
  const auto run_epochs = meta["epochs_run"].get<std::size_t>();
  CHECK(run_epochs < 300);
  CHECK(meta["stopped_early"] == true);
  CHECK(run_epochs == meta["best_epoch"].get<std::size_t>() + 5);
  CHECK(trained.err.find(fmt::format("stopped early at epoch {}", run_epochs)) !=
        std::string::npos);
  const auto rows = csv_rows(read_text(scratch / "h.csv"));
  CHECK(rows.size() == run_epochs + 1);
  // The saved model is the best epoch's: its validation loss is the lowest in the history.
  double lowest = INFINITY;
  for (std::size_t e = 1; e < rows.size(); ++e) lowest = std::min(lowest, std::stod(rows[e][2]));
  CHECK(meta["final"]["val_loss"].get<double>() == doctest::Approx(lowest).epsilon(1e-12));
  CHECK(meta["best_val_loss"].get<double>() == lowest);
  CHECK(trained.err.find(fmt::format("kept the weights of epoch {}",
                                     meta["best_epoch"].get<int>())) != std::string::npos);

  write_text(scratch / "small.csv", two_class_csv(20));
  expect_error({"train", "small.csv", "--layers", "2,1", "--patience", "3"},
               "train: --patience needs a validation set (--val-fraction > 0)", scratch);
  expect_error({"train", "small.csv", "--layers", "2,1", "--keep-best"},
               "train: --keep-best needs a validation set (--val-fraction > 0)", scratch);
}

TEST_CASE("meta records the options, the epochs run and the final figures") {
  ScratchFolder scratch("opt_meta");
  REQUIRE(train_breast_cancer(scratch, {"--epochs", "3", "--schedule", "step", "--seed", "7"})
              .exit_code == 0);
  const auto meta = meta_of(scratch / "m.json");
  CHECK(meta["trained_by"] == "tapegrad train");
  CHECK(meta["epochs_run"] == 3);
  CHECK(meta["stopped_early"] == false);
  const auto& o = meta["options"];
  CHECK(o["layers"] == json{30, 8, 1});
  CHECK(o["epochs"] == 3);
  CHECK(o["seed"] == 7);
  CHECK(o["schedule"] == "step");
  CHECK(o["step_size"] == 10);
  CHECK(o["loss"] == "bce");
  for (const char* key :
       {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_accuracy"}) {
    CAPTURE(key);
    CHECK(meta["final"][key].is_number());
  }
}

TEST_CASE("train and the model format take class-index targets for softmax_ce") {
  ScratchFolder scratch("opt_class_index");
  std::string csv = "x1,x2,label\n";
  for (int i = 0; i < 30; ++i)
    csv += fmt::format("{},{},{}\n", (i % 3) * 2.0 + 0.1 * (i % 4), 0.2 * (i % 5), i % 3);
  write_text(scratch / "three.csv", csv);
  REQUIRE(run({"train", "three.csv", "--layers", "2,6,3", "--epochs", "30", "--save", "m.json"},
              scratch)
              .exit_code == 0);
  // grad on the saved model with an index column as y equals grad with one-hot rows.
  auto doc = json::parse(read_text(scratch / "m.json"));
  doc["x"] = {{0.0, 0.1}, {2.1, 0.4}, {4.2, 0.0}};
  doc["y"] = {{2}, {1}, {0}};
  write_text(scratch / "index.json", doc.dump());
  doc["y"] = {{0, 0, 1}, {0, 1, 0}, {1, 0, 0}};
  write_text(scratch / "one_hot.json", doc.dump());
  const auto by_index = run({"grad", "index.json"}, scratch);
  CHECK(by_index.exit_code == 0);
  CHECK(by_index.out == run({"grad", "one_hot.json"}, scratch).out);
  // check, dot --scalar and view take them too (the hand derivation sees one-hot rows).
  const auto checked = run({"check", "index.json", "--json"}, scratch);
  CHECK(checked.exit_code == 0);
  CHECK(json::parse(checked.out)["passed"] == true);
  CHECK(run({"dot", "index.json", "--scalar", "--sample", "1"}, scratch).out ==
        run({"dot", "one_hot.json", "--scalar", "--sample", "1"}, scratch).out);
  CHECK(run({"view", "index.json", "-o", "index.html"}, scratch).exit_code == 0);
  doc["y"] = {{2}, {3}, {0}};
  write_text(scratch / "bad.json", doc.dump());
  expect_error({"grad", "bad.json"},
               "bad.json: y[1][0] is 3; softmax_ce class indices must be whole numbers 0..2",
               scratch);
}

// util-linux's script gives the run a terminal.
TEST_CASE("on a terminal the bar is redrawn in place and a compact table stays at the end" *
          doctest::skip(!std::filesystem::exists("/usr/bin/script"))) {
  ScratchFolder scratch("opt_tty");
  const auto command =
      fmt::format("{} train {} --layers 30,4,1 --epochs 30",
                  tapegrad::testing::required_env("TAPEGRAD"), data_file("breast_cancer.csv"));
  const auto shown = tapegrad::testing::run_process("/usr/bin/script",
                                                    {"-qec", command, "/dev/null"}, scratch.path());
  CHECK(shown.exit_code == 0);
  CHECK(shown.out.find("\r[####################] 30/30  loss ") != std::string::npos);
  CHECK(shown.out.find("epoch  train_loss    val_loss  train_acc    val_acc") != std::string::npos);
  CHECK(shown.out.find("  best val_loss") != std::string::npos);
  CHECK(shown.out.find("epoch  1/30  loss") == std::string::npos);  // no plain lines
}

// The page's console blocks are run by tests/docs; the files it shows (the
// meta of the saved model, the history) are checked here. Their numbers come
// from a training run, whose last bits differ between CPUs (BLAS kernels,
// libm): they must agree to 1e-9 relative, the words exactly.
TEST_CASE("docs/command-line.md shows the files train writes") {
  constexpr double kOtherCpu = 1e-9;
  ScratchFolder scratch("opt_docs");
  const std::string page =
      read_text(std::filesystem::path(tapegrad::testing::required_env("TAPEGRAD_SOURCE_DIR")) /
                "docs" / "command-line.md");
  std::filesystem::create_directory_symlink(tapegrad::testing::required_env("TAPEGRAD_DATA_DIR"),
                                            scratch / "data");
  const auto trained = run(
      {"train", "data/breast_cancer.csv", "--layers", "30,16,1", "--epochs", "60", "--lr", "0.003",
       "--keep-best", "--history", "history.csv", "--plot", "training.svg", "--save", "model.json"},
      scratch);
  REQUIRE(trained.exit_code == 0);
  // The meta line, printed by Python's json.dumps: compared as JSON.
  const auto meta_at = page.find("{\"best_epoch\": ");
  REQUIRE(meta_at != std::string::npos);
  const json shown_meta = json::parse(page.substr(meta_at, page.find('\n', meta_at) - meta_at));
  const json meta = meta_of(scratch / "model.json");
  CAPTURE(shown_meta);
  CAPTURE(meta);
  CHECK(tapegrad::testing::same_json_within(shown_meta, meta, kOtherCpu));
  // The history's first lines, without its seconds column, which the clock decides.
  const auto without_seconds = [](const std::string& line) { return line.substr(0, line.rfind(',') + 1); };
  const auto history_at = page.find("\nepoch,train_loss,");
  REQUIRE(history_at != std::string::npos);
  std::istringstream shown(page.substr(history_at + 1)), written(read_text(scratch / "history.csv"));
  for (int k = 0; k < 3; ++k) {
    std::string shown_line, written_line;
    REQUIRE(std::getline(shown, shown_line));
    REQUIRE(std::getline(written, written_line));
    CAPTURE(shown_line);
    CAPTURE(written_line);
    CHECK(tapegrad::testing::same_text_within(without_seconds(shown_line),
                                              without_seconds(written_line), kOtherCpu));
  }
}

TEST_CASE("--seed and --batch: one seed gives the same model, another seed or batch size another") {
  ScratchFolder scratch("opt_seed_batch");
  const auto model = [&](std::vector<std::string> extra, const std::string& name) {
    extra.insert(extra.end(), {"--epochs", "2"});
    REQUIRE(train_breast_cancer(scratch, extra, name).exit_code == 0);
    return read_text(scratch / name);
  };
  const auto a = model({"--seed", "3"}, "a.json");
  CHECK(model({"--seed", "3"}, "b.json") == a);
  CHECK(model({"--seed", "4"}, "c.json") != a);
  CHECK(model({"--seed", "3", "--batch", "500"}, "d.json") != a);
  CHECK(meta_of(scratch / "d.json")["options"]["batch"] == 500);
}

TEST_CASE("--output-activation and --loss must fit, with the model format's message") {
  ScratchFolder scratch("opt_output");
  expect_error(
      {"train", data_file("breast_cancer.csv"), "--layers", "30,1", "--output-activation", "tanh"},
      "train: loss bce needs a sigmoid last layer, but --output-activation is tanh", scratch);
  expect_error(
      {"train", data_file("breast_cancer.csv"), "--layers", "30,2", "--output-activation",
       "sigmoid"},
      "train: loss softmax_ce applies its own softmax and needs an identity last layer, but "
      "--output-activation is sigmoid",
      scratch);
  REQUIRE(train_breast_cancer(scratch,
                              {"--epochs", "2", "--loss", "mse", "--output-activation", "identity"})
              .exit_code == 0);
  const auto spec = tapegrad::io::read_model(scratch / "m.json");
  CHECK(spec.loss == tapegrad::nn::LossKind::mse);
  CHECK(spec.layers.back().activation == tapegrad::nn::Activation::identity);
}
