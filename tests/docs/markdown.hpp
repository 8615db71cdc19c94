// Markdown: the few pieces of a documentation page the doc tests read (pages, code spans, links, fenced blocks).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tapegrad::testing {

inline const std::filesystem::path source_root = TAPEGRAD_SOURCE_DIR;

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// README.md and every docs/*.md, relative to the source root, sorted.
inline std::vector<std::filesystem::path> documentation_pages() {
  std::vector<std::filesystem::path> pages{"README.md"};
  for (const auto& entry : std::filesystem::directory_iterator(source_root / "docs"))
    if (entry.path().extension() == ".md") pages.push_back(std::filesystem::relative(entry.path(), source_root));
  std::sort(pages.begin() + 1, pages.end());
  return pages;
}

/// One line of a page outside fenced code blocks, with its 1-based number.
struct ProseLine {
  std::size_t number;
  std::string text;
};

/// A fenced code block: its info string (`cpp`, `json`, ...), its text and the
/// HTML comment directly above it, if any (`<!-- ... -->`, without the markers).
struct FencedBlock {
  std::size_t line;  ///< line of the opening fence
  std::string info;
  std::string text;
  std::string marker;
};

struct Page {
  std::vector<ProseLine> prose;
  std::vector<FencedBlock> blocks;
};

inline Page parse_page(std::string_view text) {
  Page page;
  std::istringstream in{std::string(text)};
  std::string line, previous;
  std::size_t number = 0;
  FencedBlock* open = nullptr;
  while (std::getline(in, line)) {
    ++number;
    if (line.starts_with("```")) {
      if (open) {
        open = nullptr;
      } else {
        FencedBlock block{number, line.substr(3), "", ""};
        if (previous.starts_with("<!--") && previous.ends_with("-->"))
          block.marker = previous.substr(4, previous.size() - 7);
        block.marker.erase(0, block.marker.find_first_not_of(' '));
        block.marker.erase(block.marker.find_last_not_of(' ') + 1);
        page.blocks.push_back(block);
        open = &page.blocks.back();
      }
    } else if (open) {
      open->text += line + "\n";
    } else {
      page.prose.push_back({number, line});
    }
    previous = line;
  }
  if (open) throw std::runtime_error("unclosed code block at line " + std::to_string(open->line));
  return page;
}

/// The inline code spans of one line of prose (single backticks).
inline std::vector<std::string> code_spans(std::string_view line) {
  std::vector<std::string> spans;
  std::size_t at = 0;
  while ((at = line.find('`', at)) != std::string_view::npos) {
    const auto end = line.find('`', at + 1);
    if (end == std::string_view::npos) break;
    spans.emplace_back(line.substr(at + 1, end - at - 1));
    at = end + 1;
  }
  return spans;
}

/// A link or image `[text](target)` in prose.
struct Link {
  std::string text;
  std::string target;
  bool image;
};

inline std::vector<Link> links(std::string_view line) {
  std::vector<Link> found;
  std::size_t at = 0;
  while ((at = line.find("](", at)) != std::string_view::npos) {
    const auto close = line.find(')', at + 2);
    // The text runs back to the matching '[' (link texts here hold no brackets but code spans may).
    std::size_t open = at, depth = 0;
    while (open > 0) {
      --open;
      if (line[open] == ']') ++depth;
      if (line[open] == '[') {
        if (depth == 0) break;
        --depth;
      }
    }
    if (close == std::string_view::npos || line[open] != '[') {
      at += 2;
      continue;
    }
    found.push_back({std::string(line.substr(open + 1, at - open - 1)),
                     std::string(line.substr(at + 2, close - at - 2)), open > 0 && line[open - 1] == '!'});
    at = close + 1;
  }
  return found;
}

}  // namespace tapegrad::testing
