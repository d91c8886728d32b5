// Unit tests of the control_socket elements (tagged with each class name, as the registry test
// requires).
#include <catch2/catch.hpp>
