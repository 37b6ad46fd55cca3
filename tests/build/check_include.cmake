# Compiles `#include "<HEADER>"` against the include root ROOT and checks the
# outcome against EXPECT (allowed: it compiles; forbidden: the header is not
# found). Any other failure fails the check, so a broken header cannot pass
# for a forbidden one.
string(MAKE_C_IDENTIFIER "${ROOT}_${HEADER}" id)
set(source "${CMAKE_CURRENT_BINARY_DIR}/deprule_${id}.cpp")
file(WRITE ${source} "#include \"${HEADER}\"\n")
execute_process(
  COMMAND ${COMPILER} -std=c++20 -fsyntax-only -I${ROOT} ${source}
  RESULT_VARIABLE rc
  ERROR_VARIABLE err)
file(REMOVE ${source})
if(EXPECT STREQUAL "allowed")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${HEADER} should be includable from ${ROOT}, but:\n${err}")
  endif()
else()
  if(rc EQUAL 0)
    message(FATAL_ERROR "${HEADER} is includable from ${ROOT}: the dependency rule is not enforced")
  endif()
  if(NOT err MATCHES "${HEADER}: No such file or directory")
    message(FATAL_ERROR "${HEADER} failed from ${ROOT} for another reason than visibility:\n${err}")
  endif()
  message(STATUS "refused as it should be: ${HEADER} from ${ROOT}")
endif()
