// patchbay's XDP redirect program: frames that match one of the configured rules go to the
// AF_XDP socket bound to the receiving queue (the xsks map); every other frame is XDP_PASSed to
// the kernel stack untouched. Rules come from user space through the `rules` array map, so one
// compiled object serves every FILTER; a rule's zero fields match anything.
//
// Built at build time with `clang -O2 -g -target bpf` (drivers/xdp/CMakeLists.txt) and loaded by
// drivers/xdp/xdp_socket.cpp with libbpf.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define PB_MAX_RULES 8
#define PB_MAX_QUEUES 64

// Must match XdpRule in xdp_socket.hpp.
struct pb_rule {
  __u16 ethertype;  // host order; 0 = any
  __u8 proto;       // IP protocol; 0 = any
  __u8 used;        // 1 = this slot holds a rule
  __u16 port;       // host order; 0 = any; matches the UDP/TCP source or destination port
  __u16 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, PB_MAX_QUEUES);
  __type(key, __u32);
  __type(value, __u32);
} xsks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PB_MAX_RULES);
  __type(key, __u32);
  __type(value, struct pb_rule);
} rules SEC(".maps");

// Frames redirected and passed, for the element's handlers and the tests.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");

static __always_inline void count(__u32 which) {
  __u64* v = bpf_map_lookup_elem(&stats, &which);
  if (v) *v += 1;
}

SEC("xdp")
int pb_redirect(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > end) goto pass;
  __u16 type = bpf_ntohs(eth->h_proto);
  void* l3 = eth + 1;
  __u8 proto = 0;
  void* l4 = 0;
  if (type == ETH_P_IP) {
    struct iphdr* ip = l3;
    if ((void*)(ip + 1) > end) goto pass;
    proto = ip->protocol;
    // Only first fragments carry the ports.
    if ((ip->frag_off & bpf_htons(0x1fff)) == 0) l4 = (char*)ip + ip->ihl * 4;
  } else if (type == ETH_P_IPV6) {
    struct ipv6hdr* ip6 = l3;
    if ((void*)(ip6 + 1) > end) goto pass;
    proto = ip6->nexthdr;  // extension headers: the rule sees their number, no ports
    l4 = ip6 + 1;
  }
  __u16 sport = 0, dport = 0;
  int have_ports = 0;
  if (l4 && (proto == IPPROTO_UDP || proto == IPPROTO_TCP)) {
    __u16* ports = l4;
    if ((void*)(ports + 2) <= end) {
      sport = bpf_ntohs(ports[0]);
      dport = bpf_ntohs(ports[1]);
      have_ports = 1;
    }
  }
#pragma unroll
  for (__u32 i = 0; i < PB_MAX_RULES; i++) {
    __u32 key = i;
    struct pb_rule* r = bpf_map_lookup_elem(&rules, &key);
    if (!r || !r->used) break;
    if (r->ethertype && r->ethertype != type) continue;
    if (r->proto && r->proto != proto) continue;
    if (r->port && !(have_ports && (r->port == sport || r->port == dport))) continue;
    count(0);
    // No socket on this queue: the kernel gets the frame (the XDP_PASS in the flags).
    return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
  }
pass:
  count(1);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
