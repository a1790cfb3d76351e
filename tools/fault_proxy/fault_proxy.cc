// The relay threads of FaultProxy: one per accepted connection, polling both sockets.
#include "tools/fault_proxy/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"

namespace casework::fault_proxy {
namespace {

constexpr int kPollMs = 50;  // how often a blocked thread looks at the stop flag
constexpr size_t kFrameHeader = 9;
constexpr uint8_t kHeadersFrame = 0x1;

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FaultProxy>> FaultProxy::Start(FaultProxyOptions options) {
  if (options.target_port <= 0 || options.drop_response_ratio < 0 ||
      options.drop_response_ratio > 1) {
    return absl::InvalidArgumentError("fault proxy: target port and a ratio in [0, 1] required");
  }
  std::unique_ptr<FaultProxy> proxy(new FaultProxy(options));
  proxy->listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(proxy->listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address = Loopback(options.listen_port);
  if (bind(proxy->listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(proxy->listener_, 128) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "fault proxy: cannot listen on 127.0.0.1:", options.listen_port, ": ", strerror(errno)));
  }
  socklen_t length = sizeof(address);
  getsockname(proxy->listener_, reinterpret_cast<sockaddr*>(&address), &length);
  proxy->port_ = ntohs(address.sin_port);
  if (proxy->options_.seed == 0) proxy->options_.seed = std::random_device{}();
  proxy->acceptor_ = std::thread([p = proxy.get()] { p->AcceptLoop(); });
  return proxy;
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  if (listener_ >= 0) close(listener_);
  std::vector<std::thread> relays;
  {
    absl::MutexLock lock(&mu_);
    relays.swap(relays_);
  }
  for (std::thread& relay : relays) relay.join();
}

void FaultProxy::AcceptLoop() {
  uint64_t count = 0;
  while (!stopping_.load()) {
    pollfd waiting{listener_, POLLIN, 0};
    if (poll(&waiting, 1, kPollMs) <= 0) continue;
    int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++connections_;
    const uint64_t seed = options_.seed * 0x9e3779b97f4a7c15ULL + ++count;
    absl::MutexLock lock(&mu_);
    relays_.emplace_back([this, client, seed] { Relay(client, seed); });
  }
}

bool FaultProxy::RollDrop(uint64_t& state) const {
  // splitmix64: a tiny deterministic generator per connection (seeded), no shared state.
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(1ULL << 53) <
         options_.drop_response_ratio;
}

void FaultProxy::Relay(int client, uint64_t seed) {
  int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in target = Loopback(options_.target_port);
  int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(server, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
    close(server);
    close(client);
    return;
  }
  std::string from_server;       // bytes not yet forwarded: an incomplete frame at most
  std::set<uint32_t> responded;  // streams whose response has started
  char buffer[64 * 1024];
  bool open = true;
  while (open && !stopping_.load()) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (poll(fds, 2, kPollMs) <= 0) continue;
    if (fds[0].revents != 0) {
      ssize_t n = recv(client, buffer, sizeof(buffer), 0);
      open = n > 0 && SendAll(server, buffer, static_cast<size_t>(n));
    }
    if (open && fds[1].revents != 0) {
      ssize_t n = recv(server, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      from_server.append(buffer, static_cast<size_t>(n));
      size_t complete = 0;  // bytes of whole frames at the front of from_server
      while (open && from_server.size() - complete >= kFrameHeader) {
        const auto* header = reinterpret_cast<const uint8_t*>(from_server.data() + complete);
        const size_t length = (size_t{header[0]} << 16) | (size_t{header[1]} << 8) | header[2];
        if (from_server.size() - complete < kFrameHeader + length) break;
        const uint32_t stream = ((uint32_t{header[5]} & 0x7f) << 24) | (uint32_t{header[6]} << 16) |
                                (uint32_t{header[7]} << 8) | header[8];
        if (header[3] == kHeadersFrame && stream != 0 && responded.insert(stream).second) {
          ++responses_;
          if (RollDrop(seed)) {
            ++dropped_;
            SendAll(client, from_server.data(), complete);  // what came before this response
            open = false;
            break;
          }
        }
        complete += kFrameHeader + length;
      }
      if (open) {
        open = SendAll(client, from_server.data(), complete);
        from_server.erase(0, complete);
      }
    }
  }
  close(server);
  close(client);
}

}  // namespace casework::fault_proxy
