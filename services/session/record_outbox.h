// Session end → record: when a session has ended (or was cancelled), its outcome goes to the
// records service, retried with backoff until acknowledged, and then the engine appends
// SessionRecordStored. The outbox is a shared sorted set in Redis (`cw:record-outbox`, claimed by
// any replica's loop), so it survives restarts; the append that ends a session queues it in the
// same script (a transactional outbox), and the session's own state (ended, no record yet) says
// whether delivery is still owed. The request id is the session id, so a retry after a lost
// reply, or two replicas delivering at once, store one record.
#ifndef SERVICES_SESSION_RECORD_OUTBOX_H_
#define SERVICES_SESSION_RECORD_OUTBOX_H_

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/records_client/records_client.h"
#include "libs/session_log/phase_timers.h"
#include "services/session/command_runner.h"

namespace casework::session {

class RecordOutbox {
 public:
  // `records` may be null (no records service configured): deliveries then wait, retried.
  RecordOutbox(PhaseTimers& queue, CommandRunner& runner, RecordsClient* records,
               std::function<absl::Time()> clock)
      : queue_(queue), runner_(runner), records_(records), clock_(std::move(clock)) {}

  // Delivers the session's record (called by the outbox's TimerLoop for each due entry).
  void Deliver(const std::string& session_name);
  // Waits until no delivery is under way (shutdown, after the loop stopped; each step has a
  // deadline, so this ends).
  void WaitIdle();

 private:
  void Store(const std::string& session_name, const casework::v1::SessionSnapshot& state);
  void MarkStored(const std::string& session_name, const std::string& record_name);
  void Retry(const std::string& session_name, absl::string_view why);
  void Delivered(const std::string& session_name);

  PhaseTimers& queue_;
  CommandRunner& runner_;
  RecordsClient* records_;
  std::function<absl::Time()> clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Duration> backoff_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;  // deliveries between Deliver and Retry/Delivered
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_RECORD_OUTBOX_H_
