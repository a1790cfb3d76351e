// Early-return helpers for absl::Status, standing in for the macros Abseil 20220623 lacks
// (ABSL_RETURN_IF_ERROR / ASSIGN_OR_RETURN); named so they can be swapped for Abseil's later.
#ifndef LIBS_STATUS_STATUS_MACROS_H_
#define LIBS_STATUS_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CASEWORK_STATUS_CONCAT_INNER(a, b) a##b
#define CASEWORK_STATUS_CONCAT(a, b) CASEWORK_STATUS_CONCAT_INNER(a, b)

// Returns the status of `expr` from the enclosing function when it is not OK.
#define CASEWORK_RETURN_IF_ERROR(expr)                                      \
  do {                                                                      \
    if (::absl::Status casework_status_ = (expr); !casework_status_.ok()) { \
      return casework_status_;                                              \
    }                                                                       \
  } while (false)

// Declares/assigns `lhs` from the value of the StatusOr `expr`, or returns its status.
#define CASEWORK_ASSIGN_OR_RETURN(lhs, expr) \
  CASEWORK_ASSIGN_OR_RETURN_IMPL(CASEWORK_STATUS_CONCAT(casework_statusor_, __LINE__), lhs, expr)
#define CASEWORK_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

#endif  // LIBS_STATUS_STATUS_MACROS_H_
