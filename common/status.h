// Conversions between absl::Status (used across our code) and grpc::Status
// (used only at the gRPC boundary). The canonical codes have the same numbers.
#ifndef SCR_COMMON_STATUS_H_
#define SCR_COMMON_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace scr::common {

// Maps code and message one to one.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Maps code and message one to one.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace scr::common

// Evaluates an expression returning absl::Status and returns it on error.
#define SCR_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status scr_status_ = (expr);       \
    if (!scr_status_.ok()) return scr_status_; \
  } while (0)

#define SCR_STATUS_CONCAT_INNER_(a, b) a##b
#define SCR_STATUS_CONCAT_(a, b) SCR_STATUS_CONCAT_INNER_(a, b)

// SCR_ASSIGN_OR_RETURN(auto x, StatusOrExpr()); returns the status on error.
#define SCR_ASSIGN_OR_RETURN(lhs, rexpr) \
  SCR_ASSIGN_OR_RETURN_IMPL_(SCR_STATUS_CONCAT_(scr_statusor_, __LINE__), lhs, rexpr)
#define SCR_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (!statusor.ok()) return statusor.status();          \
  lhs = std::move(statusor).value()

#endif  // SCR_COMMON_STATUS_H_
