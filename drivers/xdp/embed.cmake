# Writes the compiled BPF object IN as a C++ byte array in OUT (drivers/xdp/redirect_object.hpp
# declares it), so the binary carries its program and needs no file at run time.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" len)
math(EXPR size "${len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "// Generated from redirect.bpf.c by drivers/xdp/embed.cmake. Do not edit.\n"
     "#include \"drivers/xdp/redirect_object.hpp\"\n"
     "namespace pb::drivers {\n"
     "alignas(8) const unsigned char kRedirectObject[] = {\n${bytes}\n};\n"
     "const std::size_t kRedirectObjectSize = ${size};\n"
     "}  // namespace pb::drivers\n")
