// IP helpers. lib/ip/host.click requires this file by a path relative to
// itself; configs that require it by their own relative path get the same
// file, which is then read only once.

ip_addrs :: AddressInfo(router 10.0.0.1, gateway 10.0.0.254);

elementclass IPCheck {
  input -> Strip(14) -> CheckIPHeader(VERBOSE true) -> GetIPAddress(16) -> output;
}
