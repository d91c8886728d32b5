// SetSequence([FIRST, *, ANNO, OFFSET]) — numbers packets: writes a 64-bit sequence number into
// each packet, counting up from FIRST.
//
// Arguments:
//   FIRST   integer; the number the first packet gets (default 0).
//   ANNO    integer 0-56; where the number goes in the user annotation area, as a native 64-bit
//           integer (default 56, the last 8 bytes). Ignored when OFFSET is given.
//   OFFSET  integer; write the number into the packet data instead, big-endian, at this byte
//           offset (copy-on-write: a shared buffer is copied first). Packets shorter than
//           OFFSET + 8 bytes pass unnumbered and are counted in `short`.
// Ports: one input, one output, agnostic; packets leave numbered. CheckSequence reads the
//   numbers back. Hot-swap: a SetSequence of the same name continues the numbering.
// Handlers:
//   config (rw)  live reconfiguration in place (FIRST, when given, restarts the numbering)
//   next (rw)    the number the next packet gets
//   count (read) packets numbered
//   short (read) packets too short for OFFSET
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/element/element.hpp"

namespace pb::elements {

// Where SetSequence puts the number and CheckSequence finds it.
struct SequenceSlot {
  std::uint32_t anno = 56;
  std::optional<std::uint32_t> offset;  // in the data, big-endian

  void write(Packet& p, std::uint64_t seq) const;
  // False when the packet is too short for `offset`.
  bool read(const Packet& p, std::uint64_t& seq) const;
  bool fits(const Packet& p) const { return !offset || p.length() >= *offset + 8; }
};

class SetSequence final : public SimpleAction<SetSequence> {
 public:
  static constexpr ElementSpec spec{.name = "SetSequence",
                                    .ports = "1/1",
                                    .processing = "a",
                                    .flow = "x/x",
                                    .doc = "writes a 64-bit sequence number into each packet"};

  Status configure(Args& args) override;
  // Writing `config` reconfigures in place; FIRST, when given, restarts the numbering there.
  bool can_live_reconfigure() const override { return true; }
  void process(Batch& b);
  void add_handlers(Handlers& h) override;
  void take_state(SetSequence& old) { next_ = old.next_, count_ = old.count_, short_ = old.short_; }

 private:
  SequenceSlot slot_;
  std::uint64_t next_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t short_ = 0;
};

}  // namespace pb::elements
