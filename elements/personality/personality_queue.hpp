// PersonalityQueue([CAPACITY]) — a personality's bounded transmit queue: senders push frames,
// the transmit scheduler pulls them, and a sender that finds no space parks until space frees.
//
// Arguments:
//   CAPACITY  integer 1-65536; maximum frames held (default 64).
// Ports: one push input, one pull output. The output has a notifier (a puller parks while the
//   queue is empty). The input has a *space* notifier: a sending element upstream (EBDClient,
//   EBDServer, ConsolePTY) finds it with find_downstream_space() and parks its task when
//   space() is 0; the queue wakes it when a pull frees room. Frames pushed while full are
//   dropped and counted (a sender that ignores the notification).
// Handlers:
//   length (read)    frames held now
//   capacity (read)  CAPACITY
//   drops (read)     frames dropped because the queue was full
//   space_wakeups (read)  times a parked sender was woken because space freed up
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>

#include "runtime/element/element.hpp"

namespace pb::elements {

// A bounded FIFO of frames with two signals: "frames available" (for the puller) and "space
// available" (for a sender that parked on a full queue). A mutex (uncontended in the common
// one-thread case) makes push and pull safe from different worker threads; the notifiers' wake()
// is thread-safe and the Task park/wake handshake avoids lost wake-ups.
class PacketFifo {
 public:
  explicit PacketFifo(std::uint32_t capacity = 64) : capacity_(capacity) {}
  void set_capacity(std::uint32_t c) { capacity_ = c; }
  std::uint32_t capacity() const { return capacity_; }
  std::uint32_t length() const;
  std::uint32_t space() const;
  std::uint64_t drops() const;
  std::uint64_t space_wakeups() const;
  // Takes what fits; the rest is dropped and counted. Returns the number taken.
  std::uint32_t push(Batch&& b);
  // Up to `max` frames, oldest first.
  Batch pull(std::uint32_t max);
  // A sender about to park: the next pull that frees space wakes the space listeners. Returns
  // the space now (if non-zero the sender should not park: space freed in between).
  std::uint32_t want_space();
  void clear();
  ActiveNotifier& available() { return available_; }
  ActiveNotifier& space_available() { return space_; }

 private:
  mutable std::mutex mu_;
  std::deque<PacketPtr> q_;
  std::uint32_t capacity_;
  std::uint64_t drops_ = 0;
  std::uint64_t space_wakeups_ = 0;
  bool want_space_ = false;
  ActiveNotifier available_;
  ActiveNotifier space_;
};

// Implemented by elements whose push inputs are bounded queues with a space notifier.
class SpaceSource {
 public:
  virtual ~SpaceSource() = default;
  virtual PacketFifo* space_fifo(int input_port) = 0;
};

// The bounded queue a sender's push output `port` leads to, following push paths through
// single-input single-output elements (a Counter, a Paint…). Null when there is none: the
// sender then never parks for space.
PacketFifo* find_downstream_space(const Element& e, int port);

// The sending half every personality element shares: registers `task` on the space notifier of
// the queue behind output `port`, and tells the task whether it may send now.
class SpaceGate {
 public:
  void attach(const Element& e, int port, Task& task);
  void detach(Task& task);
  // Frames that may be pushed now; 0 means "park": the queue will wake the task.
  std::uint32_t room();
  bool bounded() const { return fifo_ != nullptr; }

 private:
  PacketFifo* fifo_ = nullptr;
};

class PersonalityQueue final : public Element, public SpaceSource {
 public:
  static constexpr ElementSpec spec{.name = "PersonalityQueue",
                                    .ports = "1/1",
                                    .processing = "h/l",
                                    .flow = "x/x",
                                    .thread_safe = true,
                                    .doc =
                                        "bounded transmit queue of a personality with a "
                                        "space-available notification for parked senders"};

  Status configure(Args& args) override;
  void push(int, Batch&& b) override { fifo_.push(std::move(b)); }
  Batch pull(int, std::uint32_t max) override { return fifo_.pull(max); }
  ActiveNotifier* output_notifier(int) override { return &fifo_.available(); }
  PacketFifo* space_fifo(int) override { return &fifo_; }
  void add_handlers(Handlers& h) override;
  PacketFifo& fifo() { return fifo_; }

 private:
  PacketFifo fifo_;
};

}  // namespace pb::elements
