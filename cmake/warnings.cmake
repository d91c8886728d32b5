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

# ThreadSanitizer (the tsan preset, `make test-tsan`): only a small test binary is built with it.
option(PB_SANITIZE_THREAD "Build with ThreadSanitizer (the tsan preset)" OFF)
if(PB_SANITIZE_THREAD)
  # -Wno-tsan: GCC warns that TSan does not model std::atomic_thread_fence. The runtime's fences
  # only order wake-ups (Task::begin_run against a waker); data is published with
  # release/acquire, which TSan does see.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()
