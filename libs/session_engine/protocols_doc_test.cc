// docs/PROTOCOLS.md stays in sync with protocols/*.textproto: its generated section must equal
// what the files render to today. Regenerate with
//   build/bin/protocols_doc protocols docs/PROTOCOLS.md
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "libs/session_engine/protocol_document.h"
#include "libs/session_engine/testing/engine_harness.h"

namespace casework::session::testing {
namespace {

TEST(ProtocolsDoc, GeneratedSectionMatchesTheProtocolFiles) {
  const std::string path = std::string(CASEWORK_SOURCE_DIR) + "/docs/PROTOCOLS.md";
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path;
  std::stringstream document;
  document << in.rdbuf();
  auto expected = ReplaceGeneratedSection(document.str(),
                                          RenderProtocolReference(BuiltInProtocols().protocols()));
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_EQ(document.str(), *expected)
      << "docs/PROTOCOLS.md is out of date; run: build/bin/protocols_doc protocols "
         "docs/PROTOCOLS.md";
}

TEST(ProtocolsDoc, EveryPhaseOfEveryProtocolIsDocumented) {
  const std::string rendered = RenderProtocolReference(BuiltInProtocols().protocols());
  for (const v1::ProtocolTemplate& protocol : BuiltInProtocols().protocols()) {
    EXPECT_NE(rendered.find("`" + protocol.id() + "`"), std::string::npos);
    for (const v1::PhaseTemplate& phase : protocol.phases()) {
      EXPECT_NE(rendered.find("`" + phase.id() + "`"), std::string::npos) << phase.id();
    }
  }
}

}  // namespace
}  // namespace casework::session::testing
