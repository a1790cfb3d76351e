# Warnings for the project's own targets (generated code is compiled without them).
function(casework_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wimplicit-fallthrough)
  if(CASEWORK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# casework_test(<name> SOURCES ... DEPS ... [TIMEOUT s] [LABELS ...] [SERIAL]): a GoogleTest binary
# registered with ctest; SERIAL: its tests run with no other test beside them.
function(casework_test name)
  cmake_parse_arguments(T "SERIAL" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  casework_warnings(${name})
  target_compile_options(${name} PRIVATE ${CASEWORK_TEST_CXX_FLAGS})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set(properties TIMEOUT ${T_TIMEOUT})
  if(T_LABELS)
    list(APPEND properties LABELS "${T_LABELS}")
  endif()
  if(T_SERIAL)
    list(APPEND properties RUN_SERIAL TRUE)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30 PROPERTIES ${properties})
endfunction()

# casework_embed_text(<target> <symbol> <file>): compiles <file>'s text into <target> as
# `extern const char <symbol>[]` (e.g. Lua scripts kept as files but shipped inside the binary).
function(casework_embed_text target symbol file)
  get_filename_component(abs "${file}" ABSOLUTE)
  file(READ "${abs}" content)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${symbol}_embedded.cc")
  file(WRITE "${out}.tmp"
       "// Generated from ${file} by casework_embed_text; edit the source file.\n"
       "extern const char ${symbol}[];\n"
       "const char ${symbol}[] = R\"casework_embed(${content})casework_embed\";\n")
  file(COPY_FILE "${out}.tmp" "${out}" ONLY_IF_DIFFERENT)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${abs}")
  target_sources(${target} PRIVATE "${out}")
endfunction()
