// PersonalityClassifier(NAME n ETHERTYPE t | VLAN v | PATTERN OFF/HEX[%MASK]..., ..., QUEUE n,
// TRADITIONAL t...) — the receive side of a multi-personality network interface: sorts frames to
// personalities (storage, console…) or the traditional network, and polices the traditional
// network's transmissions.
//
// Arguments:
//   (each personality is one argument, in output order)
//   NAME n ETHERTYPE t  frames whose EtherType (behind one 802.1Q tag, if any) is t.
//   NAME n VLAN v       frames tagged with 802.1Q VLAN id v (0-4095).
//   NAME n PATTERN OFF/HEX[%MASK] ...  frames whose bytes at OFF equal HEX (under MASK); every
//                       term must match. A clause may end with QUEUE c (its own capacity).
//   QUEUE        integer 1-65536; capacity of each personality's receive queue (default 64).
//   TRADITIONAL  EtherTypes of the traditional network, space-separated (default: any Ethernet
//                II type, i.e. >= 0x0600). Frames of other types are unclassifiable.
// Ports: input 0 (push) receives frames from the wire; optional input 1 (push) takes frames the
//   traditional network wants to send. Output 0 (push): traditional frames received. Output 1
//   (push): the traditional network's legal transmissions (input 1). Outputs 2..k+1 (pull): one
//   per personality, in argument order, each a bounded queue whose notifier wakes the
//   personality's puller. The first personality that matches wins. Unclassifiable frames (runts,
//   802.3 length frames, types outside TRADITIONAL) are dropped at once; frames of a
//   personality's type arriving on input 1 are illegal, dropped and counted; frames arriving
//   while a personality's queue is full are dropped and counted per personality.
// Handlers:
//   unclassifiable (read)  frames dropped as unclassifiable
//   illegal (read)         personality frames refused on the traditional side (input 1)
//   traditional (read)     frames sent to output 0
//   length (read)          frames held, per personality, space-separated in output order
//   capacity (read)        queue capacities, the same way
//   drops (read)           frames dropped on full queues, the same way
//   count (read)           frames classified to each personality, the same way
//   personalities (read)   personality names in output order
//   length_NAME, capacity_NAME, drops_NAME, count_NAME (read)  the same for one personality
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "elements/personality/personality_queue.hpp"
#include "runtime/element/element.hpp"

namespace pb::elements {

class PersonalityClassifier final : public Element {
 public:
  static constexpr ElementSpec spec{.name = "PersonalityClassifier",
                                    .ports = "1-2/3-",
                                    .processing = "h/hhl",
                                    .flow = "x/x",
                                    .doc =
                                        "sorts frames to personalities (bounded queues) or the "
                                        "traditional network; counts illegal and unclassifiable"};

  enum class Kind : std::uint8_t { ethertype, vlan, pattern };
  struct Term {
    std::uint32_t offset = 0;
    std::vector<std::uint8_t> value, mask;
  };
  struct Personality {
    std::string name;
    Kind kind = Kind::ethertype;
    std::uint16_t value = 0;  // EtherType or VLAN id
    std::vector<Term> terms;
    std::uint32_t capacity = 0;  // 0: QUEUE
    std::unique_ptr<PacketFifo> fifo;
    std::uint64_t count = 0;
  };

  Status configure(Args& args) override;
  Status initialize() override;
  void push(int port, Batch&& b) override;
  Batch pull(int port, std::uint32_t max) override;
  ActiveNotifier* output_notifier(int port) override;
  void add_handlers(Handlers& h) override;

  // The personality index a frame belongs to, -1 for traditional, -2 for unclassifiable.
  int classify(const Packet& p) const;
  std::size_t personalities() const { return pers_.size(); }
  PacketFifo& fifo(std::size_t i) { return *pers_[i].fifo; }

 private:
  std::string per_personality(auto get) const;

  std::vector<Personality> pers_;
  std::vector<std::uint16_t> traditional_types_;
  std::uint64_t unclassifiable_ = 0;
  std::uint64_t illegal_ = 0;
  std::uint64_t traditional_ = 0;
};

}  // namespace pb::elements
