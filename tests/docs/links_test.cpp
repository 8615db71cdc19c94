// Links: every relative link and image in README.md and docs/*.md resolves, and every page is reachable.
#include <doctest/doctest.h>

#include <cctype>
#include <set>
#include <string>

#include "tests/docs/markdown.hpp"

namespace fs = std::filesystem;
using namespace tapegrad::testing;

namespace {

// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes.
std::string slug(std::string_view heading) {
  std::string s;
  for (const char c : heading) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_') s += static_cast<char>(std::tolower(u));
    else if (c == ' ') s += '-';
  }
  return s;
}

std::set<std::string> anchors(const fs::path& page) {
  std::set<std::string> found;
  for (const auto& line : parse_page(read_file(source_root / page)).prose) {
    if (!line.text.starts_with("#")) continue;
    const auto text = line.text.substr(line.text.find_first_not_of('#'));
    found.insert(slug(text.substr(text.find_first_not_of(' '))));
  }
  return found;
}

bool external(std::string_view target) {
  return target.starts_with("http://") || target.starts_with("https://") || target.starts_with("mailto:");
}

// Links and images of a page, with `<img src="...">` counted as images.
std::vector<Link> page_links(const Page& page) {
  std::vector<Link> all;
  for (const auto& line : page.prose) {
    for (auto& link : links(line.text)) all.push_back(std::move(link));
    std::size_t at = 0;
    while ((at = line.text.find("<img src=\"", at)) != std::string::npos) {
      const auto end = line.text.find('"', at + 10);
      all.push_back({"", line.text.substr(at + 10, end - at - 10), true});
      at = end;
    }
  }
  return all;
}

}  // namespace

TEST_CASE("every relative link and image in README.md and docs/*.md resolves") {
  std::size_t checked = 0;
  for (const auto& page : documentation_pages()) {
    CAPTURE(page.string());
    for (const auto& link : page_links(parse_page(read_file(source_root / page)))) {
      if (external(link.target)) continue;
      CAPTURE(link.target);
      const auto hash = link.target.find('#');
      const std::string file = link.target.substr(0, hash);
      const fs::path resolved = file.empty() ? page : (page.parent_path() / file).lexically_normal();
      CHECK_MESSAGE(!resolved.string().starts_with(".."), "links stay inside the repository");
      REQUIRE_MESSAGE(fs::exists(source_root / resolved), "no such file");
      if (hash != std::string::npos && resolved.extension() == ".md")
        CHECK_MESSAGE(anchors(resolved).contains(link.target.substr(hash + 1)), "no such heading");
      // A link whose text is code names something the target must contain
      // (a function, a type, a test's title), unless it names the file itself.
      if (link.text.size() > 2 && link.text.front() == '`' && link.text.back() == '`' &&
          fs::is_regular_file(source_root / resolved) && resolved.extension() != ".md") {
        std::string name = link.text.substr(1, link.text.size() - 2);
        if (name.ends_with("()")) name.resize(name.size() - 2);
        if (name != resolved.filename().string() && name != resolved.string())
          CHECK_MESSAGE(read_file(source_root / resolved).find(name) != std::string::npos,
                        "the linked file does not contain " << name);
      }
      ++checked;
    }
  }
  CHECK(checked > 50);
}

TEST_CASE("every docs page is reachable from README.md") {
  std::set<fs::path> reached{"README.md"};
  std::vector<fs::path> queue{"README.md"};
  while (!queue.empty()) {
    const fs::path page = queue.back();
    queue.pop_back();
    for (const auto& link : page_links(parse_page(read_file(source_root / page)))) {
      if (external(link.target)) continue;
      const fs::path target = (page.parent_path() / link.target.substr(0, link.target.find('#'))).lexically_normal();
      if (target.extension() == ".md" && fs::exists(source_root / target) && reached.insert(target).second)
        queue.push_back(target);
    }
  }
  for (const auto& page : documentation_pages()) {
    CAPTURE(page.string());
    CHECK(reached.contains(page));
  }
}

TEST_CASE("README.md stays short; the docs stay inside the repository and keep \"seed\" for random seeds") {
  const std::string readme = read_file(source_root / "README.md");
  CHECK(std::count(readme.begin(), readme.end(), '\n') <= 200);
  for (const auto& page : documentation_pages()) {
    CAPTURE(page.string());
    const std::string text = read_file(source_root / page);
    CHECK(text.find("../shared") == std::string::npos);
    CHECK(text.find("ERRATA") == std::string::npos);
    // The worked network is "the 4-3-2-1 example"; a seed is a random seed.
    for (const char* old : {"seed network", "the seed's", "seed_", "seed walkthrough", "seed gradient"})
      CHECK_MESSAGE(text.find(old) == std::string::npos, old);
  }
}
