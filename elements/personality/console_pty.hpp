// ConsolePTY([DST, SRC, *, LINK, TIMEOUT, WINDOW]) — the console personality: bridges a
// pseudo-terminal to a reliable byte stream over EtherType 0x666.
//
// Arguments:
//   DST      Ethernet address of the other side (default ff:ff:ff:ff:ff:ff).
//   SRC      this side's Ethernet address (default 02:00:00:00:06:66).
//   LINK     path; a symbolic link to the pty's slave device is made there (and removed at
//            cleanup), so programs and tests can find it.
//   TIMEOUT  duration; unacknowledged bytes are resent after this long (default 50ms).
//   WINDOW   bytes 1-1048576; unacknowledged bytes at most (default 64KiB).
// Ports: one pull input (the console output of a PersonalityClassifier), one push output
//   (towards the console personality's PersonalityQueue). The pty is opened at initialize, in
//   raw mode (no echo, no line editing), so bytes pass unchanged. Bytes read from the pty leave
//   as DATA frames numbered by stream offset; the other side acknowledges cumulatively (ACK
//   frames, and the ack field of its DATA frames). Only in-order data is accepted: a gap or a
//   duplicate is dropped and answered with an ACK; what stays unacknowledged for TIMEOUT is sent
//   again from the oldest byte (go-back-N). The task reads the pty only while the transmit
//   queue has room (space notification) and the window is open.
// Handlers:
//   pty (read)                the slave device's path
//   bytes_sent, bytes_received (read)  stream bytes (first sends; bytes written to the pty)
//   retransmits (read)        DATA frames sent again
//   out_of_order (read)       DATA frames dropped for a gap or a duplicate
//   bad_frames (read)         frames that failed the format checks
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "elements/personality/ebd_frame.hpp"
#include "elements/personality/personality_queue.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class ConsolePTY final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "ConsolePTY",
                                    .ports = "1/1",
                                    .processing = "l/h",
                                    .flow = "x/x",
                                    .doc = "bridges a pseudo-terminal over EtherType 0x666"};

  ConsolePTY()
      : task_(this, [this] { return run_task(); }),
        timer_(this,
               [this] {
                 resend_ = true;
                 task_.wake();
               }),
        drain_(this, [this] { task_.wake(); }) {}
  ~ConsolePTY() override;
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;
  const std::string& pty_path() const { return slave_path_; }

 private:
  static constexpr std::uint32_t kChunk = 1024;  // payload bytes per DATA frame
  bool run_task();
  bool receive();
  bool read_pty(Batch& out);
  void write_pty();
  void close_all();

  ebd::Mac dst_{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  ebd::Mac src_{0x02, 0x00, 0x00, 0x00, 0x06, 0x66};
  std::string link_;
  Duration timeout_{50'000'000};
  Bytes window_{64u << 10};

  int master_ = -1;
  int slave_ = -1;  // kept open so the master never sees a hang-up between users
  std::string slave_path_;
  bool linked_ = false;
  // Sending side: bytes [snd_una_, snd_nxt_) are in unacked_.
  std::uint32_t snd_una_ = 0, snd_nxt_ = 0;
  std::vector<std::uint8_t> unacked_;
  bool resend_ = false;
  // Receiving side.
  std::uint32_t rcv_nxt_ = 0;
  std::vector<std::uint8_t> to_pty_;  // accepted, not yet written to the pty
  bool ack_due_ = false;

  ActiveNotifier* notifier_ = nullptr;
  SpaceGate gate_;
  std::uint64_t sent_ = 0, received_ = 0, retransmits_ = 0, out_of_order_ = 0, bad_ = 0;
  Task task_;
  Timer timer_;
  Timer drain_;  // retries writing to a full pty (a reader that drains it wakes us too)
  FdWatch watch_;
};

}  // namespace pb::elements
