// SIGTERM/SIGINT handled on the main thread: block them before any thread starts (threads inherit
// the mask), then sigwait. No async signal handler, so teardown runs as ordinary code.
#ifndef LIBS_SERVER_SHUTDOWN_SIGNAL_H_
#define LIBS_SERVER_SHUTDOWN_SIGNAL_H_

namespace casework {

// Call first thing in main().
void BlockTerminationSignals();

// Blocks until SIGTERM or SIGINT arrives; returns the signal number.
int WaitForTerminationSignal();

}  // namespace casework

#endif  // LIBS_SERVER_SHUTDOWN_SIGNAL_H_
