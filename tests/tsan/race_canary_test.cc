// The canary that proves ThreadSanitizer is on in the TSan build: two threads increment a plain
// int without synchronisation. Under TSan this binary must fail with "WARNING: ThreadSanitizer:
// data race" (the ctest passes only on that text); built without TSan it would pass silently.
#include <cstdio>
#include <thread>

namespace {

int unguarded = 0;

void Bump() {
  for (int i = 0; i < 100000; ++i) ++unguarded;  // the deliberate race
}

}  // namespace

int main() {
  std::thread first(Bump);
  std::thread second(Bump);
  first.join();
  second.join();
  std::printf("race canary: %d (no TSan report means TSan is off)\n", unguarded);
  return 0;
}
