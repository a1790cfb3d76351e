// The retention policy over a real channel (GetRetentionPolicy, UpdateRetentionPolicy): every
// entitled reader sees the server defaults until an admin changes them; durations outside their
// bounds are refused with a field violation naming the limit, and exactly the bounds are allowed;
// a stale etag is ABORTED and a retried request answers its first response; every call, refused
// ones included, is audited. (Who gets NOT_FOUND or PERMISSION_DENIED, caller by caller, is in
// records_access_test's matrix.)
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "services/records/domain/proto_time.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

using Stub = v1::RecordsService::Stub;
using records::FromProtoDuration;
using records::ToProtoDuration;

constexpr char kPolicy[] = "organizations/o1/retentionPolicy";
constexpr absl::Duration kDay = absl::Hours(24);

v1::RetentionPolicy Get(Stub& stub, const std::string& token, grpc::Status* status = nullptr) {
  v1::GetRetentionPolicyRequest request;
  request.set_name(kPolicy);
  v1::RetentionPolicy policy;
  const grpc::Status answer = Call(stub, &Stub::GetRetentionPolicy, token, request, &policy);
  if (status != nullptr) *status = answer;
  EXPECT_TRUE(status != nullptr || answer.ok()) << answer.error_message();
  return policy;
}

v1::UpdateRetentionPolicyRequest Update(const std::string& etag,
                                        std::vector<std::pair<std::string, absl::Duration>> set) {
  v1::UpdateRetentionPolicyRequest request;
  request.set_request_id(NewRequestId());
  request.mutable_retention_policy()->set_name(kPolicy);
  request.mutable_retention_policy()->set_etag(etag);
  for (const auto& [field, value] : set) {
    request.mutable_update_mask()->add_paths(field);
    const auto* descriptor = v1::RetentionPolicy::descriptor()->FindFieldByName(field);
    request.mutable_retention_policy()
        ->GetReflection()
        ->MutableMessage(request.mutable_retention_policy(), descriptor)
        ->CopyFrom(ToProtoDuration(value));
  }
  return request;
}

grpc::Status Send(Stub& stub, const std::string& token,
                  const v1::UpdateRetentionPolicyRequest& request,
                  v1::RetentionPolicy* policy = nullptr) {
  v1::RetentionPolicy ignored;
  return Call(stub, &Stub::UpdateRetentionPolicy, token, request,
              policy != nullptr ? policy : &ignored);
}

class RecordsRetentionPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = RecordsTestServer::Start();
    ASSERT_NE(server_, nullptr);
    SeedTeam(server_->stub(), "o1");
  }
  Stub& stub() { return server_->stub(); }
  std::unique_ptr<RecordsTestServer> server_;
};

TEST_F(RecordsRetentionPolicyTest, EntitledReadersSeeTheDefaultsUntilAnAdminChangesThem) {
  const v1::RetentionPolicy defaults = Get(stub(), AdminToken());
  EXPECT_EQ(defaults.name(), kPolicy);
  EXPECT_EQ(FromProtoDuration(defaults.session_log_retention()), 30 * kDay);
  EXPECT_EQ(FromProtoDuration(defaults.closed_case_retention()), 2557 * kDay);
  EXPECT_EQ(FromProtoDuration(defaults.session_record_retention()), 1827 * kDay);
  EXPECT_FALSE(defaults.has_update_time());
  EXPECT_FALSE(defaults.etag().empty());
  for (const std::string& token : {AuditorToken(), SessionServiceToken(),
                                   NotificationServiceToken(), SessionServiceToken("o1")}) {
    EXPECT_EQ(Get(stub(), token).SerializeAsString(), defaults.SerializeAsString());
  }

  v1::RetentionPolicy changed;
  ASSERT_TRUE(Send(stub(), AdminToken(),
                   Update(defaults.etag(), {{"closed_case_retention", 3650 * kDay}}), &changed)
                  .ok());
  EXPECT_EQ(FromProtoDuration(changed.closed_case_retention()), 3650 * kDay);
  EXPECT_EQ(FromProtoDuration(changed.session_log_retention()), 30 * kDay);  // still the default
  EXPECT_EQ(records::FromProtoTime(changed.update_time()), server_->clock().Now());
  EXPECT_NE(changed.etag(), defaults.etag());
  for (const std::string& token : {AdminToken(), AuditorToken(), SessionServiceToken()}) {
    EXPECT_EQ(Get(stub(), token).SerializeAsString(), changed.SerializeAsString());
  }
}

TEST_F(RecordsRetentionPolicyTest, DurationsOutsideTheirBoundsAreRefusedNamingTheLimit) {
  const std::string etag = Get(stub(), AdminToken()).etag();
  const grpc::Status refused = Send(stub(), AdminToken(),
                                    Update(etag, {{"session_log_retention", absl::Minutes(59)},
                                                  {"closed_case_retention", absl::Hours(23)},
                                                  {"session_record_retention", 36526 * kDay}}));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(refused), "FIELD_INVALID");
  const auto bad_request = GetBadRequest(FromGrpcStatus(refused));
  ASSERT_TRUE(bad_request.has_value());
  std::map<std::string, std::string> violations;
  for (const auto& violation : bad_request->field_violations()) {
    violations[violation.field()] = violation.description();
  }
  EXPECT_EQ(violations,
            (std::map<std::string, std::string>{
                {"retention_policy.session_log_retention", "must be at least 1 hour (3600s)"},
                {"retention_policy.closed_case_retention", "must be at least 1 day (86400s)"},
                {"retention_policy.session_record_retention",
                 "must be at most 100 years (36525 days, 3155760000s)"}}));
  EXPECT_EQ(
      Reason(Send(stub(), AdminToken(), Update(etag, {{"session_log_retention", 366 * kDay}}))),
      "FIELD_INVALID");
  v1::UpdateRetentionPolicyRequest not_a_duration = Update(etag, {{"closed_case_retention", kDay}});
  not_a_duration.mutable_retention_policy()->mutable_closed_case_retention()->set_nanos(-1);
  EXPECT_EQ(Reason(Send(stub(), AdminToken(), not_a_duration)), "FIELD_INVALID");
  for (const char* output_only : {"update_time", "etag", "name"}) {
    v1::UpdateRetentionPolicyRequest request = Update(etag, {});
    request.mutable_update_mask()->add_paths(output_only);
    EXPECT_EQ(Send(stub(), AdminToken(), request).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << output_only;
  }
  EXPECT_EQ(Get(stub(), AdminToken()).etag(), etag) << "a refused update changed the policy";

  // The bounds themselves are allowed.
  EXPECT_TRUE(Send(stub(), AdminToken(),
                   Update(etag, {{"session_log_retention", absl::Hours(1)},
                                 {"closed_case_retention", kDay},
                                 {"session_record_retention", 36525 * kDay}}))
                  .ok());
}

TEST_F(RecordsRetentionPolicyTest, AStaleEtagIsAbortedAndARetryAnswersTheFirstResponse) {
  const std::string first_etag = Get(stub(), AdminToken()).etag();
  const v1::UpdateRetentionPolicyRequest first =
      Update(first_etag, {{"session_record_retention", 400 * kDay}});
  v1::RetentionPolicy answer, retried;
  ASSERT_TRUE(Send(stub(), AdminToken(), first, &answer).ok());
  ASSERT_TRUE(Send(stub(), AdminToken(), first, &retried).ok());
  EXPECT_EQ(retried.SerializeAsString(), answer.SerializeAsString());

  const grpc::Status stale =
      Send(stub(), AdminToken(), Update(first_etag, {{"session_record_retention", 2 * kDay}}));
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Reason(stale), "ETAG_MISMATCH");
  const auto info = GetErrorInfo(FromGrpcStatus(stale));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("current_etag"), answer.etag());

  v1::UpdateRetentionPolicyRequest reused = first;
  *reused.mutable_retention_policy()->mutable_session_record_retention() =
      ToProtoDuration(500 * kDay);
  EXPECT_EQ(Reason(Send(stub(), AdminToken(), reused)), "REQUEST_ID_REUSED");

  // Every field named but none set: back to the defaults.
  v1::UpdateRetentionPolicyRequest reset = Update(answer.etag(), {});
  reset.mutable_update_mask()->add_paths("*");
  v1::RetentionPolicy defaults;
  ASSERT_TRUE(Send(stub(), AdminToken(), reset, &defaults).ok());
  EXPECT_EQ(FromProtoDuration(defaults.session_record_retention()), 1827 * kDay);
  EXPECT_TRUE(defaults.has_update_time());
}

TEST_F(RecordsRetentionPolicyTest, EveryCallRefusedOnesIncludedIsAudited) {
  grpc::Status status;
  Get(stub(), AdminToken());
  Get(stub(), SupervisorToken(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  Get(stub(), SessionServiceToken());
  const std::string etag = Get(stub(), AuditorToken()).etag();
  const v1::UpdateRetentionPolicyRequest denied = Update(etag, {{"closed_case_retention", kDay}});
  EXPECT_EQ(Send(stub(), AuditorToken(), denied).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  const v1::UpdateRetentionPolicyRequest update = Update(etag, {{"closed_case_retention", kDay}});
  ASSERT_TRUE(Send(stub(), AdminToken(), update).ok());

  v1::ListAuditEntriesRequest list;
  list.set_parent("organizations/o1");
  list.set_filter(absl::StrCat("resource = \"", kPolicy, "\""));
  v1::ListAuditEntriesResponse entries;
  ASSERT_TRUE(Call(stub(), &Stub::ListAuditEntries, AuditorToken(), list, &entries).ok());
  std::vector<std::string> seen;  // oldest first
  for (const v1::AuditEntry& entry : entries.audit_entries()) {
    seen.insert(seen.begin(), absl::StrCat(entry.actor(), " ",
                                           entry.method().substr(entry.method().rfind('/') + 1),
                                           " ", google::rpc::Code_Name(entry.outcome()), " ",
                                           entry.reason(), " ", entry.request_id()));
  }
  EXPECT_EQ(
      seen,
      (std::vector<std::string>{
          "admin-1 GetRetentionPolicy OK  ",
          "sup-1 GetRetentionPolicy PERMISSION_DENIED ROLE_REQUIRED ",
          "session-service GetRetentionPolicy OK  ", "auditor-1 GetRetentionPolicy OK  ",
          "auditor-1 UpdateRetentionPolicy PERMISSION_DENIED ROLE_REQUIRED " + denied.request_id(),
          "admin-1 UpdateRetentionPolicy OK  " + update.request_id()}));
}

}  // namespace
}  // namespace casework::testing
