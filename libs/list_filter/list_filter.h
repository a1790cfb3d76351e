// The AIP-160 subset every List RPC accepts (the records service's lists, ListSessions):
// comparisons joined with AND, e.g.
// `state = OPEN AND due_time < "2024-06-01T00:00:00Z"`. Operators =, !=, <, <=, >, >= and ":"
// (has, for repeated fields). Values: bare words or double-quoted strings; enum values by their
// name with or without the type prefix (OPEN or ACTION_ITEM_STATE_OPEN); booleans true/false;
// timestamps in RFC 3339. Evaluated against the protobuf message by reflection.
#ifndef LIBS_LIST_FILTER_LIST_FILTER_H_
#define LIBS_LIST_FILTER_LIST_FILTER_H_

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace casework {

class ListFilter {
 public:
  // Parses `text` for messages of `type`, allowing only top-level `fields`. A malformed filter is
  // INVALID_ARGUMENT (FIELD_INVALID on "filter").
  static absl::StatusOr<ListFilter> Parse(absl::string_view text,
                                          const google::protobuf::Descriptor& type,
                                          const std::vector<std::string>& fields);

  bool Matches(const google::protobuf::Message& message) const;

  // The value of an `=` comparison on `field` (enum values as their number in decimal), if the
  // filter has one; lets the store narrow a list before the filter runs.
  std::optional<std::string> EqualityOn(absl::string_view field) const;

 private:
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kHas };
  struct Comparison {
    const google::protobuf::FieldDescriptor* field = nullptr;
    Op op = Op::kEq;
    std::string text;    // strings
    int64_t number = 0;  // enums, integers, booleans
    absl::Time time;     // timestamps
  };
  bool Holds(const google::protobuf::Message& message, const Comparison& comparison) const;

  std::vector<Comparison> comparisons_;
};

}  // namespace casework

#endif  // LIBS_LIST_FILTER_LIST_FILTER_H_
