// The session service's own Prometheus series: sessions active, phase durations and overruns,
// contributions, the rules that refused commands, and the record outbox's backlog. Counters
// count what this replica appended (sum over replicas); the two gauges are read from Redis, so
// every replica reports the same figure (aggregate with max). Every known series is created at
// zero: protocols and phases from the registry, kinds and rules from the schema's enums.
#ifndef SERVICES_SESSION_SESSION_METRICS_H_
#define SERVICES_SESSION_SESSION_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"
#include "libs/session_engine/protocol_registry.h"

namespace casework::session {

class SessionMetrics {
 public:
  SessionMetrics(prometheus::Registry& registry, const ProtocolRegistry& protocols);

  // Counts what the events of one append say (contributions, finished phases, overruns).
  void CountAppended(const casework::v1::SessionSnapshot& state,
                     const std::vector<casework::v1::SessionEvent>& events);
  // Counts an engine refusal by its rule (the ErrorReason); other failures are not rules.
  void CountRefusal(const absl::Status& status);
  // Sessions in progress or paused, by protocol id.
  void SetActive(const std::map<std::string, int64_t>& by_protocol);
  void SetOutboxBacklog(int64_t sessions);

 private:
  prometheus::Family<prometheus::Gauge>& active_;
  prometheus::Family<prometheus::Histogram>& phase_duration_;
  prometheus::Family<prometheus::Counter>& overruns_;
  prometheus::Family<prometheus::Counter>& ended_;
  prometheus::Family<prometheus::Counter>& contributions_;
  prometheus::Family<prometheus::Counter>& rejections_;
  prometheus::Gauge& outbox_backlog_;
  std::vector<std::string> protocol_ids_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_SESSION_METRICS_H_
