add_library(pb_warnings INTERFACE)
target_compile_options(pb_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                              -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(PB_WERROR)
  target_compile_options(pb_warnings INTERFACE -Werror)
endif()

if(PB_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
