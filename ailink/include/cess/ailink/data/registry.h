// Datasets named by string, as jobs and the simulation refer to them.
//
//   fashion-mnist              Debian's dataset-fashion-mnist in kFashionMnistDir
//   fashion-mnist:<dir>        the same four files in another directory
//   idx:<train-images>,<train-labels>,<test-images>,<test-labels>
//   csv:<train.csv>,<test.csv> two CSV files (label in the last column, header auto-detected)
#pragma once

#include <string_view>

#include "cess/ailink/data/dataset.h"
#include "cess/core/result.h"

namespace cess::ailink::data {

// Loads the train and test sets named by `spec`. TrainTest::name is "fashion-mnist" for the first
// two forms and the (trimmed) spec itself otherwise; for csv, both sets get the larger of the two
// inferred class counts. Errors: InvalidArgument for an unknown kind or a wrong number of paths;
// those of the loaders; InvalidArgument when train and test disagree on the example shape.
Result<TrainTest> LoadDataset(std::string_view spec);

}  // namespace cess::ailink::data
