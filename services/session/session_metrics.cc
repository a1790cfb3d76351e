// SessionMetrics: series registration and the mapping from events and refusals to series.
#include "services/session/session_metrics.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "casework/v1/contribution.pb.h"
#include "casework/v1/errors.pb.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/errors.h"

namespace casework::session {
namespace {

const prometheus::Histogram::BucketBoundaries& PhaseBuckets() {
  // Phases last minutes (5 to 60 in the protocols); buckets from 30 s to 2 h.
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200};
  return *buckets;
}

std::string KindLabel(casework::v1::ContributionKind kind) {
  return absl::AsciiStrToLower(
      absl::StripPrefix(casework::v1::ContributionKind_Name(kind), "CONTRIBUTION_KIND_"));
}

// The engine's refusals: content and state rules (30–63) and the engine range (100–149).
bool IsRule(int reason) {
  return (reason >= 32 && reason <= 39) || (reason >= 50 && reason <= 63) ||
         (reason >= 100 && reason <= 149) || (reason >= 20 && reason <= 23);
}

}  // namespace

SessionMetrics::SessionMetrics(prometheus::Registry& registry, const ProtocolRegistry& protocols)
    : active_(prometheus::BuildGauge()
                  .Name("casework_sessions_active")
                  .Help("Sessions in progress or paused, by protocol (same on every replica)")
                  .Register(registry)),
      phase_duration_(prometheus::BuildHistogram()
                          .Name("casework_phase_duration_seconds")
                          .Help("How long finished phases ran, paused time excluded")
                          .Register(registry)),
      overruns_(prometheus::BuildCounter()
                    .Name("casework_phase_overruns_total")
                    .Help("Phases that ran past their deadline")
                    .Register(registry)),
      ended_(prometheus::BuildCounter()
                 .Name("casework_sessions_ended_total")
                 .Help("Sessions ended (or cancelled), by protocol")
                 .Register(registry)),
      contributions_(prometheus::BuildCounter()
                         .Name("casework_contributions_total")
                         .Help("Contributions added, by protocol and kind")
                         .Register(registry)),
      rejections_(prometheus::BuildCounter()
                      .Name("casework_rule_rejections_total")
                      .Help("Commands the protocol rules refused, by rule")
                      .Register(registry)),
      outbox_backlog_(prometheus::BuildGauge()
                          .Name("casework_outbox_backlog")
                          .Help("Ended sessions whose record the records service has not "
                                "acknowledged yet (same on every replica)")
                          .Register(registry)
                          .Add({})) {
  const google::protobuf::EnumDescriptor* kinds = casework::v1::ContributionKind_descriptor();
  for (const casework::v1::ProtocolTemplate& protocol : protocols.protocols()) {
    protocol_ids_.push_back(protocol.id());
    active_.Add({{"protocol", protocol.id()}});
    ended_.Add({{"protocol", protocol.id()}});
    for (const casework::v1::PhaseTemplate& phase : protocol.phases()) {
      phase_duration_.Add({{"protocol", protocol.id()}, {"phase", phase.id()}}, PhaseBuckets());
      overruns_.Add({{"protocol", protocol.id()}, {"phase", phase.id()}});
    }
    for (int i = 1; i < kinds->value_count(); ++i) {
      contributions_.Add({{"protocol", protocol.id()},
                          {"kind", KindLabel(static_cast<casework::v1::ContributionKind>(
                                       kinds->value(i)->number()))}});
    }
  }
  const google::protobuf::EnumDescriptor* reasons = casework::v1::ErrorReason_descriptor();
  for (int i = 0; i < reasons->value_count(); ++i) {
    if (!IsRule(reasons->value(i)->number())) continue;
    rejections_.Add(
        {{"rule", std::string(absl::StripPrefix(reasons->value(i)->name(), "ERROR_REASON_"))}});
  }
}

void SessionMetrics::CountAppended(const casework::v1::SessionSnapshot& state,
                                   const std::vector<casework::v1::SessionEvent>& events) {
  const std::string& protocol = state.session().protocol_id();
  for (const casework::v1::SessionEvent& event : events) {
    if (event.has_contribution_added()) {
      contributions_
          .Add({{"protocol", protocol},
                {"kind", KindLabel(event.contribution_added().contribution().kind())}})
          .Increment();
    } else if (event.has_phase_ended()) {
      phase_duration_
          .Add({{"protocol", protocol}, {"phase", event.phase_ended().phase_id()}}, PhaseBuckets())
          .Observe(absl::ToDoubleSeconds(ToDuration(event.phase_ended().actual_duration())));
    } else if (event.has_session_ended()) {
      ended_.Add({{"protocol", protocol}}).Increment();
    } else if (event.has_phase_overrun()) {
      overruns_.Add({{"protocol", protocol}, {"phase", event.phase_overrun().phase_id()}})
          .Increment();
    }
  }
}

void SessionMetrics::CountRefusal(const absl::Status& status) {
  const std::string reason = ErrorReason(status);
  casework::v1::ErrorReason value;
  if (reason.empty() ||
      !casework::v1::ErrorReason_Parse(absl::StrCat("ERROR_REASON_", reason), &value) ||
      !IsRule(value)) {
    return;
  }
  rejections_.Add({{"rule", reason}}).Increment();
}

void SessionMetrics::SetActive(const std::map<std::string, int64_t>& by_protocol) {
  for (const std::string& id : protocol_ids_) {
    auto found = by_protocol.find(id);
    active_.Add({{"protocol", id}}).Set(found == by_protocol.end() ? 0 : found->second);
  }
}

void SessionMetrics::SetOutboxBacklog(int64_t sessions) { outbox_backlog_.Set(sessions); }

}  // namespace casework::session
