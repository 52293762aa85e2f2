# Compiles src/ops/status_page.html into the given target as `status_page_html()`.
#
# The HTML is read at configure time and pasted into a raw string literal of a generated .cpp. The
# HTML file is a configure dependency, so editing it re-runs CMake and rebuilds that one file.
function(embed_status_page target)
    set(html_file ${PROJECT_SOURCE_DIR}/src/ops/status_page.html)
    set(template ${PROJECT_SOURCE_DIR}/src/ops/status_page.cpp.in)
    set(generated ${CMAKE_CURRENT_BINARY_DIR}/ops/status_page.cpp)
    # Must match the delimiter in the template (16 characters at most).
    set(delimiter "status_page_end")

    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${html_file})
    file(READ ${html_file} STATUS_PAGE_HTML)
    string(FIND "${STATUS_PAGE_HTML}" ")${delimiter}" found)
    if(NOT found EQUAL -1)
        message(FATAL_ERROR "${html_file} contains \")${delimiter}\", which would end the raw "
                            "string literal it is embedded in; reword that text")
    endif()
    # ISO C++ only promises string literals of 65536 characters; -Wpedantic warns beyond.
    string(LENGTH "${STATUS_PAGE_HTML}" size)
    if(size GREATER 65000)
        message(FATAL_ERROR "${html_file} is ${size} bytes; keep it under 65000 (one string "
                            "literal) or split the embedding")
    endif()
    configure_file(${template} ${generated} @ONLY)
    target_sources(${target} PRIVATE ${generated})
endfunction()
