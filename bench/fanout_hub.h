// The bare in-process fan-out baseline: the least a WatchSession server must do. One session,
// one ServerWriteReactor per subscriber with a bounded queue and at most one write in flight, a
// replay history, and PauseSession/ResumeSession/GetSession that append an event and hand it to
// every subscriber — no Redis, no engine, no authentication, no projection. The benchmark client
// drives it with exactly the code it uses against the real services, so the ratio isolates what
// the notification path costs beyond gRPC's own streaming.
#ifndef BENCH_FANOUT_HUB_H_
#define BENCH_FANOUT_HUB_H_

#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "casework/v1/notification_service.grpc.pb.h"
#include "casework/v1/session_service.grpc.pb.h"

namespace casework::bench {

class HubSubscriber;

class FanoutHub {
 public:
  explicit FanoutHub(size_t queue_limit) : queue_limit_(queue_limit) {}

  // Appends the next event (paused or resumed) and queues it for every subscriber; returns its
  // sequence.
  int64_t Publish(bool pause);
  int64_t version() const;
  bool paused() const;

  // Registers a subscriber after replaying the history after `after_sequence` into its queue.
  void Subscribe(HubSubscriber* subscriber, int64_t after_sequence);
  void Unsubscribe(HubSubscriber* subscriber);
  size_t queue_limit() const { return queue_limit_; }

 private:
  const size_t queue_limit_;
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<const casework::v1::WatchSessionResponse>> history_
      ABSL_GUARDED_BY(mu_);
  std::set<HubSubscriber*> subscribers_ ABSL_GUARDED_BY(mu_);
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
};

class HubNotificationService final : public casework::v1::NotificationService::CallbackService {
 public:
  explicit HubNotificationService(FanoutHub& hub) : hub_(hub) {}
  grpc::ServerWriteReactor<casework::v1::WatchSessionResponse>* WatchSession(
      grpc::CallbackServerContext* context,
      const casework::v1::WatchSessionRequest* request) override;

 private:
  FanoutHub& hub_;
};

class HubSessionService final : public casework::v1::SessionService::CallbackService {
 public:
  explicit HubSessionService(FanoutHub& hub) : hub_(hub) {}
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* context,
                                       const casework::v1::GetSessionRequest* request,
                                       casework::v1::Session* response) override;
  grpc::ServerUnaryReactor* PauseSession(grpc::CallbackServerContext* context,
                                         const casework::v1::PauseSessionRequest* request,
                                         casework::v1::SessionCommandResponse* response) override;
  grpc::ServerUnaryReactor* ResumeSession(grpc::CallbackServerContext* context,
                                          const casework::v1::ResumeSessionRequest* request,
                                          casework::v1::SessionCommandResponse* response) override;

 private:
  grpc::ServerUnaryReactor* Command(grpc::CallbackServerContext* context, bool pause,
                                    casework::v1::SessionCommandResponse* response);
  FanoutHub& hub_;
};

}  // namespace casework::bench

#endif  // BENCH_FANOUT_HUB_H_
