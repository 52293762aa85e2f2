# Warnings for the project's own targets only; third-party headers are included as system headers.
function(ollama_proxy_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                           -Wnon-virtual-dtor -Woverloaded-virtual -Wformat=2
                           -Wimplicit-fallthrough)
    if(OLLAMA_PROXY_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
