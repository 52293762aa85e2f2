# Run at install time (`cmake --install`, and CPack, which installs under /usr whatever prefix the
# build tree was configured with). Installs the systemd unit with this install's own paths in it,
# and the config file and environment file under sysconfdir unless they exist already: they are
# the admin's once installed. Expects OLLAMA_PROXY_SOURCE_DIR, OLLAMA_PROXY_STAGING_DIR,
# OLLAMA_PROXY_BINDIR, OLLAMA_PROXY_SYSCONFDIR, OLLAMA_PROXY_DOCDIR and OLLAMA_PROXY_UNIT_DIR (set
# by Packaging.cmake).

# A relative directory is under the prefix; GNUInstallDirs' rule puts /usr's "etc" at /etc.
function(ollama_proxy_full_dir out dir)
    if(IS_ABSOLUTE "${dir}")
        set(full "${dir}")
    elseif(dir STREQUAL "etc" AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
        set(full "/etc")
    else()
        set(full "${CMAKE_INSTALL_PREFIX}/${dir}")
    endif()
    set(${out} "${full}" PARENT_SCOPE)
endfunction()

ollama_proxy_full_dir(bindir "${OLLAMA_PROXY_BINDIR}")
ollama_proxy_full_dir(sysconfdir "${OLLAMA_PROXY_SYSCONFDIR}")
ollama_proxy_full_dir(docdir "${OLLAMA_PROXY_DOCDIR}")
ollama_proxy_full_dir(unitdir "${OLLAMA_PROXY_UNIT_DIR}")

# Two installs may run at once (a package build beside a plain install): each gets its own
# staging directory for the rewritten unit.
string(SHA1 install_key "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(staging "${OLLAMA_PROXY_STAGING_DIR}/${install_key}")
file(READ "${OLLAMA_PROXY_SOURCE_DIR}/config/ollama-proxy.service" unit)
string(REPLACE "/usr/bin/ollama-proxy" "${bindir}/ollama-proxy" unit "${unit}")
string(REPLACE "/etc/" "${sysconfdir}/" unit "${unit}")
string(REPLACE "/usr/share/doc/ollama-proxy" "${docdir}" unit "${unit}")
file(WRITE "${staging}/ollama-proxy.service" "${unit}")
file(INSTALL "${staging}/ollama-proxy.service" DESTINATION "${unitdir}")

function(ollama_proxy_install_once source destination name)
    if(EXISTS "$ENV{DESTDIR}${destination}/${name}")
        message(STATUS "Keeping: $ENV{DESTDIR}${destination}/${name}")
        return()
    endif()
    file(INSTALL "${source}" DESTINATION "${destination}" RENAME "${name}" ${ARGN})
endfunction()

# Readable by root and the service's group: the config file may hold keys.
ollama_proxy_install_once("${OLLAMA_PROXY_SOURCE_DIR}/config/config.example.json"
                          "${sysconfdir}/ollama-proxy" config.json
                          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
# Read by systemd itself, as root, before the service drops its privileges.
ollama_proxy_install_once("${OLLAMA_PROXY_SOURCE_DIR}/config/ollama-proxy.env"
                          "${sysconfdir}/default" ollama-proxy
                          PERMISSIONS OWNER_READ OWNER_WRITE)
