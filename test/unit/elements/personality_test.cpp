// Unit tests of the personality elements (tagged with each class name, as the registry test
// requires).
#include <catch2/catch.hpp>
