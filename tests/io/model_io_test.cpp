// Tests for saving and loading an Mlp through the JSON model format.
#include "io/model_io.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

using namespace tapegrad;
using nn::Activation;
using nn::Mlp;

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::filesystem::path temp_path(const char* name) {
  return std::filesystem::temp_directory_path() / fmt::format("tapegrad_model_io_{}_{}", ::getpid(), name);
}

}  // namespace

TEST_CASE("save, load, save gives identical files and the same network") {
  const auto first = temp_path("first.json"), second = temp_path("second.json");
  Mlp<double> net({4, 5, 3, 2}, {Activation::relu, Activation::tanh, Activation::identity}, 17);
  net.layer(2).b.value[1] = 0.1 + 0.2;  // a value with a long shortest representation
  io::save_mlp(net, first);
  const Mlp<double> loaded = io::load_mlp<double>(first);
  REQUIRE(loaded.depth() == 3);
  for (std::size_t k = 1; k <= 3; ++k) {
    CHECK(loaded.layer(k).W.value == net.layer(k).W.value);
    CHECK(loaded.layer(k).b.value == net.layer(k).b.value);
    CHECK(loaded.layer(k).activation == net.layer(k).activation);
  }
  io::save_mlp(loaded, second);
  CHECK(read_all(first) == read_all(second));
  std::filesystem::remove(first);
  std::filesystem::remove(second);
}

TEST_CASE("a truncated model file gives a clear error naming the file") {
  const auto path = temp_path("truncated.json");
  io::save_mlp(Mlp<double>({4, 3, 2, 1}, Activation::sigmoid, 1), path);
  const std::string text = read_all(path);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text.substr(0, text.size() / 2);
  }
  try {
    (void)io::load_mlp<double>(path);
    FAIL("loading a truncated file did not throw");
  } catch (const io::ModelFormatError& e) {
    const std::string message = e.what();
    CAPTURE(message);
    CHECK(message.find(path.filename().string()) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST_CASE("a float network saves and loads too") {
  const auto path = temp_path("float.json");
  Mlp<float> net({3, 2, 1}, Activation::sigmoid, 4);
  io::save_mlp(net, path);
  const auto loaded = io::load_mlp<float>(path);
  CHECK(loaded.layer(1).W.value == net.layer(1).W.value);
  std::filesystem::remove(path);
}
