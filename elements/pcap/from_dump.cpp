#include "elements/pcap/from_dump.hpp"

#include <algorithm>
#include <cstdio>

#include "runtime/graph/router.hpp"

namespace pb::elements {

FromDump::FromDump()
    : task_(this, [this] { return run_task(); }), timer_(this, [this] { resume(); }) {}

Status FromDump::configure(Args& args) {
  return args.required("FILENAME", filename_)
      .optional("TIMING", timing_)
      .optional_keyword("STOP", stop_)
      .optional_keyword("ACTIVE", active_)
      .optional_keyword("FORCE_IP", force_ip_)
      .optional_keyword("BURST", burst_, in_range<std::uint32_t>(1, Batch::kCapacity))
      .done();
}

Status FromDump::initialize() {
  char err[PCAP_ERRBUF_SIZE] = "";
  // Nanosecond precision: libpcap scales microsecond files up, so timestamps are always ns.
  pcap_.reset(
      pcap_open_offline_with_tstamp_precision(filename_.c_str(), PCAP_TSTAMP_PRECISION_NANO, err));
  if (!pcap_) return Status::error("FILENAME: " + std::string(err));
  linktype_ = pcap_datalink(pcap_.get());
  if (force_ip_ && linktype_ != DLT_EN10MB && linktype_ != DLT_RAW && linktype_ != DLT_IPV4)
    return Status::error("FORCE_IP: cannot find IP headers in a " + pcap::linktype_name(linktype_) +
                         " file");
  timer_.attach(scheduler());
  if (output_is_push(0)) task_.attach(scheduler(), active_);
  return {};
}

void FromDump::cleanup() {
  timer_.unschedule();
  timer_.detach();
  task_.detach();
  pending_.reset();
  pcap_.reset();
}

bool FromDump::fetch() {
  if (eof_ || !pcap_) return false;
  pcap_pkthdr* hdr;
  const u_char* data;
  int r = pcap_next_ex(pcap_.get(), &hdr, &data);
  if (r != 1) {
    // -2: end of file; -1: a damaged file, which ends the stream the same way.
    if (r == -1)
      std::fprintf(stderr, "%s: %s: %s\n", name().c_str(), filename_.c_str(),
                   pcap_geterr(pcap_.get()));
    eof_ = true;
    return false;
  }
  pending_ = Packet::make(data, hdr->caplen);
  pending_->set_timestamp_ns(static_cast<std::uint64_t>(hdr->ts.tv_sec) * 1'000'000'000ull +
                             static_cast<std::uint64_t>(hdr->ts.tv_usec));
  return true;
}

bool FromDump::due() {
  if (!timing_) return true;
  const std::uint64_t t = pending_->timestamp_ns();
  const std::uint64_t now = monotonic_ns();
  if (!have_base_) {
    have_base_ = true;
    base_mono_ns_ = now;
    base_file_ns_ = t;
    return true;
  }
  // Timestamps going backwards in the file leave at once.
  const std::uint64_t when = base_mono_ns_ + (t > base_file_ns_ ? t - base_file_ns_ : 0);
  if (when <= now) return true;
  timer_.schedule_at_ns(when);
  return false;
}

bool FromDump::is_ip(Packet& p) const {
  std::uint32_t off = linktype_ == DLT_EN10MB ? 14 : 0;
  if (p.length() < off + 20) return false;
  const std::uint8_t* d = p.data();
  if (off && !(d[12] == 0x08 && d[13] == 0x00)) return false;
  if ((d[off] >> 4) != 4) return false;
  p.set_network_header(d + off, (d[off] & 0x0fu) * 4u);
  return true;
}

Batch FromDump::read(std::uint32_t max) {
  Batch out, non_ip;
  max = std::min(max, Batch::kCapacity);
  while (out.size() < max && non_ip.size() < Batch::kCapacity) {
    if (!pending_ && !fetch()) break;
    if (!due()) break;
    ++count_;
    if (force_ip_ && !is_ip(*pending_)) {
      non_ip.append(std::move(pending_));
      continue;
    }
    out.append(std::move(pending_));
  }
  if (!non_ip.empty() && noutputs() > 1) output(1).push(std::move(non_ip));
  return out;
}

void FromDump::finish() {
  if (finished_) return;
  finished_ = true;
  if (stop_) router().please_stop();
}

bool FromDump::run_task() {
  if (!active_) return false;
  Batch b = read(burst_);
  bool did = !b.empty();
  output(0).push(std::move(b));
  if (eof_ && !pending_) {
    finish();
    return false;
  }
  return did;  // nothing due: the timer wakes us
}

Batch FromDump::pull(int, std::uint32_t max) {
  if (!active_) return Batch();
  Batch b = read(max);
  if (eof_ && !pending_) finish();
  return b;
}

void FromDump::resume() {
  if (!active_) return;
  if (output_is_push(0))
    task_.wake();
  else
    notifier_.wake();
}

void FromDump::add_handlers(Handlers& h) {
  h.read("count", count_);
  h.button("reset_counts", [this] { count_ = 0; });
  h.read_write("active", active_, after([this] {
                 // Timing restarts from the next packet, so a pause does not cause a burst.
                 have_base_ = false;
                 resume();
               }));
  h.read("encap", [this] { return pcap_ ? pcap::linktype_name(linktype_) : std::string(); });
  h.read("filename", filename_);
}

}  // namespace pb::elements
