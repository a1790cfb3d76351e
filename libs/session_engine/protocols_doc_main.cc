// protocols_doc: rewrites the generated reference section of docs/PROTOCOLS.md from the protocol
// files. Usage: protocols_doc <protocols directory> <PROTOCOLS.md>
#include <fstream>
#include <iostream>
#include <sstream>

#include "libs/session_engine/protocol_document.h"
#include "libs/session_engine/protocol_registry.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: protocols_doc <protocols directory> <PROTOCOLS.md>\n";
    return 2;
  }
  auto registry = casework::session::ProtocolRegistry::LoadDirectory(argv[1]);
  if (!registry.ok()) {
    std::cerr << registry.status() << "\n";
    return 1;
  }
  std::stringstream document;
  document << std::ifstream(argv[2]).rdbuf();
  auto updated = casework::session::ReplaceGeneratedSection(
      document.str(), casework::session::RenderProtocolReference(registry->protocols()));
  if (!updated.ok()) {
    std::cerr << updated.status() << "\n";
    return 1;
  }
  std::ofstream(argv[2]) << *updated;
  return 0;
}
