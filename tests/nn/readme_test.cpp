// The README's nn example is the compiled examples/readme_mlp.cpp, character for character.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the README's nn section quotes examples/readme_mlp.cpp exactly") {
  const std::filesystem::path root = TAPEGRAD_SOURCE_DIR;
  const std::string readme = read_all(root / "README.md");
  const std::string program = read_all(root / "examples" / "readme_mlp.cpp");
  const auto section = readme.find("<!-- section: nn -->");
  REQUIRE(section != std::string::npos);
  const auto next = readme.find("<!-- section:", section + 1);
  const std::string nn = readme.substr(section, next == std::string::npos ? std::string::npos : next - section);
  const std::string open = "```cpp\n";
  const auto start = nn.find(open);
  REQUIRE(start != std::string::npos);
  const auto end = nn.find("```\n", start + open.size());
  REQUIRE(end != std::string::npos);
  CHECK(nn.substr(start + open.size(), end - start - open.size()) == program);
}

TEST_CASE("docs/training.md quotes examples/training_loop.cpp exactly") {
  const std::filesystem::path root = TAPEGRAD_SOURCE_DIR;
  const std::string page = read_all(root / "docs" / "training.md");
  const std::string program = read_all(root / "examples" / "training_loop.cpp");
  const std::string open = "```cpp\n";
  const auto start = page.find(open);
  REQUIRE(start != std::string::npos);
  const auto end = page.find("```\n", start + open.size());
  REQUIRE(end != std::string::npos);
  CHECK(page.substr(start + open.size(), end - start - open.size()) == program);
}
