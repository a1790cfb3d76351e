// Starts a non-blocking hiredis connection attached to a libevent loop (shared by RedisClient
// and RedisSubscriber). Returns nullptr when the attempt fails at once; the caller retries.
#ifndef LIBS_REDIS_ASYNC_CONNECT_H_
#define LIBS_REDIS_ASYNC_CONNECT_H_

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "libs/redis/redis_client.h"

namespace casework::redis {

inline redisAsyncContext* StartAsyncConnect(const RedisOptions& options, event_base* base,
                                            void* data, redisConnectCallback* on_connect,
                                            redisDisconnectCallback* on_disconnect) {
  redisAsyncContext* context = options.unix_socket.empty()
                                   ? redisAsyncConnect(options.host.c_str(), options.port)
                                   : redisAsyncConnectUnix(options.unix_socket.c_str());
  if (context == nullptr || context->err != 0) {
    if (context != nullptr) redisAsyncFree(context);
    return nullptr;
  }
  context->data = data;
  redisLibeventAttach(context, base);
  redisAsyncSetConnectCallback(context, on_connect);
  redisAsyncSetDisconnectCallback(context, on_disconnect);
  return context;
}

}  // namespace casework::redis

#endif  // LIBS_REDIS_ASYNC_CONNECT_H_
