// Small helpers shared by the AI-LINK benchmark programs.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace cess::bench {

// "a,b,,c" -> {"a", "b", "c"}: the comma-separated items of a flag value, empty ones dropped.
inline std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace cess::bench
