// K WatchSession read reactors and a Pause/Resume publisher.
#include "bench/watch_scenario.h"

#include <condition_variable>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "bench/grpc_client.h"
#include "casework/v1/notification_service.grpc.pb.h"
#include "casework/v1/session_service.grpc.pb.h"

namespace casework::bench {
namespace {

using casework::v1::WatchSessionResponse;

// Counts the watchers whose stream has ended, so they are destroyed only after OnDone.
class Countdown {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++open_;
  }
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--open_ == 0) cv_.notify_all();
  }
  bool Wait(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [this] { return open_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int open_ = 0;
};

class Watcher final : public grpc::ClientReadReactor<WatchSessionResponse> {
 public:
  Watcher(int id, DeliveryBook& book, Countdown& open) : id_(id), book_(book), open_(open) {}

  void Start(casework::v1::NotificationService::Stub& stub, const std::string& token,
             const std::string& session, int64_t after_sequence) {
    PrepareContext(context_, token, absl::Hours(1));
    request_.set_session(session);
    request_.set_after_sequence(after_sequence);
    open_.Add();
    stub.async()->WatchSession(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ends; OnDone follows
    if (response_.has_event()) book_.Received(id_, response_.event().sequence());
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    status_ = status;
    if (status.error_code() != grpc::StatusCode::CANCELLED) book_.ReceiverEnded(id_);
    open_.Done();
  }

  const grpc::Status& status() const { return status_; }

 private:
  const int id_;
  DeliveryBook& book_;
  Countdown& open_;
  grpc::ClientContext context_;
  casework::v1::WatchSessionRequest request_;
  WatchSessionResponse response_;
  grpc::Status status_;
};

// Opens a live WatchSession and never reads from it.
class StalledWatcher final : public grpc::ClientReadReactor<WatchSessionResponse> {
 public:
  explicit StalledWatcher(Countdown& open) : open_(open) {}

  void Start(const std::string& address, const std::string& token, const std::string& session,
             int64_t after_sequence) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stub_ = casework::v1::NotificationService::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    PrepareContext(context_, token, absl::Hours(1));
    request_.set_session(session);
    request_.set_after_sequence(after_sequence);
    open_.Add();
    stub_->async()->WatchSession(&context_, &request_, this);
    StartCall();  // no StartRead: nothing is ever taken off the connection
  }

  void Cancel() { context_.TryCancel(); }
  void OnDone(const grpc::Status& /*status*/) override { open_.Done(); }

 private:
  Countdown& open_;
  std::unique_ptr<casework::v1::NotificationService::Stub> stub_;
  grpc::ClientContext context_;
  casework::v1::WatchSessionRequest request_;
};

absl::Status ToAbsl(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

absl::StatusOr<FanoutResult> RunWatchScenario(const WatchScenario& scenario,
                                              const FanoutOptions& options) {
  auto command_channel = MakeChannels(scenario.command_address, 1).front();
  auto sessions = casework::v1::SessionService::NewStub(command_channel);
  casework::v1::GetSessionRequest get;
  get.set_name(scenario.session);
  get.set_view(casework::v1::SESSION_VIEW_BASIC);
  casework::v1::Session session;
  grpc::Status got = CallBlocking(scenario.facilitator_token, get, &session,
                                  [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                                    return sessions->GetSession(c, r, out);
                                  });
  if (!got.ok()) return absl::UnknownError(absl::StrCat("GetSession: ", Describe(got)));

  const int watchers = static_cast<int>(scenario.watcher_tokens.size());
  DeliveryBook book(watchers, session.version(), options.capacity);
  std::vector<std::shared_ptr<grpc::Channel>> channels =
      MakeChannels(scenario.watch_address, scenario.channels);
  std::vector<std::unique_ptr<casework::v1::NotificationService::Stub>> stubs;
  for (const auto& channel : channels) {
    stubs.push_back(casework::v1::NotificationService::NewStub(channel));
  }
  Countdown open;
  std::vector<std::unique_ptr<Watcher>> reactors;
  for (int i = 0; i < watchers; ++i) {
    reactors.push_back(std::make_unique<Watcher>(i, book, open));
    reactors.back()->Start(*stubs[i % stubs.size()], scenario.watcher_tokens[i], scenario.session,
                           session.version());
  }

  bool paused = session.state() == casework::v1::SESSION_STATE_PAUSED;
  int64_t counter = 0;
  const std::string prefix = absl::StrCat("pub-", session.version(), "-");
  PublishNext publish = [&]() -> absl::StatusOr<int64_t> {
    casework::v1::SessionCommandResponse response;
    const std::string request_id = absl::StrCat(prefix, ++counter);
    grpc::Status status;
    if (paused) {
      casework::v1::ResumeSessionRequest resume;
      resume.set_name(scenario.session);
      resume.set_request_id(request_id);
      status = CallBlocking(scenario.facilitator_token, resume, &response,
                            [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                              return sessions->ResumeSession(c, r, out);
                            });
    } else {
      casework::v1::PauseSessionRequest pause;
      pause.set_name(scenario.session);
      pause.set_request_id(request_id);
      status = CallBlocking(scenario.facilitator_token, pause, &response,
                            [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                              return sessions->PauseSession(c, r, out);
                            });
    }
    if (!status.ok()) return ToAbsl(status);
    paused = !paused;
    return response.last_sequence();
  };
  std::vector<std::unique_ptr<StalledWatcher>> stalled;
  FanoutOptions measure = options;
  measure.before_paced = [&] {
    casework::v1::Session now;
    grpc::Status read = CallBlocking(scenario.facilitator_token, get, &now,
                                     [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                                       return sessions->GetSession(c, r, out);
                                     });
    for (int i = 0; i < scenario.stalled_watchers && read.ok(); ++i) {
      stalled.push_back(std::make_unique<StalledWatcher>(open));
      stalled.back()->Start(scenario.watch_address, scenario.watcher_tokens[0], scenario.session,
                            now.version());
    }
  };
  FanoutResult result = MeasureFanout(book, measure, publish);

  for (auto& reactor : stalled) reactor->Cancel();
  for (auto& reactor : reactors) reactor->Cancel();
  if (!open.Wait(absl::Seconds(30))) {
    // Reactors still referenced by gRPC must not be destroyed: leak them rather than crash.
    for (auto& reactor : reactors) reactor.release();
    for (auto& reactor : stalled) reactor.release();
    result.error += " (some watch streams did not end after cancellation)";
    return result;
  }
  for (const auto& reactor : reactors) {
    const grpc::Status& status = reactor->status();
    if (status.error_code() != grpc::StatusCode::CANCELLED && result.ended_status.empty()) {
      result.ended_status = Describe(status);
    }
  }
  return result;
}

}  // namespace casework::bench
