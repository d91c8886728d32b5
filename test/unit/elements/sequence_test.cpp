// Unit tests of the sequence-numbering elements used by the hot-swap proofs (tagged with each class
// name).
#include <catch2/catch.hpp>
