# tlsfloor_embed(OUT <file.cpp> SYMBOL <name> FILES <f>...)
# Generates a translation unit holding each data file as a byte array, so the
# built binary carries patterns/ and works with no files beside it.
function(tlsfloor_embed)
  cmake_parse_arguments(E "" "OUT;SYMBOL" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${E_OUT}
    COMMAND ${CMAKE_COMMAND} -DOUT=${E_OUT} -DSYMBOL=${E_SYMBOL}
            "-DFILES=${E_FILES}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake
    COMMENT "Embedding ${E_SYMBOL} data files"
    VERBATIM)
endfunction()
