// The notification service's own Prometheus series (the kit adds the per-RPC ones). Every series
// exists from start-up at zero; no label carries an identifier.
#ifndef SERVICES_NOTIFICATION_NOTIFICATION_METRICS_H_
#define SERVICES_NOTIFICATION_NOTIFICATION_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace casework::notification {

struct NotificationMetrics {
  explicit NotificationMetrics(prometheus::Registry& registry);

  prometheus::Gauge* watchers;                      // open WatchSession/WatchOrganization streams
  prometheus::Counter* events_delivered;            // frames written to a stream
  prometheus::Histogram* event_delivery_seconds;    // append (event_time) → written, live frames
  prometheus::Counter* resyncs;                     // Resync frames sent
  prometheus::Counter* slow_watchers_disconnected;  // streams ended WATCHER_TOO_SLOW
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_NOTIFICATION_METRICS_H_
