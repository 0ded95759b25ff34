// A CSV reader for tabular datasets: one example per line, numeric feature columns and one
// integer label column.
#pragma once

#include <cstddef>
#include <string>

#include "cess/ailink/data/dataset.h"
#include "cess/core/result.h"

namespace cess::ailink::data {

struct CsvOptions {
  char delimiter = ',';
  // Index of the label column; -1 (default) means the last column.
  int label_column = -1;
  // Whether the first line is a header: kAuto treats it as one when any of its fields is not a
  // number.
  enum class Header { kAuto, kYes, kNo } header = Header::kAuto;
  // Number of classes; 0 (default) means max label + 1.
  size_t num_classes = 0;
};

// Reads `path`: every row must have the same number of fields; features become float32 with
// example shape {columns - 1}; labels must be non-negative integers. Empty lines and a trailing
// newline are ignored; CRLF line ends are accepted; spaces and tabs around a field are ignored
// (quoting is not supported). Errors: NotFound / IoError for the file; InvalidArgument naming the
// file, line and column (both 1-based) for a field that is not a number or not finite as float32,
// a row with a different number of fields, a label that is not a non-negative integer or is >=
// num_classes, fewer than two columns, a label column outside the row, or a file with no rows.
Result<Dataset> ReadCsvDataset(const std::string& path, const CsvOptions& options = {});

}  // namespace cess::ailink::data
