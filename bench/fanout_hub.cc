// The fan-out hub: a shared history of immutable frames, one write reactor per subscriber.
#include "bench/fanout_hub.h"

#include <algorithm>
#include <deque>

#include "absl/time/clock.h"

namespace casework::bench {

using casework::v1::WatchSessionResponse;
using Frame = std::shared_ptr<const WatchSessionResponse>;

// Writes its queue in order, one write in flight; a full queue ends the stream with
// RESOURCE_EXHAUSTED (the real service's WATCHER_TOO_SLOW), never delaying the others.
class HubSubscriber final : public grpc::ServerWriteReactor<WatchSessionResponse> {
 public:
  HubSubscriber(FanoutHub& hub, int64_t after_sequence) : hub_(hub) {
    hub_.Subscribe(this, after_sequence);
  }

  void Push(Frame frame) {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (queue_.size() >= hub_.queue_limit()) {
      finished_ = true;
      Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "watcher too slow"));
      return;
    }
    queue_.push_back(std::move(frame));
    if (!writing_) {
      writing_ = true;
      StartWrite(queue_.front().get());
    }
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    queue_.pop_front();
    if (!ok) {
      writing_ = false;
      if (!finished_) {
        finished_ = true;
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      }
      return;
    }
    if (!queue_.empty() && !finished_) {
      StartWrite(queue_.front().get());
    } else {
      writing_ = false;
    }
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    if (!finished_) {
      finished_ = true;
      Finish(grpc::Status::CANCELLED);
    }
  }

  void OnDone() override {
    hub_.Unsubscribe(this);
    delete this;
  }

 private:
  FanoutHub& hub_;
  absl::Mutex mu_;
  std::deque<Frame> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

int64_t FanoutHub::Publish(bool pause) {
  absl::MutexLock lock(&mu_);
  auto frame = std::make_shared<WatchSessionResponse>();
  casework::v1::SessionEvent& event = *frame->mutable_event();
  event.set_session("organizations/bench/teams/team-1/sessions/hub");
  event.set_sequence(static_cast<int64_t>(history_.size()) + 1);
  event.mutable_event_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  event.set_actor("sup");
  if (pause) {
    event.mutable_session_paused()->set_phase_id("opening");
    event.mutable_session_paused()->mutable_remaining()->set_seconds(540);
  } else {
    event.mutable_session_resumed()->set_phase_id("opening");
    event.mutable_session_resumed()->mutable_deadline()->set_seconds(
        absl::ToUnixSeconds(absl::Now() + absl::Minutes(9)));
  }
  paused_ = pause;
  history_.push_back(frame);
  for (HubSubscriber* subscriber : subscribers_) subscriber->Push(frame);
  return event.sequence();
}

int64_t FanoutHub::version() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(history_.size());
}

bool FanoutHub::paused() const {
  absl::MutexLock lock(&mu_);
  return paused_;
}

void FanoutHub::Subscribe(HubSubscriber* subscriber, int64_t after_sequence) {
  absl::MutexLock lock(&mu_);
  for (size_t i = static_cast<size_t>(std::max<int64_t>(after_sequence, 0)); i < history_.size();
       ++i) {
    subscriber->Push(history_[i]);
  }
  subscribers_.insert(subscriber);
}

void FanoutHub::Unsubscribe(HubSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(subscriber);
}

grpc::ServerWriteReactor<WatchSessionResponse>* HubNotificationService::WatchSession(
    grpc::CallbackServerContext* /*context*/, const casework::v1::WatchSessionRequest* request) {
  return new HubSubscriber(hub_, request->after_sequence());
}

grpc::ServerUnaryReactor* HubSessionService::GetSession(
    grpc::CallbackServerContext* context, const casework::v1::GetSessionRequest* request,
    casework::v1::Session* response) {
  response->set_name(request->name());
  response->set_version(hub_.version());
  response->set_state(hub_.paused() ? casework::v1::SESSION_STATE_PAUSED
                                    : casework::v1::SESSION_STATE_IN_PROGRESS);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* HubSessionService::Command(
    grpc::CallbackServerContext* context, bool pause,
    casework::v1::SessionCommandResponse* response) {
  const int64_t sequence = hub_.Publish(pause);
  response->set_first_sequence(sequence);
  response->set_last_sequence(sequence);
  response->mutable_session()->set_version(sequence);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* HubSessionService::PauseSession(
    grpc::CallbackServerContext* context, const casework::v1::PauseSessionRequest* /*request*/,
    casework::v1::SessionCommandResponse* response) {
  return Command(context, true, response);
}

grpc::ServerUnaryReactor* HubSessionService::ResumeSession(
    grpc::CallbackServerContext* context, const casework::v1::ResumeSessionRequest* /*request*/,
    casework::v1::SessionCommandResponse* response) {
  return Command(context, false, response);
}

}  // namespace casework::bench
