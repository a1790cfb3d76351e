// Registration of the notification service's series.
#include "services/notification/notification_metrics.h"

namespace casework::notification {

NotificationMetrics::NotificationMetrics(prometheus::Registry& registry) {
  watchers = &prometheus::BuildGauge()
                  .Name("casework_watchers")
                  .Help("Open notification streams (WatchSession and WatchOrganization).")
                  .Register(registry)
                  .Add({});
  events_delivered = &prometheus::BuildCounter()
                          .Name("casework_events_delivered_total")
                          .Help("Frames written to notification streams.")
                          .Register(registry)
                          .Add({});
  event_delivery_seconds =
      &prometheus::BuildHistogram()
           .Name("casework_event_delivery_seconds")
           .Help(
               "From an event's append (its event_time) to its frame being written to a live "
               "stream; replayed frames are not observed.")
           .Register(registry)
           .Add({},
                prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
  resyncs = &prometheus::BuildCounter()
                 .Name("casework_watch_resyncs_total")
                 .Help("Resync frames sent because a position could not be replayed.")
                 .Register(registry)
                 .Add({});
  slow_watchers_disconnected =
      &prometheus::BuildCounter()
           .Name("casework_slow_watchers_disconnected_total")
           .Help(
               "Streams ended with RESOURCE_EXHAUSTED because the client did not read fast "
               "enough.")
           .Register(registry)
           .Add({});
}

}  // namespace casework::notification
