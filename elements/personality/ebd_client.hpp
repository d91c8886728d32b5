// EBDClient([DST, SRC, *, DEV, MTU, TIMEOUT, RETRIES, WINDOW]) — the storage personality's
// client: turns block reads and writes (a C++ API, used by `patchbay ebd`) into EBD frames.
//
// Arguments:
//   DST      Ethernet address of the server (default ff:ff:ff:ff:ff:ff).
//   SRC      this side's Ethernet address (default 02:00:00:00:06:67).
//   DEV      integer 0-65535; the server's device number (default 0).
//   MTU      integer 64-9000; Ethernet payload bytes per frame (default 1500): a request is
//            declustered into fragments of MTU-32 bytes, each its own frame.
//   TIMEOUT  duration; a fragment unanswered this long is sent again (default 20ms).
//   RETRIES  integer 0-100000; resends of one fragment before its request fails (default 200).
//   WINDOW   integer 1-4096; fragments in flight at once (default 64).
// Ports: one pull input (the storage output of a PersonalityClassifier), one push output
//   (requests, towards the storage personality's PersonalityQueue). The task sends only as many
//   frames as the queue has room for and parks on its space notification when it is full; it
//   also parks while waiting for replies (woken by the classifier's queue or the retransmit
//   timer). Replies are matched to outstanding requests by request id and fragment index; a
//   READ_REPLY's data is copied once, from the frame straight into the caller's buffer at the
//   fragment's place. Duplicates (after a resend) and unknown replies are counted and dropped.
// API (element thread, or before the router runs): read(offset, span, done), write(offset,
//   span, done); `done(Status)` runs on the element's thread; the span must stay valid until then.
// Handlers:
//   requests, completed, failed (read)  caller requests
//   frames_sent, retransmits (read)     fragments sent, of which resends
//   duplicates, unmatched, bad_frames (read)  replies dropped
//   outstanding (read)                  fragments in flight
//   queue_full (read)                   times the task parked on a full transmit queue
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "elements/personality/ebd_frame.hpp"
#include "elements/personality/personality_queue.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class EBDClient final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "EBDClient",
                                    .ports = "1/1",
                                    .processing = "l/h",
                                    .flow = "x/x",
                                    .doc = "issues block reads and writes over EtherType 0x667"};
  using Done = std::function<void(Status)>;

  EBDClient()
      : task_(this, [this] { return run_task(); }), timer_(this, [this] { task_.wake(); }) {}
  Status configure(Args& args) override;
  Status initialize() override;
  void cleanup() override;
  void add_handlers(Handlers& h) override;

  // Reads into / writes from the caller's buffer. Returns the request id, or an error for an
  // empty or oversized request (at most 65535 fragments).
  Result<std::uint32_t> read(std::uint64_t offset, std::span<std::uint8_t> into, Done done);
  Result<std::uint32_t> write(std::uint64_t offset, std::span<const std::uint8_t> from, Done done);
  std::uint32_t fragment_size() const { return ebd::max_payload(mtu_); }
  std::size_t pending() const { return reqs_.size(); }

 private:
  enum FragState : std::uint8_t { kQueued, kInFlight, kDone };
  struct Request {
    ebd::Op op = ebd::Op::read;
    std::uint64_t offset = 0;
    std::uint8_t* data = nullptr;  // the caller's buffer
    std::uint64_t length = 0;
    std::uint32_t count = 0;
    std::uint32_t remaining = 0;
    std::vector<FragState> state;
    std::vector<std::uint32_t> sends;
    Done done;
  };
  struct Sent {
    std::uint32_t id;
    std::uint16_t frag;
    std::uint32_t send_no;  // which send of the fragment this deadline belongs to
    std::uint64_t deadline_ns;
  };

  Result<std::uint32_t> submit(ebd::Op op, std::uint64_t offset, std::uint8_t* data,
                               std::uint64_t length, Done done);
  bool run_task();
  bool receive();
  bool expire();
  bool send();
  void finish(std::uint32_t id, Status st);
  std::uint32_t frag_length(const Request& r, std::uint32_t i) const;

  ebd::Mac dst_{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  ebd::Mac src_{0x02, 0x00, 0x00, 0x00, 0x06, 0x67};
  std::uint16_t dev_ = 0;
  std::uint32_t mtu_ = 1500;
  Duration timeout_{20'000'000};
  std::uint32_t retries_ = 200;
  std::uint32_t window_ = 64;

  std::uint32_t next_id_ = 1;
  std::unordered_map<std::uint32_t, Request> reqs_;
  std::deque<std::pair<std::uint32_t, std::uint16_t>> sendq_;  // fragments to (re)send
  std::deque<Sent> inflight_;                                  // in send order
  std::uint32_t outstanding_ = 0;
  ActiveNotifier* notifier_ = nullptr;
  SpaceGate gate_;
  std::uint64_t requests_ = 0, completed_ = 0, failed_ = 0, sent_ = 0, retransmits_ = 0;
  std::uint64_t duplicates_ = 0, unmatched_ = 0, bad_ = 0, queue_full_ = 0;
  Task task_;
  Timer timer_;
};

}  // namespace pb::elements
