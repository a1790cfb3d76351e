# ctest entry: fails when the session engine's link closure (written at configure time) names a
# gRPC, Redis or SQLite library. Usage: cmake -DCLOSURE_FILE=... -P check_link_closure.cmake
file(STRINGS "${CLOSURE_FILE}" libs)
foreach(lib IN LISTS libs)
  if(lib MATCHES "[Gg][Rr][Pp][Cc]|hiredis|redis|sqlite|libevent")
    message(FATAL_ERROR "session_engine links ${lib}")
  endif()
endforeach()
list(LENGTH libs count)
message(STATUS "session_engine links ${count} targets/libraries, none of gRPC, Redis, SQLite")
