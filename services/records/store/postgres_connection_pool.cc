// The bounded PostgreSQL connection pool.
#include "services/records/store/postgres_connection_pool.h"

namespace casework::records {

absl::StatusOr<PgConnectionPool::Lease> PgConnectionPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](PgConnectionPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
          return !pool->idle_.empty() || pool->open_ < pool->size_;
        },
        this));
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;  // a slot reserved for the connection opened below, outside the lock
  }
  absl::StatusOr<std::unique_ptr<PgConnection>> opened = PgConnection::Open(options_);
  if (!opened.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return opened.status();
  }
  return Lease(this, *std::move(opened));
}

int PgConnectionPool::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

void PgConnectionPool::Return(std::unique_ptr<PgConnection> connection) {
  // A connection left inside a transaction (a thread gave up half-way) is as good as broken.
  const bool usable =
      !connection->broken() && PQtransactionStatus(connection->raw()) == PQTRANS_IDLE;
  absl::MutexLock lock(&mu_);
  if (usable) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
}

}  // namespace casework::records
