#include "common/status.h"

#include <gtest/gtest.h>

namespace scr::common {
namespace {

TEST(StatusTest, RoundTripKeepsCodeAndMessage) {
  for (auto code : {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
                    absl::StatusCode::kResourceExhausted, absl::StatusCode::kUnavailable}) {
    absl::Status s(code, "field x: bad");
    grpc::Status g = ToGrpcStatus(s);
    EXPECT_EQ(static_cast<int>(g.error_code()), static_cast<int>(code));
    EXPECT_EQ(g.error_message(), "field x: bad");
    EXPECT_EQ(FromGrpcStatus(g), s);
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace scr::common
