# SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
# ghostbrew_warnings(target): the project's warning set, errors when GHOSTBREW_WERROR is on, and the
# sanitizers when GHOSTBREW_SANITIZE is on. Applied to every binary the project builds.
function(ghostbrew_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual -Wdouble-promotion
    -Wformat=2 -Wimplicit-fallthrough)
  if(GHOSTBREW_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(GHOSTBREW_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
