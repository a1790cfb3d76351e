// Loads protocol templates from text-format files and validates them, reporting file:line:column.
#include "libs/session_engine/protocol_registry.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/protocol_validator.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/status_macros.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;
using google::protobuf::TextFormat;

struct Location {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

absl::Status FileError(absl::string_view file, Location location, absl::string_view reason) {
  return Refusal(absl::StatusCode::kInvalidArgument, v1::ERROR_REASON_PROTOCOL_INVALID,
                 absl::StrCat(file, ":", location.line, ":", location.column, ": ", reason),
                 {{"file", std::string(file)},
                  {"line", absl::StrCat(location.line)},
                  {"column", absl::StrCat(location.column)}});
}

// Keeps the first error of the text-format parser with its position.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (message_.empty()) {
      location_ = {line + 1, column + 1};
      message_ = message;
    }
  }
  Location location() const { return location_; }
  const std::string& message() const { return message_; }

 private:
  Location location_;
  std::string message_;
};

// The position of the field a validation path names: the deepest element found in the file (a
// missing field is reported where its enclosing message starts).
Location Locate(const TextFormat::ParseInfoTree& root, const std::vector<FieldPathElement>& path) {
  const google::protobuf::Descriptor* descriptor = v1::ProtocolTemplate::descriptor();
  const TextFormat::ParseInfoTree* tree = &root;
  Location best{1, 1};
  for (const FieldPathElement& element : path) {
    const google::protobuf::FieldDescriptor* field =
        descriptor == nullptr ? nullptr : descriptor->FindFieldByName(element.field);
    // A repeated field named as a whole (index -1) is reported at its enclosing message.
    if (field == nullptr || tree == nullptr || (field->is_repeated() && element.index < 0)) break;
    const TextFormat::ParseLocation location = tree->GetLocation(field, element.index);
    if (location.line < 0) break;
    best = {location.line + 1, location.column + 1};
    if (field->message_type() == nullptr) break;
    tree = tree->GetTreeForNested(field, element.index);
    descriptor = field->message_type();
  }
  return best;
}

struct LoadedFile {
  std::string path;
  v1::ProtocolTemplate protocol;
  std::unique_ptr<TextFormat::ParseInfoTree> tree;
};

absl::StatusOr<LoadedFile> ParseFile(absl::string_view file_name, absl::string_view text) {
  LoadedFile file{std::string(file_name), {}, std::make_unique<TextFormat::ParseInfoTree>()};
  FirstErrorCollector errors;
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(file.tree.get());
  if (!parser.ParseFromString(std::string(text), &file.protocol)) {
    return FileError(file_name, errors.location(), errors.message());
  }
  if (std::optional<ProtocolIssue> issue = FindProtocolIssue(file.protocol)) {
    return FileError(file_name, Locate(*file.tree, issue->path),
                     absl::StrCat(FieldPathString(issue->path), ": ", issue->reason));
  }
  return file;
}

bool CanRunAsCaseDiscussion(const v1::ProtocolTemplate& protocol) {
  return (protocol.category() == v1::PROTOCOL_CATEGORY_CASE_CONSULTATION ||
          protocol.category() == v1::PROTOCOL_CATEGORY_INTERVISION) &&
         protocol.segment_options().empty();
}

// Checks that need every template: unique ids, and case-discussion segments naming protocols
// that exist, can run inside a meeting, and fit the meeting's time-warning lead.
absl::Status CrossCheck(const std::vector<LoadedFile>& files) {
  std::map<std::string, const LoadedFile*> by_id;
  for (const LoadedFile& file : files) {
    if (!by_id.emplace(file.protocol.id(), &file).second) {
      return FileError(file.path, Locate(*file.tree, {{"id", -1}}),
                       absl::StrCat("id \"", file.protocol.id(), "\" is used by another file"));
    }
  }
  for (const LoadedFile& file : files) {
    const absl::Duration lead = file.protocol.has_time_warning_lead()
                                    ? ToDuration(file.protocol.time_warning_lead())
                                    : absl::Minutes(2);
    for (int i = 0; i < file.protocol.segment_options_size(); ++i) {
      const auto& ids = file.protocol.segment_options(i).case_discussion_protocol_ids();
      for (int j = 0; j < ids.size(); ++j) {
        auto it = by_id.find(ids.Get(j));
        const std::vector<FieldPathElement> path = {{"segment_options", i},
                                                    {"case_discussion_protocol_ids", j}};
        if (it == by_id.end() || !CanRunAsCaseDiscussion(it->second->protocol)) {
          return FileError(file.path, Locate(*file.tree, path),
                           absl::StrCat("\"", ids.Get(j),
                                        "\" is not a loaded consultation or intervision protocol"));
        }
        for (const v1::PhaseTemplate& phase : it->second->protocol.phases()) {
          if (ToDuration(phase.timebox().planned()) <= lead) {
            return FileError(file.path, Locate(*file.tree, path),
                             absl::StrCat("phase \"", phase.id(), "\" of \"", ids.Get(j),
                                          "\" is not longer than this template's warning lead"));
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::ProtocolTemplate>> Finish(std::vector<LoadedFile> files) {
  CASEWORK_RETURN_IF_ERROR(CrossCheck(files));
  std::vector<v1::ProtocolTemplate> protocols;
  for (LoadedFile& file : files) {
    file.protocol.set_revision(ProtocolRevision(file.protocol));
    protocols.push_back(std::move(file.protocol));
  }
  std::sort(protocols.begin(), protocols.end(),
            [](const auto& a, const auto& b) { return a.id() < b.id(); });
  return protocols;
}

}  // namespace

std::string ProtocolRevision(const v1::ProtocolTemplate& protocol) {
  v1::ProtocolTemplate copy = protocol;
  copy.clear_revision();
  copy.clear_name();
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a, 64 bit
  for (unsigned char c : copy.SerializeAsString()) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrFormat("r%016x", hash);
}

absl::StatusOr<ProtocolRegistry> ProtocolRegistry::LoadDirectory(const std::string& directory) {
  std::error_code error;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".textproto") paths.push_back(entry.path());
  }
  if (error) {
    return Refusal(
        absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_PROTOCOL_INVALID,
        absl::StrCat("cannot read protocol directory ", directory, ": ", error.message()),
        {{"file", directory}});
  }
  std::sort(paths.begin(), paths.end());
  std::vector<LoadedFile> files;
  for (const std::filesystem::path& path : paths) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_PROTOCOL_INVALID,
                     absl::StrCat("cannot read ", path.string()), {{"file", path.string()}});
    }
    CASEWORK_ASSIGN_OR_RETURN(LoadedFile file, ParseFile(path.string(), text.str()));
    if (file.protocol.id() != path.stem().string()) {
      return FileError(file.path, Locate(*file.tree, {{"id", -1}}),
                       absl::StrCat("id \"", file.protocol.id(), "\" must equal the file name \"",
                                    path.stem().string(), "\""));
    }
    files.push_back(std::move(file));
  }
  CASEWORK_ASSIGN_OR_RETURN(std::vector<v1::ProtocolTemplate> protocols, Finish(std::move(files)));
  return ProtocolRegistry(std::move(protocols));
}

absl::StatusOr<v1::ProtocolTemplate> ProtocolRegistry::ParseTemplate(absl::string_view file_name,
                                                                     absl::string_view text) {
  CASEWORK_ASSIGN_OR_RETURN(LoadedFile file, ParseFile(file_name, text));
  file.protocol.set_revision(ProtocolRevision(file.protocol));
  return std::move(file.protocol);
}

absl::StatusOr<ProtocolRegistry> ProtocolRegistry::FromTemplates(
    std::vector<v1::ProtocolTemplate> protocols) {
  std::vector<LoadedFile> files;
  for (v1::ProtocolTemplate& protocol : protocols) {
    protocol.clear_revision();
    const std::string label = absl::StrCat("<", protocol.id(), ">");
    CASEWORK_RETURN_IF_ERROR(ValidateProtocolTemplate(protocol));
    files.push_back({label, std::move(protocol), std::make_unique<TextFormat::ParseInfoTree>()});
  }
  CASEWORK_ASSIGN_OR_RETURN(std::vector<v1::ProtocolTemplate> loaded, Finish(std::move(files)));
  return ProtocolRegistry(std::move(loaded));
}

const v1::ProtocolTemplate* ProtocolRegistry::Find(absl::string_view id) const {
  for (const v1::ProtocolTemplate& protocol : protocols_) {
    if (protocol.id() == id) return &protocol;
  }
  return nullptr;
}

absl::Status ProtocolRegistry::FillCreateFacts(const v1::CreateSessionRequest& request,
                                               v1::CommandFacts* facts) const {
  auto not_found = [](absl::string_view id) {
    return Refusal(absl::StatusCode::kNotFound, v1::ERROR_REASON_RESOURCE_NOT_FOUND,
                   absl::StrCat("protocol \"", id, "\" does not exist"),
                   {{"resource", absl::StrCat("protocols/", id)}});
  };
  // A missing id is an invalid request (as Decide would say), not a protocol that is missing.
  if (request.session().protocol_id().empty()) {
    return FieldInvalid("session.protocol_id", "is required");
  }
  const v1::ProtocolTemplate* protocol = Find(request.session().protocol_id());
  if (protocol == nullptr) return not_found(request.session().protocol_id());
  *facts->mutable_protocol() = *protocol;
  const std::string& inner = request.session().extended_segment().case_discussion_protocol_id();
  if (!inner.empty()) {
    const v1::ProtocolTemplate* discussion = Find(inner);
    if (discussion == nullptr) return not_found(inner);
    *facts->mutable_case_discussion_protocol() = *discussion;
  }
  return absl::OkStatus();
}

}  // namespace casework::session
