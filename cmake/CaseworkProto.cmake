# casework_proto_library(): protoc code generation scoped to one target.
#
#   casework_proto_library(NAME <target>
#     ROOT <dir>            # import root the PROTOS are relative to
#     PROTOS <files...>     # relative to ROOT
#     [IMPORT_ROOTS <dirs>] # further -I roots, only the ones these files import from
#     [DEPS <targets>]      # proto message targets whose files are imported
#     [GRPC_TARGET <name>]) # also generate gRPC stubs into a separate target
#
# <target> holds the messages only (links protobuf); GRPC_TARGET holds the service stubs and links
# gRPC, so a domain core can depend on messages without linking gRPC.
function(casework_proto_library)
  cmake_parse_arguments(P "" "NAME;ROOT;GRPC_TARGET" "PROTOS;IMPORT_ROOTS;DEPS" ${ARGN})
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/${P_NAME}_gen")
  file(MAKE_DIRECTORY "${out_dir}")
  set(include_flags "-I${P_ROOT}")
  foreach(root IN LISTS P_IMPORT_ROOTS)
    list(APPEND include_flags "-I${root}")
  endforeach()
  foreach(dep IN LISTS P_DEPS)
    get_target_property(dep_roots ${dep} CASEWORK_PROTO_ROOTS)
    foreach(root IN LISTS dep_roots)
      list(APPEND include_flags "-I${root}")
    endforeach()
  endforeach()
  list(APPEND include_flags "-I${Protobuf_INCLUDE_DIR}")
  list(REMOVE_DUPLICATES include_flags)

  set(msg_srcs "")
  set(grpc_srcs "")
  set(abs_protos "")
  foreach(proto IN LISTS P_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" stem "${proto}")
    set(abs "${P_ROOT}/${proto}")
    list(APPEND abs_protos "${abs}")
    set(pb "${out_dir}/${stem}.pb.cc;${out_dir}/${stem}.pb.h")
    set(outputs ${pb})
    set(grpc_args "")
    if(P_GRPC_TARGET)
      set(grpc_outs "${out_dir}/${stem}.grpc.pb.cc;${out_dir}/${stem}.grpc.pb.h")
      list(APPEND outputs ${grpc_outs})
      list(APPEND grpc_srcs "${out_dir}/${stem}.grpc.pb.cc")
      set(grpc_args "--grpc_out=${out_dir}" "--plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>")
    endif()
    list(APPEND msg_srcs "${out_dir}/${stem}.pb.cc")
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc ${include_flags} "--cpp_out=${out_dir}" ${grpc_args} "${abs}"
      DEPENDS "${abs}" protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
  endforeach()

  add_library(${P_NAME} STATIC ${msg_srcs})
  target_include_directories(${P_NAME} SYSTEM PUBLIC "${out_dir}")
  target_link_libraries(${P_NAME} PUBLIC protobuf::libprotobuf ${P_DEPS})
  set(roots "${P_ROOT}")
  foreach(dep IN LISTS P_DEPS)
    get_target_property(dep_roots ${dep} CASEWORK_PROTO_ROOTS)
    list(APPEND roots ${dep_roots})
  endforeach()
  list(REMOVE_DUPLICATES roots)
  set_target_properties(${P_NAME} PROPERTIES CASEWORK_PROTO_ROOTS "${roots}"
                                             POSITION_INDEPENDENT_CODE ON)
  if(P_GRPC_TARGET)
    add_library(${P_GRPC_TARGET} STATIC ${grpc_srcs})
    target_link_libraries(${P_GRPC_TARGET} PUBLIC ${P_NAME} gRPC::grpc++)
    set_target_properties(${P_GRPC_TARGET} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endif()
endfunction()
