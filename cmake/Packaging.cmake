# Install rules and the Debian package. `cmake --install <build>` puts the daemon, its systemd unit
# and sysusers entry, the config and environment files and the launchd plist in place;
# `cpack -G DEB` in the build tree packs the same files as a .deb for /usr, with maintainer
# scripts that create the service user and enable the unit.
include(GNUInstallDirs)

set(OLLAMA_PROXY_SYSTEMD_UNIT_DIR "lib/systemd/system"
    CACHE STRING "Where the systemd unit goes (a relative path is under the install prefix)")
set(OLLAMA_PROXY_SYSUSERS_DIR "lib/sysusers.d"
    CACHE STRING "Where the sysusers.d entry goes (a relative path is under the install prefix)")

install(TARGETS ollama-proxy RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES config/ollama-proxy.sysusers DESTINATION ${OLLAMA_PROXY_SYSUSERS_DIR}
        RENAME ollama-proxy.conf)
install(FILES config/com.ollama-proxy.plist DESTINATION ${CMAKE_INSTALL_DATADIR}/ollama-proxy)
install(FILES README.md LICENSE config/config.example.json config/ollama-proxy.env
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The unit names the binary and config paths, which depend on the prefix of the install being run,
# so it is written at install time; see the script.
install(CODE "
    set(OLLAMA_PROXY_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
    set(OLLAMA_PROXY_STAGING_DIR \"${PROJECT_BINARY_DIR}/install-staging\")
    set(OLLAMA_PROXY_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
    set(OLLAMA_PROXY_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
    set(OLLAMA_PROXY_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
    set(OLLAMA_PROXY_UNIT_DIR \"${OLLAMA_PROXY_SYSTEMD_UNIT_DIR}\")
")
install(SCRIPT cmake/InstallServiceFiles.cmake)

# --- the Debian package ---------------------------------------------------------------------

set(OLLAMA_PROXY_DEB_MAINTAINER "ollama-proxy maintainers <maintainers@ollama-proxy.invalid>"
    CACHE STRING "Maintainer field of the Debian package")

# dpkg keeps an admin's edits of these across upgrades and asks before replacing them.
file(WRITE ${PROJECT_BINARY_DIR}/debian/conffiles
     "/etc/ollama-proxy/config.json\n/etc/default/ollama-proxy\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ollama-proxy)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${OLLAMA_PROXY_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# CPack puts the summary above this text as the Description's first line and indents the rest.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "ollama-proxy is a small daemon in front of a remote Ollama server. It passes
Ollama's native API (/api/*) through unchanged, streaming included, and serves
an OpenAI-compatible API under /v1, translated onto the native one. It can
require API keys from its clients and sends the remote's own key upstream.")
# dpkg-shlibdeps (from dpkg-dev) computes Depends from the libraries the binary links.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/config/debian/postinst ${PROJECT_SOURCE_DIR}/config/debian/prerm
    ${PROJECT_SOURCE_DIR}/config/debian/postrm ${PROJECT_BINARY_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
