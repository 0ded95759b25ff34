#include "cess/ailink/data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cess/core/file_util.h"

namespace cess::ailink::data {
namespace {

std::string_view TrimField(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses a whole field as a float (an optional leading '+' is accepted). False when it is not a
// number; non-finite values ("nan", "inf", overflow) are reported through `finite`.
bool ParseFloat(std::string_view s, float* out, bool* finite) {
  s = TrimField(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (end != s.data() + s.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    *finite = false;
    return true;
  }
  if (ec != std::errc()) return false;
  *out = static_cast<float>(v);
  *finite = std::isfinite(v) && std::isfinite(*out);
  return true;
}

// Parses a whole field as a non-negative integer label. False otherwise.
bool ParseLabel(std::string_view s, int64_t* out) {
  s = TrimField(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && *out >= 0 && *out <= INT32_MAX;
}

void SplitFields(std::string_view line, char delimiter, std::vector<std::string_view>* fields) {
  fields->clear();
  size_t start = 0;
  for (;;) {
    const size_t at = line.find(delimiter, start);
    if (at == std::string_view::npos) {
      fields->push_back(line.substr(start));
      return;
    }
    fields->push_back(line.substr(start, at - start));
    start = at + 1;
  }
}

}  // namespace

Result<Dataset> ReadCsvDataset(const std::string& path, const CsvOptions& options) {
  CESS_ASSIGN_OR_RETURN(Bytes file, ReadFile(path));
  const std::string_view text(reinterpret_cast<const char*>(file.data()), file.size());
  const std::string where = "'" + path + "'";

  Dataset ds;
  size_t columns = 0;
  size_t label_col = 0;
  bool first = true;
  int64_t max_label = -1;
  std::vector<std::string_view> fields;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimField(line).empty()) continue;
    SplitFields(line, options.delimiter, &fields);
    const std::string at = where + " line " + std::to_string(line_no);

    if (first) {
      first = false;
      columns = fields.size();
      if (columns < 2) {
        return Status::InvalidArgument(at + ": " + std::to_string(columns) +
                                       " column(s); need at least one feature column and a label column");
      }
      if (options.label_column < 0) {
        label_col = columns - 1;
      } else if (static_cast<size_t>(options.label_column) >= columns) {
        return Status::InvalidArgument(at + ": label column " + std::to_string(options.label_column) +
                                       " is outside the " + std::to_string(columns) + " columns");
      } else {
        label_col = static_cast<size_t>(options.label_column);
      }
      bool header = options.header == CsvOptions::Header::kYes;
      if (options.header == CsvOptions::Header::kAuto) {
        for (std::string_view f : fields) {
          float v = 0;
          bool finite = true;
          if (!ParseFloat(f, &v, &finite)) {
            header = true;
            break;
          }
        }
      }
      ds.example_shape = {columns - 1};
      if (header) continue;
    }

    if (fields.size() != columns) {
      return Status::InvalidArgument(at + ": " + std::to_string(fields.size()) + " fields, expected " +
                                     std::to_string(columns) + " (as on the first row)");
    }
    for (size_t c = 0; c < columns; ++c) {
      if (c == label_col) {
        int64_t label = 0;
        if (!ParseLabel(fields[c], &label)) {
          return Status::InvalidArgument(at + ", column " + std::to_string(c + 1) + ": label '" +
                                         std::string(TrimField(fields[c])) +
                                         "' is not a non-negative integer");
        }
        if (options.num_classes != 0 && static_cast<size_t>(label) >= options.num_classes) {
          return Status::InvalidArgument(at + ", column " + std::to_string(c + 1) + ": label " +
                                         std::to_string(label) + " is outside [0, " +
                                         std::to_string(options.num_classes) + ")");
        }
        max_label = std::max(max_label, label);
        ds.labels.push_back(static_cast<int32_t>(label));
        continue;
      }
      float v = 0;
      bool finite = true;
      if (!ParseFloat(fields[c], &v, &finite)) {
        return Status::InvalidArgument(at + ", column " + std::to_string(c + 1) + ": '" +
                                       std::string(TrimField(fields[c])) + "' is not a number");
      }
      if (!finite) {
        return Status::InvalidArgument(at + ", column " + std::to_string(c + 1) + ": '" +
                                       std::string(TrimField(fields[c])) + "' is not a finite float32");
      }
      ds.features.push_back(v);
    }
  }
  if (ds.labels.empty()) return Status::InvalidArgument(where + ": no data rows");
  ds.num_classes = options.num_classes != 0 ? options.num_classes : static_cast<size_t>(max_label) + 1;
  return ds;
}

}  // namespace cess::ailink::data
