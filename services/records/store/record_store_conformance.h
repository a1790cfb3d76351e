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

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_RECORD_STORE_CONFORMANCE_H_
