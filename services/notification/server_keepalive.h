// HTTP/2 keepalive for a process that serves long-lived streams (docs/CLIENTS.md explains the
// numbers). gRPC's server defaults refuse client pings more often than every 5 minutes on a
// stream that carries no data (the client then gets GOAWAY "too_many_pings") and never ping
// themselves, so an idle WatchSession stream dies in NATs and load balancers that drop idle flows
// after a few minutes. These settings let clients ping every 10 s or more and make the server ping
// every 30 s, which also frees the watchers of clients that vanished without closing.
//
// Stop-gap: the server kit (libs/server) builds the ServerBuilder and has no channel-argument
// option yet, so this registers a ServerBuilderPlugin that adds the arguments to every server the
// process builds afterwards. Replace with a ServerOptions field once the kit has one.
#ifndef SERVICES_NOTIFICATION_SERVER_KEEPALIVE_H_
#define SERVICES_NOTIFICATION_SERVER_KEEPALIVE_H_

#include "absl/time/time.h"

namespace casework::notification {

struct ServerKeepalive {
  absl::Duration ping_interval = absl::Seconds(30);  // server → client PING on idle
  absl::Duration ping_timeout = absl::Seconds(10);   // no ACK: the connection is dropped
  absl::Duration min_client_ping_interval = absl::Seconds(10);
};

// Call once, before the server is built.
void InstallServerKeepalive(const ServerKeepalive& keepalive);

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_SERVER_KEEPALIVE_H_
