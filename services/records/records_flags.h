// casework-records' own flags (the kit's are in libs/server/server_flags.h), turned into the
// records service's options.
#ifndef SERVICES_RECORDS_RECORDS_FLAGS_H_
#define SERVICES_RECORDS_RECORDS_FLAGS_H_

#include "absl/status/statusor.h"
#include "services/records/records_app.h"

namespace casework {

// The options the flags describe; INVALID_ARGUMENT names the flag that is wrong.
absl::StatusOr<RecordsOptions> RecordsOptionsFromFlags();

}  // namespace casework

#endif  // SERVICES_RECORDS_RECORDS_FLAGS_H_
