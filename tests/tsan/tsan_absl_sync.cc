// Linked into the ThreadSanitizer binaries only (tests/tsan/CMakeLists.txt). Debian's Abseil is
// not built with -fsanitize=thread, so TSan cannot see the happens-before edges absl::Mutex,
// absl::CondVar and absl::Notification create inside the shared library, and would report every
// access guarded by them as a race. Defining their exported entry points here interposes them
// (the executable's definition wins over the shared library's, also for calls from inside
// Abseil): each forwards to the library's own function (dlsym RTLD_NEXT) and tells TSan about the
// release before giving the lock up and the acquire once it holds it again; a Condition, which
// Abseil evaluates inside the library under the lock, acquires before it runs. This is the
// instrumentation an Abseil built with TSan carries itself; it hides no report in our code.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace {

template <typename F>
F Real(const char* symbol) {
  void* real = dlsym(RTLD_NEXT, symbol);
  if (real == nullptr) {
    std::fprintf(stderr, "tsan_absl_sync: %s not found\n", symbol);
    std::abort();
  }
  return reinterpret_cast<F>(real);
}

// The library's functions, by their mangled names (Abseil 20220623, inline namespace debian3).
#define CASEWORK_REAL(type, symbol)            \
  static const auto real = Real<type>(symbol); \
  (void)0

void Acquire(const void* address) { __tsan_acquire(const_cast<void*>(address)); }
void Release(const void* address) { __tsan_release(const_cast<void*>(address)); }

// Abseil evaluates a Condition inside the library, under the mutex, on whichever thread holds it
// (the waiter, or an unlocking thread): the evaluation acquires the mutex for TSan first.
struct GuardedCondition {
  const absl::Condition* condition;
  const void* mutex;
  static bool Eval(GuardedCondition* self) {
    Acquire(self->mutex);
    const bool met = self->condition->Eval();
    Release(self->mutex);
    return met;
  }
};

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  CASEWORK_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex4LockEv");
  real(this);
  Acquire(this);
}
void Mutex::ReaderLock() {
  CASEWORK_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex10ReaderLockEv");
  real(this);
  Acquire(this);
}
bool Mutex::TryLock() {
  CASEWORK_REAL(bool (*)(Mutex*), "_ZN4absl7debian35Mutex7TryLockEv");
  const bool locked = real(this);
  if (locked) Acquire(this);
  return locked;
}
bool Mutex::ReaderTryLock() {
  CASEWORK_REAL(bool (*)(Mutex*), "_ZN4absl7debian35Mutex13ReaderTryLockEv");
  const bool locked = real(this);
  if (locked) Acquire(this);
  return locked;
}
void Mutex::Unlock() {
  CASEWORK_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex6UnlockEv");
  Release(this);
  real(this);
}
void Mutex::ReaderUnlock() {
  CASEWORK_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex12ReaderUnlockEv");
  Release(this);
  real(this);
}
void Mutex::LockWhen(const Condition& cond) {
  CASEWORK_REAL(void (*)(Mutex*, const Condition&),
                "_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  GuardedCondition guarded{&cond, this};
  real(this, absl::Condition(&GuardedCondition::Eval, &guarded));
  Acquire(this);
}
void Mutex::ReaderLockWhen(const Condition& cond) {
  CASEWORK_REAL(void (*)(Mutex*, const Condition&),
                "_ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE");
  GuardedCondition guarded{&cond, this};
  real(this, absl::Condition(&GuardedCondition::Eval, &guarded));
  Acquire(this);
}
bool Mutex::LockWhenWithTimeout(const Condition& cond, absl::Duration timeout) {
  CASEWORK_REAL(bool (*)(Mutex*, const Condition&, absl::Duration),
                "_ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  GuardedCondition guarded{&cond, this};
  const bool met = real(this, absl::Condition(&GuardedCondition::Eval, &guarded), timeout);
  Acquire(this);
  return met;
}
bool Mutex::LockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  CASEWORK_REAL(bool (*)(Mutex*, const Condition&, absl::Time),
                "_ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  GuardedCondition guarded{&cond, this};
  const bool met = real(this, absl::Condition(&GuardedCondition::Eval, &guarded), deadline);
  Acquire(this);
  return met;
}
void Mutex::Await(const Condition& cond) {
  CASEWORK_REAL(void (*)(Mutex*, const Condition&),
                "_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  GuardedCondition guarded{&cond, this};
  Release(this);
  real(this, absl::Condition(&GuardedCondition::Eval, &guarded));
  Acquire(this);
}
bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  CASEWORK_REAL(bool (*)(Mutex*, const Condition&, absl::Duration),
                "_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  GuardedCondition guarded{&cond, this};
  Release(this);
  const bool met = real(this, absl::Condition(&GuardedCondition::Eval, &guarded), timeout);
  Acquire(this);
  return met;
}
bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  CASEWORK_REAL(bool (*)(Mutex*, const Condition&, absl::Time),
                "_ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  GuardedCondition guarded{&cond, this};
  Release(this);
  const bool met = real(this, absl::Condition(&GuardedCondition::Eval, &guarded), deadline);
  Acquire(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  CASEWORK_REAL(void (*)(CondVar*, Mutex*), "_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE");
  Release(mu);
  real(this, mu);
  Acquire(mu);
}
bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  CASEWORK_REAL(bool (*)(CondVar*, Mutex*, absl::Duration),
                "_ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  Release(mu);
  const bool timed_out = real(this, mu, timeout);
  Acquire(mu);
  return timed_out;
}
bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  CASEWORK_REAL(bool (*)(CondVar*, Mutex*, absl::Time),
                "_ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  Release(mu);
  const bool timed_out = real(this, mu, deadline);
  Acquire(mu);
  return timed_out;
}

// Notify publishes through an atomic flag the waiters (and HasBeenNotified, inline in our code)
// read: release on the Notification and on that flag, which follows the Mutex in its layout.
void Notification::Notify() {
  CASEWORK_REAL(void (*)(Notification*), "_ZN4absl7debian312Notification6NotifyEv");
  Release(this);
  Release(reinterpret_cast<const char*>(this) + sizeof(Mutex));
  real(this);
}
void Notification::WaitForNotification() const {
  CASEWORK_REAL(void (*)(const Notification*),
                "_ZNK4absl7debian312Notification19WaitForNotificationEv");
  real(this);
  Acquire(this);
}
bool Notification::WaitForNotificationWithTimeout(absl::Duration timeout) const {
  CASEWORK_REAL(bool (*)(const Notification*, absl::Duration),
                "_ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE");
  const bool notified = real(this, timeout);
  if (notified) Acquire(this);
  return notified;
}
bool Notification::WaitForNotificationWithDeadline(absl::Time deadline) const {
  CASEWORK_REAL(bool (*)(const Notification*, absl::Time),
                "_ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE");
  const bool notified = real(this, deadline);
  if (notified) Acquire(this);
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
