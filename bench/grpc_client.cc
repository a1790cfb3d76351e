// Channels, tokens and contexts for the benchmark client.
#include "bench/grpc_client.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/auth/jwt_minter.h"

namespace casework::bench {

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& address, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("casework.bench.channel", i);  // distinct args: never one shared subchannel
    args.SetMaxReceiveMessageSize(64 << 20);
    channels.push_back(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

bool WaitConnected(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout) {
  return channel->WaitForConnected(absl::ToChronoTime(absl::Now() + timeout));
}

absl::StatusOr<TokenMinter> TokenMinter::Load(const std::string& key_file) {
  absl::StatusOr<auth::JwtKey> key = auth::LoadHs256Key(key_file, "dev");
  if (!key.ok()) return key.status();
  return TokenMinter(*std::move(key));
}

std::string TokenMinter::Mint(const std::string& subject, const std::string& organization,
                              const std::vector<std::string>& roles,
                              const std::vector<std::string>& teams) const {
  casework::v1::Principal principal;
  principal.set_subject(subject);
  principal.set_organization(organization);
  for (const std::string& role : roles) principal.add_roles(role);
  for (const std::string& team : teams) principal.add_teams(team);
  absl::StatusOr<std::string> token = auth::MintToken(
      principal, auth::TokenOptions{"casework-dev", "casework", absl::Now(), absl::Hours(2)}, key_);
  return token.ok() ? *token : std::string();
}

void PrepareContext(grpc::ClientContext& context, const std::string& token,
                    absl::Duration timeout) {
  if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), ": ", status.error_message());
}

}  // namespace casework::bench
