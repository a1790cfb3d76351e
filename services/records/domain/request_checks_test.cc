// Update masks (FieldMaskUtil), violations (with the identifying-information guard's table),
// etags.
#include "services/records/domain/request_checks.h"

#include "casework/v1/action_item.pb.h"
#include "gtest/gtest.h"
#include "libs/text_guard/testing/guard_cases.h"

namespace casework::records {
namespace {

const std::vector<std::string> kMutable = {"owner", "owner_role", "text", "due_time", "state"};

TEST(RequestChecksTest, UpdateMasksChangeOnlyTheNamedMutableFields) {
  casework::v1::ActionItem stored;
  stored.set_owner("u-1");
  stored.set_text("before");
  stored.set_creator("u-9");
  casework::v1::ActionItem patch;
  patch.set_owner("u-2");
  patch.set_text("after");
  patch.set_creator("forged");
  google::protobuf::FieldMask mask;
  mask.add_paths("text");
  auto checked = CheckUpdateMask(mask, *casework::v1::ActionItem::descriptor(), kMutable);
  ASSERT_TRUE(checked.ok()) << checked.status();
  ApplyUpdateMask(patch, *checked, stored);
  EXPECT_EQ(stored.text(), "after");
  EXPECT_EQ(stored.owner(), "u-1");
  EXPECT_EQ(stored.creator(), "u-9");

  mask.set_paths(0, "*");
  checked = CheckUpdateMask(mask, *casework::v1::ActionItem::descriptor(), kMutable);
  ASSERT_TRUE(checked.ok());
  ApplyUpdateMask(patch, *checked, stored);
  EXPECT_EQ(stored.owner(), "u-2");
  EXPECT_EQ(stored.creator(), "u-9");  // "*" means every mutable field, not output-only ones
}

TEST(RequestChecksTest, MasksNamingUnknownOrImmutableFieldsAreRefused) {
  for (const char* path : {"creator", "etag", "no_such_field", "create_time"}) {
    google::protobuf::FieldMask mask;
    mask.add_paths(path);
    auto checked = CheckUpdateMask(mask, *casework::v1::ActionItem::descriptor(), kMutable);
    EXPECT_EQ(checked.status().code(), absl::StatusCode::kInvalidArgument) << path;
  }
  EXPECT_FALSE(CheckUpdateMask({}, *casework::v1::ActionItem::descriptor(), kMutable).ok());
}

TEST(RequestChecksTest, ViolationsCarryEveryFieldAndIdentifyingTextHasItsOwnReason) {
  Violations violations;
  violations.CheckText("a", "", 1, 10);
  violations.CheckText("b", "way too long for ten", 0, 10);
  absl::Status status = violations.ToStatus();
  EXPECT_EQ(ErrorReason(status), "FIELD_INVALID");
  EXPECT_EQ(GetBadRequest(status)->field_violations_size(), 2);

  Violations guarded;
  guarded.CheckText("note", "write to x.y@example.org", 0, 100);
  status = guarded.ToStatus();
  EXPECT_EQ(ErrorReason(status), "IDENTIFYING_INFORMATION");
  EXPECT_EQ(GetErrorInfo(status)->metadata().at("kind"), "EMAIL_ADDRESS");
  EXPECT_EQ(std::string(status.message()).find("example.org"), std::string::npos);
}

// Every free text of the records service passes the shared guard: the table of texts refused
// and passed (libs/text_guard/testing/guard_cases.h) holds for a record's text field too.
TEST(RequestChecksTest, FreeTextsPassTheSharedGuardTable) {
  for (const auto& row : text_guard::testing::RefusedTexts()) {
    SCOPED_TRACE(row.text);
    Violations violations;
    violations.CheckText("summary", row.text, 0, 2000);
    const absl::Status status = violations.ToStatus();
    EXPECT_EQ(ErrorReason(status), "IDENTIFYING_INFORMATION");
    std::string kind = casework::v1::IdentifyingInformationKind_Name(row.kind);
    EXPECT_EQ(GetErrorInfo(status)->metadata().at("kind"),
              kind.substr(std::string("IDENTIFYING_INFORMATION_KIND_").size()));
  }
  for (const auto& row : text_guard::testing::PassingTexts()) {
    SCOPED_TRACE(row.text);
    Violations violations;
    violations.CheckText("summary", row.text, 0, 2000);
    EXPECT_TRUE(violations.ToStatus().ok());
  }
}

TEST(RequestChecksTest, EtagsChangeOnEveryWrite) {
  const std::string first = NextEtag("", 1000);
  const std::string second = NextEtag(first, 1000);
  EXPECT_NE(first, second);
  EXPECT_NE(second, NextEtag(second, 1000));
  EXPECT_NE(first, NextEtag("", 1001));  // a re-created resource starts afresh
  EXPECT_EQ(EtagMismatch("e").code(), absl::StatusCode::kAborted);
}

}  // namespace
}  // namespace casework::records
