#include "cess/ailink/data/registry.h"

#include <algorithm>
#include <string>
#include <vector>

#include "cess/ailink/data/csv.h"
#include "cess/ailink/data/idx.h"

namespace cess::ailink::data {
namespace {

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> SplitPaths(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(',', start);
    out.emplace_back(
        TrimSpace(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::string ShapeText(const std::vector<size_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

Status CheckPaths(const std::vector<std::string>& paths, size_t want, std::string_view spec,
                  std::string_view form) {
  if (paths.size() != want ||
      std::any_of(paths.begin(), paths.end(), [](const auto& p) { return p.empty(); })) {
    return Status::InvalidArgument("dataset '" + std::string(spec) + "': expected " + std::to_string(want) +
                                   " non-empty comma-separated paths (" + std::string(form) + ")");
  }
  return Status::Ok();
}

}  // namespace

Result<TrainTest> LoadDataset(std::string_view spec) {
  const std::string_view text = TrimSpace(spec);
  const size_t colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  const std::string_view rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  const bool has_rest = colon != std::string_view::npos;

  TrainTest out;
  if (kind == "fashion-mnist") {
    if (has_rest && TrimSpace(rest).empty()) {
      return Status::InvalidArgument("dataset '" + std::string(spec) + "': empty directory after ':'");
    }
    CESS_ASSIGN_OR_RETURN(out, has_rest ? LoadFashionMnist(TrimSpace(rest)) : LoadFashionMnist());
  } else if (kind == "idx") {
    const std::vector<std::string> p = SplitPaths(rest);
    CESS_RETURN_IF_ERROR(
        CheckPaths(p, 4, spec, "idx:<train-images>,<train-labels>,<test-images>,<test-labels>"));
    CESS_ASSIGN_OR_RETURN(out.train, LoadIdxDataset(p[0], p[1]));
    CESS_ASSIGN_OR_RETURN(out.test, LoadIdxDataset(p[2], p[3]));
    out.name = std::string(text);
  } else if (kind == "csv") {
    const std::vector<std::string> p = SplitPaths(rest);
    CESS_RETURN_IF_ERROR(CheckPaths(p, 2, spec, "csv:<train.csv>,<test.csv>"));
    CESS_ASSIGN_OR_RETURN(out.train, ReadCsvDataset(p[0]));
    CESS_ASSIGN_OR_RETURN(out.test, ReadCsvDataset(p[1]));
    // Classes are inferred per file (max label + 1); a test set may lack the highest classes.
    const size_t classes = std::max(out.train.num_classes, out.test.num_classes);
    out.train.num_classes = out.test.num_classes = classes;
    out.name = std::string(text);
  } else {
    return Status::InvalidArgument("dataset '" + std::string(spec) + "': unknown kind '" + std::string(kind) +
                                   "'; known: fashion-mnist[:<dir>], idx:<4 paths>, csv:<train>,<test>");
  }
  if (out.train.example_shape != out.test.example_shape) {
    return Status::InvalidArgument("dataset '" + std::string(spec) + "': train examples are " +
                                   ShapeText(out.train.example_shape) + " but test examples are " +
                                   ShapeText(out.test.example_shape));
  }
  return out;
}

}  // namespace cess::ailink::data
