#include "elements/personality/console_pty.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "elements/personality/frame_intake.hpp"
#include "runtime/graph/router.hpp"

namespace pb::elements {

ConsolePTY::~ConsolePTY() {
  close_all();
}

Status ConsolePTY::configure(Args& args) {
  EtherAddress dst{dst_}, src{src_};
  Status st = args.optional("DST", dst)
                  .optional("SRC", src)
                  .optional_keyword("LINK", link_)
                  .optional_keyword("TIMEOUT", timeout_, at_least(Duration{1000}))
                  .optional_keyword("WINDOW", window_, in_range(Bytes{1}, Bytes{1u << 20}))
                  .done();
  if (!st) return st;
  dst_ = dst.bytes;
  src_ = src.bytes;
  return {};
}

Status ConsolePTY::initialize() {
  master_ = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (master_ < 0) return Status::error(std::string("posix_openpt: ") + std::strerror(errno));
  if (grantpt(master_) != 0 || unlockpt(master_) != 0)
    return Status::error(std::string("unlockpt: ") + std::strerror(errno));
  char name[128];
  if (ptsname_r(master_, name, sizeof name) != 0)
    return Status::error(std::string("ptsname: ") + std::strerror(errno));
  slave_path_ = name;
  slave_ = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave_ < 0) return Status::error(slave_path_ + ": " + std::strerror(errno));
  termios t{};
  if (tcgetattr(slave_, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(slave_, TCSANOW, &t);
  }
  if (!link_.empty()) {
    ::unlink(link_.c_str());
    if (::symlink(name, link_.c_str()) != 0)
      return Status::error("LINK " + link_ + ": " + std::strerror(errno));
    linked_ = true;
  }
  notifier_ = router().upstream_notifier(*this, 0);
  if (notifier_) notifier_->add_listener(task_);
  gate_.attach(*this, 0, task_);
  task_.attach(scheduler(), true);
  timer_.attach(scheduler());
  drain_.attach(scheduler());
  return watch_.watch(scheduler(), master_, EPOLLIN | EPOLLOUT, task_);
}

void ConsolePTY::close_all() {
  if (linked_) ::unlink(link_.c_str());
  linked_ = false;
  if (slave_ >= 0) ::close(slave_);
  if (master_ >= 0) ::close(master_);
  slave_ = master_ = -1;
}

void ConsolePTY::cleanup() {
  watch_.unwatch();
  if (notifier_) notifier_->remove_listener(task_);
  notifier_ = nullptr;
  gate_.detach(task_);
  timer_.detach();
  drain_.detach();
  task_.detach();
  close_all();
}

bool ConsolePTY::receive() {
  return pull_parsed_frames(
      input(0), ebd::parse_console, bad_, [this](const ebd::ConsoleParsed& f) {
        // Cumulative acknowledgement (in both frame types).
        const std::uint32_t acked = f.h.ack - snd_una_;
        if (acked > 0 && acked <= snd_nxt_ - snd_una_) {
          unacked_.erase(unacked_.begin(), unacked_.begin() + acked);
          snd_una_ = f.h.ack;
          if (snd_una_ == snd_nxt_) {
            timer_.unschedule();
          } else {
            timer_.schedule_after_ns(static_cast<std::uint64_t>(timeout_.ns));
          }
        }
        if (f.h.type != ebd::ConsoleType::data || f.h.payload_length == 0) return;
        ack_due_ = true;
        if (f.h.seq != rcv_nxt_ || to_pty_.size() > (1u << 20)) {
          ++out_of_order_;
          return;
        }
        to_pty_.insert(to_pty_.end(), f.payload, f.payload + f.h.payload_length);
        rcv_nxt_ += f.h.payload_length;
        received_ += f.h.payload_length;
      });
}

void ConsolePTY::write_pty() {
  while (!to_pty_.empty()) {
    ssize_t n = ::write(master_, to_pty_.data(), to_pty_.size());
    if (n <= 0) break;  // full: EPOLLOUT or the drain timer brings us back
    to_pty_.erase(to_pty_.begin(), to_pty_.begin() + n);
  }
  if (!to_pty_.empty() && !drain_.scheduled()) drain_.schedule_after_ns(5'000'000);
}

bool ConsolePTY::read_pty(Batch& out) {
  bool did = false;
  std::uint32_t room = gate_.room();
  if (resend_ && snd_una_ != snd_nxt_) {
    // Go-back-N: everything unacknowledged, from the oldest byte.
    for (std::size_t off = 0; off < unacked_.size() && room > 0 && !out.full(); off += kChunk) {
      const std::size_t n = std::min<std::size_t>(kChunk, unacked_.size() - off);
      ebd::ConsoleHeader h;
      h.seq = snd_una_ + static_cast<std::uint32_t>(off);
      h.ack = rcv_nxt_;
      out.append(ebd::build_console(dst_, src_, h, {unacked_.data() + off, n}));
      ++retransmits_;
      --room;
      ack_due_ = false;
    }
    timer_.schedule_after_ns(static_cast<std::uint64_t>(timeout_.ns));
    did = true;
  }
  resend_ = false;
  while (room > 0 && !out.full() && unacked_.size() < window_.value) {
    std::uint8_t buf[kChunk];
    const std::size_t want = std::min<std::size_t>(kChunk, window_.value - unacked_.size());
    ssize_t n = ::read(master_, buf, want);
    if (n <= 0) break;  // EAGAIN: the fd watch wakes us for more
    ebd::ConsoleHeader h;
    h.seq = snd_nxt_;
    h.ack = rcv_nxt_;
    out.append(ebd::build_console(dst_, src_, h, {buf, static_cast<std::size_t>(n)}));
    unacked_.insert(unacked_.end(), buf, buf + n);
    snd_nxt_ += static_cast<std::uint32_t>(n);
    sent_ += static_cast<std::uint64_t>(n);
    --room;
    ack_due_ = false;
    did = true;
    if (!timer_.scheduled()) timer_.schedule_after_ns(static_cast<std::uint64_t>(timeout_.ns));
  }
  if (ack_due_ && room > 0 && !out.full()) {
    ebd::ConsoleHeader h;
    h.type = ebd::ConsoleType::ack;
    h.seq = snd_nxt_;
    h.ack = rcv_nxt_;
    out.append(ebd::build_console(dst_, src_, h, {}));
    ack_due_ = false;
    did = true;
  }
  return did;
}

bool ConsolePTY::run_task() {
  Batch out;
  bool did = receive();
  write_pty();
  did = read_pty(out) || did;
  output(0).push(std::move(out));
  return did || notifier_ == nullptr;
}

void ConsolePTY::add_handlers(Handlers& h) {
  h.read("pty", slave_path_);
  h.read("bytes_sent", sent_);
  h.read("bytes_received", received_);
  h.read("retransmits", retransmits_);
  h.read("out_of_order", out_of_order_);
  h.read("bad_frames", bad_);
}

}  // namespace pb::elements
