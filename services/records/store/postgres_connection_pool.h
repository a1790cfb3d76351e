// A bounded pool of PostgreSQL connections shared by the store's threads: at most `size`
// connections are ever open, opened when first needed, handed to one thread at a time, and
// dropped (to be reopened by a later Acquire) once they are found broken — so a database restart
// costs the calls in flight, not the process.
#ifndef SERVICES_RECORDS_STORE_POSTGRES_CONNECTION_POOL_H_
#define SERVICES_RECORDS_STORE_POSTGRES_CONNECTION_POOL_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/records/store/postgres_connection.h"

namespace casework::records {

class PgConnectionPool {
 public:
  class Lease;

  PgConnectionPool(PgConnectOptions options, int size)
      : options_(std::move(options)), size_(size) {}

  // Waits for a free connection (or room to open one) and lends it; UNAVAILABLE when a new
  // connection cannot be opened.
  absl::StatusOr<Lease> Acquire();

  int size() const { return size_; }
  // Connections currently open (idle or lent).
  int open() const;

 private:
  void Return(std::unique_ptr<PgConnection> connection);

  const PgConnectOptions options_;
  const int size_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + lent + being opened
};

// A lent connection, given back (or dropped, when broken) when the lease ends.
class PgConnectionPool::Lease {
 public:
  Lease(PgConnectionPool* pool, std::unique_ptr<PgConnection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&& other) noexcept = delete;
  ~Lease() {
    if (connection_ != nullptr) pool_->Return(std::move(connection_));
  }
  PgConnection& operator*() const { return *connection_; }
  PgConnection* operator->() const { return connection_.get(); }

 private:
  PgConnectionPool* pool_;
  std::unique_ptr<PgConnection> connection_;
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_POSTGRES_CONNECTION_POOL_H_
