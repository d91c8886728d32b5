// The benchmarks' sink: drops every frame at the receiving veth (the kernel's cheapest receive),
// so transmit figures measure the sender.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pb_bench_drop(struct xdp_md* ctx) { return XDP_DROP; }

char LICENSE[] SEC("license") = "GPL";
