// Update validation: shape, finite values, norm bound; reasons name the row.
#include "cess/ailink/update.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reference.h"

namespace cess::ailink {
namespace {

using testing::RandomUpdates;

TEST(UpdateMatrix, BasicsAndCopies) {
  UpdateMatrix m(2, 3, 1.5f);
  EXPECT_EQ(m.rows(), 2u);
  EXPECT_EQ(m.cols(), 3u);
  m.row(1)[2] = 7;
  UpdateMatrix c = m.Clone();
  m.row(1)[2] = 8;
  EXPECT_EQ(c.row(1)[2], 7);
  EXPECT_EQ(c.row(0)[0], 1.5f);
  EXPECT_FALSE(UpdateMatrix::FromRows({{1, 2}, {3}}).ok());
  auto r = UpdateMatrix::FromRows({{1, 2}, {3, 4}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->view().row(1)[0], 3);
}

TEST(ValidateUpdates, AcceptsGoodUpdates) {
  const UpdateMatrix m = RandomUpdates(5, 1000, 1);
  EXPECT_TRUE(ValidateUpdates(m.view()).ok());
  EXPECT_TRUE(ValidateUpdates(m.view(), {.expected_cols = 1000, .max_norm = 1e6}).ok());
  EXPECT_TRUE(FindInvalidRows(m.view()).empty());
}

TEST(ValidateUpdates, RejectsNonFiniteRowsNamingThem) {
  UpdateMatrix m = RandomUpdates(6, 200000, 2);
  m.row(2)[150001] = std::numeric_limits<float>::infinity();
  m.row(4)[3] = std::nanf("");
  m.row(4)[9] = -std::numeric_limits<float>::infinity();
  m.row(5)[199999] = -std::numeric_limits<float>::infinity();
  const std::vector<RowIssue> issues = FindInvalidRows(m.view());
  ASSERT_EQ(issues.size(), 3u);
  EXPECT_EQ(issues[0].row, 2u);
  EXPECT_EQ(issues[0].reason, "value at coordinate 150001 is +inf");
  EXPECT_EQ(issues[1].row, 4u);
  EXPECT_EQ(issues[1].reason, "value at coordinate 3 is nan");
  EXPECT_EQ(issues[2].reason, "value at coordinate 199999 is -inf");
  const Status s = ValidateUpdates(m.view());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "update 2: value at coordinate 150001 is +inf (and 2 more bad updates)");
}

TEST(ValidateUpdates, NormBoundAndShape) {
  UpdateMatrix m(3, 4, 1.0f);  // norms 2
  for (float& v : m.row(1)) v = 10.0f;  // norm 20
  EXPECT_TRUE(ValidateUpdates(m.view(), {.max_norm = 25}).ok());
  const Status s = ValidateUpdates(m.view(), {.max_norm = 5});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "update 1: L2 norm 20 exceeds bound 5");
  EXPECT_EQ(ValidateUpdates(m.view(), {.expected_cols = 5}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateUpdates(MatrixView{nullptr, 0, 4}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateUpdates(MatrixView{nullptr, 2, 4}).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cess::ailink
