// The compiled drivers/xdp/redirect.bpf.c, embedded at build time (embed.cmake).
#pragma once

#include <cstddef>

namespace pb::drivers {

extern const unsigned char kRedirectObject[];
extern const std::size_t kRedirectObjectSize;

}  // namespace pb::drivers
