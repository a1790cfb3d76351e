// See records_client.h. Tokens: a provisioned file is re-read whenever its modification time
// changes; a minted development token lives 15 minutes and is renewed after 10.
#include "libs/records_client/records_client.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/auth/jwt_minter.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

constexpr absl::Duration kMintedLifetime = absl::Minutes(15);
constexpr absl::Duration kMintedRenewal = absl::Minutes(10);

absl::Status Unavailable(absl::string_view message) {
  return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
               absl::StrCat("records service: ", message));
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(const RecordsClientOptions& options,
                                                      absl::Status& status) {
  if (options.tls_ca_file.empty()) return grpc::InsecureChannelCredentials();
  std::ifstream in(options.tls_ca_file);
  std::stringstream roots;
  roots << in.rdbuf();
  if (!in) {
    status = absl::InvalidArgumentError(absl::StrCat("cannot read ", options.tls_ca_file));
    return nullptr;
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = roots.str();
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordsClient>> RecordsClient::Create(RecordsClientOptions options) {
  if (options.token_file.empty() == options.hs256_key_file.empty()) {
    return absl::InvalidArgumentError(
        "records client: give exactly one of a service token file or an HS256 key file");
  }
  if (!options.hs256_key_file.empty() && options.role.empty()) {
    return absl::InvalidArgumentError("records client: a minted token needs a service role");
  }
  absl::Status status;
  std::shared_ptr<grpc::ChannelCredentials> credentials = Credentials(options, status);
  if (!status.ok()) return status;
  grpc::ChannelArguments args;
  // Fail over quickly after the records service restarts instead of waiting out a long backoff.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.address, credentials, args);
  auto stub = casework::v1::RecordsService::NewStub(channel);
  auto client = absl::WrapUnique(new RecordsClient(std::move(options), std::move(stub)));
  absl::StatusOr<std::string> token = client->Token();  // fail at start-up, not on first use
  if (!token.ok()) return token.status();
  return client;
}

RecordsClient::RecordsClient(RecordsClientOptions options,
                             std::unique_ptr<casework::v1::RecordsService::StubInterface> stub)
    : options_(std::move(options)), stub_(std::move(stub)) {}

absl::Status RecordsClient::Prepare(grpc::ClientContext& context) {
  absl::StatusOr<std::string> token = Token();
  if (!token.ok()) return Unavailable(token.status().message());
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  // A records restart shorter than the deadline costs latency, not a failed command.
  context.set_wait_for_ready(true);
  context.AddMetadata("authorization", absl::StrCat("Bearer ", *token));
  return absl::OkStatus();
}

absl::StatusOr<std::string> RecordsClient::Token() {
  absl::MutexLock lock(&mu_);
  if (!options_.token_file.empty()) {
    struct stat st;
    if (stat(options_.token_file.c_str(), &st) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read the service token file ", options_.token_file));
    }
    const int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    if (mtime != token_file_mtime_ns_) {
      std::ifstream in(options_.token_file);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot read the service token file ", options_.token_file));
      }
      token_ = std::string(absl::StripAsciiWhitespace(text.str()));
      token_file_mtime_ns_ = mtime;
    }
    return token_;
  }
  const absl::Time now = absl::Now();
  if (now < token_renew_at_) return token_;
  absl::StatusOr<auth::JwtKey> key = auth::LoadHs256Key(options_.hs256_key_file, "dev");
  if (!key.ok()) return key.status();
  casework::v1::Principal identity;
  identity.set_subject(options_.role);
  identity.set_organization("*");
  identity.add_roles(options_.role);
  auth::TokenOptions token_options{options_.issuer, options_.audience, now, kMintedLifetime};
  absl::StatusOr<std::string> minted = auth::MintToken(identity, token_options, *key);
  if (!minted.ok()) return minted.status();
  token_ = *std::move(minted);
  token_renew_at_ = now + kMintedRenewal;
  return token_;
}

}  // namespace casework
