#include "elements/pcap/to_dump.hpp"

#include <time.h>

#include "runtime/graph/router.hpp"

namespace pb::elements {

namespace {
// Largest snapshot length libpcap accepts in a file header; SNAPLEN 0 ("everything") uses it.
constexpr std::uint32_t kMaxSnaplen = 262144;
}  // namespace

Status ToDump::configure(Args& args) {
  std::string encap = encap_;
  Status st = args.required("FILENAME", filename_)
                  .optional("SNAPLEN", snaplen_)
                  .optional("ENCAP", encap)
                  .optional_keyword("NANO", nano_)
                  .optional_keyword("UNBUFFERED", unbuffered_)
                  .optional_keyword("BURST", burst_, in_range<std::uint32_t>(1, Batch::kCapacity))
                  .done();
  if (!st) return st;
  int lt = pcap::linktype_from_name(encap);
  if (lt < 0) return Status::error("ENCAP: unknown encapsulation '" + encap + "'");
  encap_ = encap;
  linktype_ = lt;
  return {};
}

Status ToDump::initialize() {
  snap_ = snaplen_ == 0 || snaplen_ > kMaxSnaplen ? kMaxSnaplen : snaplen_;
  pcap_.reset(pcap_open_dead_with_tstamp_precision(
      linktype_, static_cast<int>(snap_),
      nano_ ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO));
  if (!pcap_) return Status::error("cannot describe a pcap file of type " + encap_);
  dumper_.reset(pcap_dump_open(pcap_.get(), filename_.c_str()));
  if (!dumper_) return Status::error("FILENAME: " + std::string(pcap_geterr(pcap_.get())));
  if (noutputs() == 0 && input_is_pull(0)) {
    notifier_ = router().upstream_notifier(*this, 0);
    if (notifier_) notifier_->add_listener(task_);
    task_.attach(scheduler(), true);
  }
  return {};
}

void ToDump::cleanup() {
  if (notifier_) notifier_->remove_listener(task_);
  notifier_ = nullptr;
  task_.detach();
  dumper_.reset();  // flushes and closes the file
  pcap_.reset();
}

void ToDump::write(const Batch& b) {
  if (!dumper_) return;
  std::uint64_t now_ns = 0;
  const std::uint64_t div = nano_ ? 1 : 1000;
  b.for_each([&](const Packet& p) {
    std::uint64_t t = p.timestamp_ns();
    if (t == 0) {
      if (now_ns == 0) {
        timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
                 static_cast<std::uint64_t>(ts.tv_nsec);
      }
      t = now_ns;
    }
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(t / 1'000'000'000ull);
    // With a nanosecond dumper libpcap reads tv_usec as nanoseconds.
    h.ts.tv_usec = static_cast<suseconds_t>((t % 1'000'000'000ull) / div);
    h.len = p.length();
    h.caplen = p.length() < snap_ ? p.length() : snap_;
    pcap_dump(reinterpret_cast<u_char*>(dumper_.get()), &h, p.data());
  });
  count_ += b.size();
  if (unbuffered_) pcap_dump_flush(dumper_.get());
}

void ToDump::push(int, Batch&& b) {
  write(b);
  if (noutputs() > 0)
    output(0).push(std::move(b));
  else
    b.clear();
}

Batch ToDump::pull(int, std::uint32_t max) {
  Batch b = input(0).pull(max);
  write(b);
  return b;
}

bool ToDump::run_task() {
  Batch b = input(0).pull(burst_);
  if (b.empty()) return notifier_ == nullptr;  // park until upstream has packets (or poll)
  write(b);
  return true;
}

void ToDump::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.button("reset_counts", [this] { count_ = 0; });
  h.read("filename", filename_);
  h.read("encap", encap_);
}

}  // namespace pb::elements
