// The RecordStore contract, test by test.
#include "services/records/store/record_store_conformance.h"

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "casework/v1/action_item.pb.h"
#include "casework/v1/case.pb.h"
#include "casework/v1/team.pb.h"
#include "libs/status/errors.h"
#include "services/records/domain/proto_time.h"

namespace casework::records {
namespace conformance {

absl::StatusOr<std::string> RunWrite(RecordStore& store, WriteUnit unit) {
  absl::Notification done;
  absl::StatusOr<std::string> result;
  store.Write(std::move(unit), [&](absl::StatusOr<std::string> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

absl::StatusOr<std::string> RunRead(RecordStore& store, ReadWork work,
                                    std::optional<casework::v1::AuditEntry> audit) {
  absl::Notification done;
  absl::StatusOr<std::string> result;
  store.Read(std::move(work), std::move(audit), [&](absl::StatusOr<std::string> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

WriteUnit Unit(WriteWork work, std::string request_id, std::string fingerprint) {
  WriteUnit unit;
  unit.idempotency = {"o", "caller", std::move(request_id)};
  unit.fingerprint = std::move(fingerprint);
  unit.work = std::move(work);
  return unit;
}

casework::v1::Team Team(const std::string& org, const std::string& id, const std::string& etag) {
  casework::v1::Team team;
  team.set_name(absl::StrCat("organizations/", org, "/teams/", id));
  team.set_display_name(absl::StrCat("Team ", id));
  team.set_etag(etag);
  return team;
}

casework::v1::Case Case(const std::string& team, int i, int64_t create_seconds) {
  casework::v1::Case c;
  c.set_name(absl::StrCat(team, "/cases/c", i));
  c.set_reference(absl::StrCat("R-", i));
  c.set_caseworker(i % 2 == 0 ? "cw-even" : "cw-odd");
  c.set_status(casework::v1::CASE_STATUS_OPEN);
  *c.mutable_create_time() = ToProtoTime(absl::FromUnixSeconds(create_seconds));
  *c.mutable_stage_enter_time() = c.create_time();
  c.set_etag("e1");
  return c;
}

// Inserts `resources` in one unit.
void InsertAll(RecordStore& store, std::vector<const google::protobuf::Message*> resources) {
  auto result = RunWrite(store, Unit([&](RecordWriter& writer) -> absl::StatusOr<std::string> {
                           for (const auto* resource : resources) {
                             if (absl::Status s = writer.Insert(*resource); !s.ok()) return s;
                           }
                           return std::string();
                         }));
  ASSERT_TRUE(result.ok()) << result.status();
}

}  // namespace conformance

namespace {

using conformance::Case;
using conformance::InsertAll;
using conformance::RunRead;
using conformance::RunWrite;
using conformance::Team;
using conformance::Unit;

}  // namespace

void RecordStoreConformanceTest::SetUp() {
  database_ = GetParam()();
  store_ = database_->Open(clock_);
  ASSERT_NE(store_, nullptr);
}

void RecordStoreConformanceTest::Reopen() {
  store_.reset();
  store_ = database_->Open(clock_);
  ASSERT_NE(store_, nullptr);
}

TEST_P(RecordStoreConformanceTest, InsertGetUpdateDeleteWithEtags) {
  casework::v1::Team team = Team("o", "t", "e1");
  InsertAll(store(), {&team});
  auto status_of = [&](WriteWork work) {
    return RunWrite(store(), Unit(std::move(work))).status();
  };
  EXPECT_EQ(status_of([&](RecordWriter& w) -> absl::StatusOr<std::string> {
              if (auto s = w.Insert(team); !s.ok()) return s;
              return std::string();
            }).code(),
            absl::StatusCode::kAlreadyExists);
  casework::v1::Team changed = team;
  changed.set_display_name("Renamed");
  changed.set_etag("e2");
  auto update = [&](const std::string& expected) {
    return status_of([&, expected](RecordWriter& w) -> absl::StatusOr<std::string> {
      if (auto s = w.Update(changed, expected); !s.ok()) return s;
      return std::string();
    });
  };
  EXPECT_EQ(update("stale").code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(update("e1").ok());
  EXPECT_EQ(update("e1").code(), absl::StatusCode::kAborted);  // e1 is gone now

  casework::v1::Team read;
  auto found = RunRead(store(), [&](RecordReader& r) -> absl::StatusOr<std::string> {
    auto got = r.Get(team.name(), read);
    if (!got.ok()) return got.status();
    return std::string(*got ? "yes" : "no");
  });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, "yes");
  EXPECT_EQ(read.display_name(), "Renamed");

  auto remove = [&](const std::string& expected) {
    return status_of([&, expected](RecordWriter& w) -> absl::StatusOr<std::string> {
      if (auto s = w.Delete(ResourceKind::kTeam, team.name(), expected); !s.ok()) return s;
      return std::string();
    });
  };
  EXPECT_EQ(remove("e1").code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(remove("e2").ok());
  EXPECT_EQ(remove("e2").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(update("e2").code(), absl::StatusCode::kNotFound);
}

TEST_P(RecordStoreConformanceTest, ListsOrderRestrictAndContinueAfterAPosition) {
  casework::v1::Team t1 = Team("o", "t1", "e"), t2 = Team("o", "t2", "e"), x = Team("x", "t1", "e");
  InsertAll(store(), {&t1, &t2, &x});
  std::vector<casework::v1::Case> cases;
  for (int i = 0; i < 25; ++i) cases.push_back(Case(t1.name(), i, 1000 + i / 2));  // ties in time
  cases.push_back(Case(t2.name(), 100, 5000));
  cases.push_back(Case(x.name(), 200, 5000));
  std::vector<const google::protobuf::Message*> all;
  for (const auto& c : cases) all.push_back(&c);
  InsertAll(store(), all);

  ListQuery query(ResourceKind::kCase, "o", {t1.name()});
  query.sort = SortField::kCreateTime;
  query.descending = true;
  query.limit = 10;
  std::vector<std::string> names;
  for (int page = 0; page < 5; ++page) {
    auto rows = RunRead(store(), [&](RecordReader& r) -> absl::StatusOr<std::string> {
      auto listed = r.List(query);
      if (!listed.ok()) return listed.status();
      for (const auto& row : *listed) {
        casework::v1::Case c;
        c.ParseFromString(row.body);
        names.push_back(c.name());
        query.after = row.position;
        EXPECT_EQ(row.position.name, c.name());
        EXPECT_EQ(row.position.number, ToUnixMicros(c.create_time()));
      }
      return absl::StrCat(listed->size());
    });
    ASSERT_TRUE(rows.ok()) << rows.status();
    if (*rows != "10") break;
  }
  ASSERT_EQ(names.size(), 25u);
  for (size_t i = 1; i < names.size(); ++i) EXPECT_NE(names[i - 1], names[i]);

  ListQuery even(ResourceKind::kCase, "o");
  even.equals = {{IndexedField::kCaseworker, "cw-even"},
                 {IndexedField::kCaseStatus, absl::StrCat(casework::v1::CASE_STATUS_OPEN)}};
  even.limit = 1000;
  ListQuery every_org(ResourceKind::kCase);
  every_org.limit = 1000;
  auto counts = RunRead(store(), [&](RecordReader& r) -> absl::StatusOr<std::string> {
    auto a = r.List(even);
    auto b = r.List(every_org);
    if (!a.ok() || !b.ok()) return absl::InternalError("list failed");
    return absl::StrCat(a->size(), "/", b->size());
  });
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(*counts, "14/27");  // 13 even in t1 + c100 in t2; every organisation: all 27
}

TEST_P(RecordStoreConformanceTest, CountsWhatAListWouldReturnPerOrganisationParentAndEquality) {
  casework::v1::Team t1 = Team("o", "t1", "e"), t2 = Team("o", "t2", "e"), x = Team("x", "t1", "e");
  InsertAll(store(), {&t1, &t2, &x});
  std::vector<casework::v1::Case> cases;
  for (int i = 0; i < 10; ++i) cases.push_back(Case(t1.name(), i, 1000 + i));
  for (int i = 0; i < 3; ++i) cases[i].set_status(casework::v1::CASE_STATUS_CLOSED);  // c0–c2
  for (int i = 100; i < 103; ++i) cases.push_back(Case(t2.name(), i, 2000));
  for (int i = 200; i < 205; ++i) cases.push_back(Case(x.name(), i, 3000));
  std::vector<const google::protobuf::Message*> all;
  for (const auto& c : cases) all.push_back(&c);
  InsertAll(store(), all);

  const std::string open = absl::StrCat(casework::v1::CASE_STATUS_OPEN);
  auto count = [&](ListQuery query) -> int64_t {
    int64_t counted = -1;
    auto read = RunRead(store(), [&](RecordReader& r) -> absl::StatusOr<std::string> {
      auto n = r.Count(query);
      if (!n.ok()) return n.status();
      counted = *n;
      return std::string();
    });
    EXPECT_TRUE(read.ok()) << read.status();
    return counted;
  };
  auto with = [](ListQuery query, std::vector<std::pair<IndexedField, std::string>> equals) {
    query.equals = std::move(equals);
    return query;
  };
  EXPECT_EQ(count(ListQuery(ResourceKind::kCase, "o")), 13);
  EXPECT_EQ(count(ListQuery(ResourceKind::kCase, "x")), 5);
  EXPECT_EQ(count(ListQuery(ResourceKind::kCase, "nobody")), 0);
  EXPECT_EQ(count(ListQuery(ResourceKind::kCase)), 18);  // every organisation
  EXPECT_EQ(count(ListQuery(ResourceKind::kTeam, "o")), 2);
  EXPECT_EQ(count(ListQuery(ResourceKind::kCase, "o", {t1.name()})), 10);
  EXPECT_EQ(count(ListQuery(ResourceKind::kCase, "o", {t1.name(), t2.name()})), 13);
  EXPECT_EQ(count(ListQuery(ResourceKind::kCase, "x", {t1.name()})), 0);  // o's team, x's cases
  // Open cases: what the open-cases quota counts.
  EXPECT_EQ(count(with(ListQuery(ResourceKind::kCase, "o"), {{IndexedField::kCaseStatus, open}})),
            10);
  EXPECT_EQ(count(with(ListQuery(ResourceKind::kCase, "x"), {{IndexedField::kCaseStatus, open}})),
            5);
  EXPECT_EQ(count(with(ListQuery(ResourceKind::kCase, "o", {t1.name()}),
                       {{IndexedField::kCaseStatus, open}, {IndexedField::kCaseworker, "cw-odd"}})),
            4);  // c3, c5, c7, c9
  // Order, position and limit do not change the count; sort_below restricts it as it does a list.
  ListQuery paged(ResourceKind::kCase, "o", {t1.name()});
  paged.sort = SortField::kCreateTime;
  paged.descending = true;
  paged.after = Position{absl::ToUnixMicros(absl::FromUnixSeconds(1005)), "",
                         absl::StrCat(t1.name(), "/cases/c5")};
  paged.limit = 1;
  EXPECT_EQ(count(paged), 10);
  paged.sort_below = absl::ToUnixMicros(absl::FromUnixSeconds(1004));
  EXPECT_EQ(count(paged), 4);  // created at 1000–1003

  // A write unit counts its own inserts: the quota's count and insert are one transaction.
  casework::v1::Case extra = Case(t2.name(), 103, 2001);
  auto counted = RunWrite(store(), Unit([&](RecordWriter& w) -> absl::StatusOr<std::string> {
                            ListQuery query = with(ListQuery(ResourceKind::kCase, "o"),
                                                   {{IndexedField::kCaseStatus, open}});
                            auto before = w.Count(query);
                            if (!before.ok()) return before.status();
                            if (auto s = w.Insert(extra); !s.ok()) return s;
                            auto after = w.Count(query);
                            if (!after.ok()) return after.status();
                            return absl::StrCat(*before, "/", *after);
                          }));
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(*counted, "10/11");
}

TEST_P(RecordStoreConformanceTest, OpenCaseReferencesAreUniquePerOrganisation) {
  casework::v1::Team t = Team("o", "t", "e");
  casework::v1::Case first = Case(t.name(), 1, 1);
  InsertAll(store(), {&t, &first});
  casework::v1::Case same_reference = Case(t.name(), 2, 2);
  same_reference.set_reference(first.reference());
  auto insert = [&](const casework::v1::Case& c) {
    return RunWrite(store(), Unit([&](RecordWriter& w) -> absl::StatusOr<std::string> {
                      if (auto s = w.Insert(c); !s.ok()) return s;
                      return std::string();
                    }))
        .status();
  };
  EXPECT_EQ(insert(same_reference).code(), absl::StatusCode::kAlreadyExists);
  same_reference.set_status(casework::v1::CASE_STATUS_CLOSED);
  EXPECT_TRUE(insert(same_reference).ok());
}

TEST_P(RecordStoreConformanceTest, IdempotentUnitsAnswerTheirFirstResponse) {
  std::atomic<int> runs{0};
  auto work = [&](std::string answer) {
    return [&runs, answer](RecordWriter&) -> absl::StatusOr<std::string> {
      ++runs;
      return answer;
    };
  };
  EXPECT_EQ(*RunWrite(store(), Unit(work("first"), "r-1", "payload")), "first");
  EXPECT_EQ(*RunWrite(store(), Unit(work("second"), "r-1", "payload")), "first");
  EXPECT_EQ(runs.load(), 1);
  auto reused = RunWrite(store(), Unit(work("third"), "r-1", "other payload"));
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(reused.status()), "REQUEST_ID_REUSED");

  // Failures are not remembered: the retry runs again.
  auto failing = [&](RecordWriter&) -> absl::StatusOr<std::string> {
    ++runs;
    return absl::FailedPreconditionError("not yet");
  };
  EXPECT_FALSE(RunWrite(store(), Unit(failing, "r-2", "p")).ok());
  EXPECT_EQ(*RunWrite(store(), Unit(work("now"), "r-2", "p")), "now");

  Reopen();  // remembered durably
  EXPECT_EQ(*RunWrite(store(), Unit(work("again"), "r-1", "payload")), "first");
}

TEST_P(RecordStoreConformanceTest, AFailingUnitRollsBackAloneAmongConcurrentOnes) {
  casework::v1::Team t = Team("o", "t", "e");
  InsertAll(store(), {&t});
  constexpr int kUnits = 200;
  std::vector<std::thread> writers;
  std::atomic<int> ok{0};
  for (int i = 0; i < kUnits; ++i) {
    writers.emplace_back([&, i] {
      casework::v1::Case c = Case(t.name(), i, i);
      auto result = RunWrite(store(), Unit([&, i](RecordWriter& w) -> absl::StatusOr<std::string> {
                               if (auto s = w.Insert(c); !s.ok()) return s;
                               if (i % 3 == 0) return absl::AbortedError("changed my mind");
                               return std::string();
                             }));
      if (result.ok()) ++ok;
    });
  }
  for (auto& writer : writers) writer.join();
  ListQuery query(ResourceKind::kCase, "o");
  query.limit = 1000;
  auto listed = RunRead(store(), [&](RecordReader& r) -> absl::StatusOr<std::string> {
    auto rows = r.List(query);
    if (!rows.ok()) return rows.status();
    for (const auto& row : *rows) {
      casework::v1::Case c;
      c.ParseFromString(row.body);
      const int i = std::stoi(c.name().substr(c.name().rfind("/c") + 2));
      if (i % 3 == 0) return absl::InternalError(absl::StrCat("rolled-back case ", i, " kept"));
    }
    return absl::StrCat(rows->size());
  });
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(*listed, absl::StrCat(ok.load()));
  EXPECT_EQ(ok.load(), kUnits - (kUnits + 2) / 3);
}

TEST_P(RecordStoreConformanceTest, EveryUnitIsAuditedWithItsOutcomeNewestFirst) {
  casework::v1::AuditEntry entry;
  entry.set_actor("u");
  entry.set_organization("o");
  entry.set_method("/m/Read");
  WriteUnit failing = Unit([](RecordWriter&) -> absl::StatusOr<std::string> {
    return Error(absl::StatusCode::kPermissionDenied, "ROLE_REQUIRED", "no");
  });
  failing.audit = entry;
  failing.audit->set_method("/m/Write");
  EXPECT_FALSE(RunWrite(store(), std::move(failing)).ok());
  EXPECT_TRUE(RunRead(
                  store(),
                  [](RecordReader&) -> absl::StatusOr<std::string> { return std::string(); }, entry)
                  .ok());
  auto other_org = entry;
  other_org.set_organization("x");
  EXPECT_TRUE(RunRead(
                  store(),
                  [](RecordReader&) -> absl::StatusOr<std::string> { return std::string(); },
                  other_org)
                  .ok());
  Reopen();
  std::vector<StoredAuditEntry> entries;
  ASSERT_TRUE(RunRead(store(), [&](RecordReader& r) -> absl::StatusOr<std::string> {
                AuditQuery query;
                query.organization = "o";
                auto listed = r.ListAudit(query);
                if (!listed.ok()) return listed.status();
                entries = *listed;
                return std::string();
              }).ok());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_GT(entries[0].sequence, entries[1].sequence);
  EXPECT_EQ(entries[0].entry.method(), "/m/Read");
  EXPECT_EQ(entries[0].entry.outcome(), google::rpc::OK);
  EXPECT_EQ(entries[1].entry.method(), "/m/Write");
  EXPECT_EQ(entries[1].entry.outcome(), google::rpc::PERMISSION_DENIED);
  EXPECT_EQ(entries[1].entry.reason(), "ROLE_REQUIRED");
  EXPECT_TRUE(entries[1].entry.has_finish_time());
  EXPECT_TRUE(absl::StartsWith(entries[0].entry.name(), "organizations/o/auditEntries/"));
}

TEST_P(RecordStoreConformanceTest, AcknowledgedWritesSurviveReopening) {
  casework::v1::Team t = Team("o", "t", "e");
  InsertAll(store(), {&t});
  Reopen();
  auto found = RunRead(store(), [&](RecordReader& r) -> absl::StatusOr<std::string> {
    casework::v1::Team read;
    auto got = r.Get(t.name(), read);
    if (!got.ok()) return got.status();
    return *got ? read.display_name() : std::string("missing");
  });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, t.display_name());
}

}  // namespace casework::records
