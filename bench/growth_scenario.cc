// The session growth run: set-up, the timed contributions, the Redis windows, the whole read,
// the end and the record.
#include "bench/growth_scenario.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/delivery_book.h"
#include "bench/fanout_measure.h"
#include "bench/grpc_client.h"
#include "casework/v1/session_service.grpc.pb.h"

namespace casework::bench {
namespace {

namespace v1 = ::casework::v1;

// What Redis's INFO persistence says about its append-only file.
struct AofSize {
  int64_t current = -1;
  int64_t rewrites = -1;
};

int64_t InfoField(const std::string& info, const std::string& field) {
  const std::string key = field + ":";
  const size_t at = info.find(key);
  if (at == std::string::npos) return -1;
  return std::strtoll(info.c_str() + at + key.size(), nullptr, 10);
}

AofSize ReadAof(redisContext* redis) {
  AofSize size;
  if (redis == nullptr) return size;
  auto* reply = static_cast<redisReply*>(redisCommand(redis, "INFO persistence"));
  if (reply == nullptr) return size;
  if (reply->type == REDIS_REPLY_STRING) {
    const std::string info(reply->str, reply->len);
    size.current = InfoField(info, "aof_current_size");
    size.rewrites = InfoField(info, "aof_rewrites");
  }
  freeReplyObject(reply);
  return size;
}

// Prose without digits (a digit run would read as an id number to the content checks).
std::string NoteText(int64_t index) {
  std::string tag;
  do {
    tag += static_cast<char>('a' + index % 26);
    index /= 26;
  } while (index > 0);
  return absl::StrCat("Noted for step ", tag, ": the team agreed who follows up and when.");
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// p50 of the calls numbered [from, to) (1-based), in µs.
double P50Between(const std::vector<double>& micros, int from, int to) {
  from = std::max(from, 1);
  to = std::min<int>(to, static_cast<int>(micros.size()) + 1);
  if (from >= to) return 0;
  return Median(std::vector<double>(micros.begin() + (from - 1), micros.begin() + (to - 1)));
}

}  // namespace

absl::StatusOr<std::string> RunSessionGrowth(const GrowthScenario& scenario,
                                             CaseworkFixture& fixture) {
  auto channel = MakeChannels(scenario.session_address, 1).front();
  WaitConnected(channel, absl::Seconds(10));
  auto sessions = v1::SessionService::NewStub(channel);
  absl::StatusOr<std::string> name =
      fixture.MeetingWithParticipants(*sessions, absl::StrCat("g-", fixture.run_id()), 2);
  if (!name.ok()) return name.status();
  const std::string sup = fixture.Token("sup", "supervisor");

  std::unique_ptr<redisContext, void (*)(redisContext*)> redis(
      redisConnect("127.0.0.1", scenario.redis_port), redisFree);
  if (redis == nullptr || redis->err != 0) {
    return absl::UnavailableError(absl::StrCat("cannot reach Redis on ", scenario.redis_port));
  }

  const int n = scenario.contributions;
  const int window = std::min(scenario.window, n / 2);
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(n));
  AofSize first_start, first_end, last_start, last_end;
  int errors = 0;
  std::string first_error;
  for (int i = 1; i <= n; ++i) {
    if (i == 1) first_start = ReadAof(redis.get());
    if (i == n - window + 1) last_start = ReadAof(redis.get());
    v1::AddContributionRequest request;
    request.set_name(*name);
    request.set_request_id(absl::StrCat("growth-", fixture.run_id(), "-", i));
    v1::Contribution& contribution = *request.mutable_contribution();
    contribution.set_kind(v1::CONTRIBUTION_KIND_NOTE);
    contribution.set_text(NoteText(i));
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", sup));
    v1::AddContributionResponse response;
    const int64_t start = SteadyNowNs();
    const grpc::Status status = sessions->AddContribution(&context, request, &response);
    micros.push_back(static_cast<double>(SteadyNowNs() - start) / 1e3);
    if (!status.ok()) {
      ++errors;
      if (first_error.empty())
        first_error = absl::StrCat(status.error_code(), " ", status.error_message());
    }
    if (i == window) first_end = ReadAof(redis.get());
    if (i == n) last_end = ReadAof(redis.get());
  }

  // The whole session, read as any client would: gRPC's default receive limit (4 MiB).
  v1::GetSessionRequest get;
  get.set_name(*name);
  get.set_view(v1::SESSION_VIEW_FULL);
  v1::Session full;
  grpc::ClientContext get_context;
  get_context.AddMetadata("authorization", absl::StrCat("Bearer ", sup));
  const grpc::Status read = sessions->GetSession(&get_context, get, &full);

  v1::EndSessionRequest end;
  end.set_name(*name);
  end.set_request_id(absl::StrCat("growth-end-", fixture.run_id()));
  end.set_reason("the growth run is over");
  v1::SessionCommandResponse ended;
  grpc::ClientContext end_context;
  end_context.AddMetadata("authorization", absl::StrCat("Bearer ", sup));
  const grpc::Status end_status = sessions->EndSession(&end_context, end, &ended);
  bool recorded = false;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (end_status.ok() && !recorded && absl::Now() < give_up) {
    v1::GetSessionRequest basic;
    basic.set_name(*name);
    basic.set_view(v1::SESSION_VIEW_BASIC);
    v1::Session state;
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", sup));
    if (sessions->GetSession(&context, basic, &state).ok() && !state.session_record().empty()) {
      recorded = true;
    } else {
      absl::SleepFor(absl::Milliseconds(100));  // polling interval: the outbox delivers on its own
    }
  }

  // Redis bytes per contribution in a window; negative when a rewrite fell inside it (unusable).
  auto per_contribution = [window](const AofSize& a, const AofSize& b) -> double {
    if (a.current < 0 || b.current < 0 || a.rewrites != b.rewrites) return -1;
    return static_cast<double>(b.current - a.current) / window;
  };
  return absl::StrCat(
      "{\"contributions\":", n, ",\"errors\":", errors,
      ",\"first_error\":", JsonString(first_error),
      ",\"p50_us_at_50\":", P50Between(micros, 1, 101),
      ",\"p50_us_at_5000\":", P50Between(micros, 4951, 5051),
      ",\"p50_us_at_last\":", P50Between(micros, n - 99, n + 1), ",\"window\":", window,
      ",\"redis_bytes_per_contribution_first\":", per_contribution(first_start, first_end),
      ",\"redis_bytes_per_contribution_last\":", per_contribution(last_start, last_end),
      ",\"get_session_ok\":", read.ok() ? "true" : "false",
      ",\"get_session_error\":", JsonString(read.ok() ? "" : read.error_message()),
      ",\"get_session_bytes\":", read.ok() ? full.ByteSizeLong() : 0,
      ",\"get_session_contributions\":", full.contributions_size(),
      ",\"end_ok\":", end_status.ok() ? "true" : "false",
      ",\"end_error\":", JsonString(end_status.ok() ? "" : end_status.error_message()),
      ",\"record_stored\":", recorded ? "true" : "false", "}");
}

}  // namespace casework::bench
