// The RecordStore conformance suite: the contract of services/records/domain/record_store.h as a
// parameterized test. Every store implementation instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, RecordStoreConformanceTest,
//                            ::testing::Values(&MakeSqliteStoreUnderTest));
//
// (sqlite_record_store_test.cc and postgres_record_store_test.cc do).
#ifndef SERVICES_RECORDS_STORE_RECORD_STORE_CONFORMANCE_H_
#define SERVICES_RECORDS_STORE_RECORD_STORE_CONFORMANCE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "casework/v1/case.pb.h"
#include "casework/v1/team.pb.h"
#include "gtest/gtest.h"
#include "services/records/domain/clock.h"
#include "services/records/domain/record_store.h"

namespace casework::records {

// One database for one test: Open() may be called again after the previous store was destroyed,
// and must then reopen the same data (durability).
class StoreUnderTest {
 public:
  virtual ~StoreUnderTest() = default;
  virtual std::unique_ptr<RecordStore> Open(const Clock& clock) = 0;
};

using StoreUnderTestFactory = std::unique_ptr<StoreUnderTest> (*)();

class RecordStoreConformanceTest : public ::testing::TestWithParam<StoreUnderTestFactory> {
 protected:
  void SetUp() override;
  RecordStore& store() { return *store_; }
  void Reopen();

  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<StoreUnderTest> database_;
  std::unique_ptr<RecordStore> store_;
};

// Helpers of the suite's tests (record_store_conformance.cc,
// record_store_retention_conformance.cc).
namespace conformance {

// Runs a unit or a read and waits for its answer.
absl::StatusOr<std::string> RunWrite(RecordStore& store, WriteUnit unit);
absl::StatusOr<std::string> RunRead(RecordStore& store, ReadWork work,
                                    std::optional<casework::v1::AuditEntry> audit = {});
// A unit of organisation "o", caller "caller".
WriteUnit Unit(WriteWork work, std::string request_id = "", std::string fingerprint = "f");
casework::v1::Team Team(const std::string& org, const std::string& id, const std::string& etag);
// Open case `c<i>` of `team`, created at `create_seconds`.
casework::v1::Case Case(const std::string& team, int i, int64_t create_seconds);
// Inserts `resources` in one unit.
void InsertAll(RecordStore& store, std::vector<const google::protobuf::Message*> resources);

}  // namespace conformance

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_RECORD_STORE_CONFORMANCE_H_
