// Loads verification keys and generates key pairs with OpenSSL's EVP API.
#include "libs/auth/signing_keys.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace casework::auth {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using UniqueBio = std::unique_ptr<BIO, BioDeleter>;
using UniquePkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using UniquePkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read key file ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

absl::StatusOr<JwtKey> LoadHs256Key(const std::string& path, absl::string_view key_id) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  std::string secret(absl::StripAsciiWhitespace(*content));
  if (secret.size() < 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("HS256 key in ", path, " is shorter than 32 bytes"));
  }
  return JwtKey{std::string(key_id), "HS256", std::move(secret)};
}

absl::StatusOr<JwtKey> LoadPublicKey(const std::string& path, absl::string_view key_id) {
  absl::StatusOr<std::string> pem = ReadFile(path);
  if (!pem.ok()) return pem.status();
  UniqueBio bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  UniquePkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a PEM public key"));
  }
  switch (EVP_PKEY_base_id(key.get())) {
    case EVP_PKEY_RSA:
      return JwtKey{std::string(key_id), "RS256", *std::move(pem)};
    case EVP_PKEY_EC:
      return JwtKey{std::string(key_id), "ES256", *std::move(pem)};
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": only RSA (RS256) and EC P-256 (ES256) keys are supported"));
  }
}

absl::StatusOr<std::vector<JwtKey>> LoadPublicKeys(absl::string_view spec) {
  std::vector<JwtKey> keys;
  for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kid_path = absl::StrSplit(entry, '=');
    if (kid_path.second.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("public key entry '", entry, "' is not of the form kid=path"));
    }
    absl::StatusOr<JwtKey> key = LoadPublicKey(std::string(kid_path.second), kid_path.first);
    if (!key.ok()) return key.status();
    keys.push_back(*std::move(key));
  }
  return keys;
}

absl::StatusOr<PemKeyPair> GenerateKeyPair(absl::string_view algorithm) {
  UniquePkey key;
  if (algorithm == "RS256") {
    key.reset(EVP_RSA_gen(2048));
  } else if (algorithm == "ES256") {
    key.reset(EVP_EC_gen("P-256"));
  } else {
    return absl::InvalidArgumentError(absl::StrCat("cannot generate a key for ", algorithm));
  }
  if (key == nullptr) return absl::InternalError("key generation failed");
  UniqueBio private_bio(BIO_new(BIO_s_mem()));
  UniqueBio public_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(private_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1 ||
      PEM_write_bio_PUBKEY(public_bio.get(), key.get()) != 1) {
    return absl::InternalError("cannot write the generated key as PEM");
  }
  return PemKeyPair{BioContents(private_bio.get()), BioContents(public_bio.get())};
}

}  // namespace casework::auth
