// SCSI block device emulation (SBC-3 / SPC-4) over a BlockBackend: command decoding, sense data,
// unit attentions, SPC-2 and persistent reservations, mode pages, and the VPD pages that
// initiators probe. Independent of iSCSI: the transport hands in a CDB, the I_T nexus, the data-out
// buffer and gets back status, sense and data-in.
//
// Threading: a LogicalUnit is driven from one thread (the one that drains the back end's
// CompletionQueue). Commands run concurrently inside it (many in flight per LU); COMPARE AND
// WRITE is serialised against other COMPARE AND WRITEs of the LU so it stays atomic.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "elements/iscsi/core/block_backend.hpp"

namespace pb::iscsi {

namespace scsi_status {
inline constexpr std::uint8_t kGood = 0x00;
inline constexpr std::uint8_t kCheckCondition = 0x02;
inline constexpr std::uint8_t kConditionMet = 0x04;
inline constexpr std::uint8_t kBusy = 0x08;
inline constexpr std::uint8_t kReservationConflict = 0x18;
inline constexpr std::uint8_t kTaskSetFull = 0x28;
inline constexpr std::uint8_t kTaskAborted = 0x40;
}  // namespace scsi_status

namespace sense_key {
inline constexpr std::uint8_t kNoSense = 0x0;
inline constexpr std::uint8_t kNotReady = 0x2;
inline constexpr std::uint8_t kMediumError = 0x3;
inline constexpr std::uint8_t kHardwareError = 0x4;
inline constexpr std::uint8_t kIllegalRequest = 0x5;
inline constexpr std::uint8_t kUnitAttention = 0x6;
inline constexpr std::uint8_t kDataProtect = 0x7;
inline constexpr std::uint8_t kAbortedCommand = 0xB;
inline constexpr std::uint8_t kMiscompare = 0xE;
}  // namespace sense_key

struct Sense {
  Sense() = default;
  Sense(std::uint8_t k, std::uint8_t c, std::uint8_t q) : key(k), asc(c), ascq(q) {}
  std::uint8_t key = 0;
  std::uint8_t asc = 0;
  std::uint8_t ascq = 0;
  std::optional<std::uint64_t> information;  // e.g. miscompare offset
  // Sense-key specific field pointer (SKSV): which CDB / parameter byte was wrong.
  std::optional<std::uint16_t> field;
  bool field_in_cdb = true;
  std::optional<std::uint8_t> field_bit;
  bool operator==(const Sense&) const = default;
};

// Fixed (0x70) or descriptor (0x72) format, per the control mode page's D_SENSE.
std::vector<std::uint8_t> encode_sense(const Sense& s, bool descriptor_format);

// Common senses.
Sense sense_invalid_opcode();
Sense sense_invalid_field_in_cdb(std::uint16_t byte, std::optional<std::uint8_t> bit = {});
Sense sense_invalid_field_in_parameter_list(std::uint16_t byte);
Sense sense_lba_out_of_range();
Sense sense_parameter_list_length_error();
Sense sense_write_protected();
Sense sense_medium_not_present();
Sense sense_miscompare(std::uint64_t offset);
Sense sense_invalid_field_in_iu();
Sense sense_lun_not_supported();

// A data buffer shared between the LU, the back end and the PDUs that carry it.
struct Buffer {
  std::shared_ptr<std::uint8_t[]> p;
  std::size_t n = 0;
  static Buffer allocate(std::size_t n);  // uninitialised
  static Buffer zeros(std::size_t n);
  static Buffer copy_of(std::span<const std::uint8_t> bytes);
  std::uint8_t* data() const { return p.get(); }
  std::size_t size() const { return n; }
  std::span<const std::uint8_t> span() const { return {p.get(), n}; }
};

// The initiator and target ports of an I_T nexus, as SPC names them (iSCSI: name + ",i,0x" + ISID;
// target name + ",t,0x" + portal group tag).
struct ItNexus {
  std::string initiator_name;
  std::string initiator_port;
  std::string target_port;
  std::uint16_t relative_target_port = 1;
  std::string key() const { return initiator_port + '|' + target_port; }
};

struct ScsiRequest {
  std::array<std::uint8_t, 16> cdb{};
  std::shared_ptr<const ItNexus> nexus;
  std::uint32_t expected_length = 0;  // iSCSI EDTL
  bool read = false;
  bool write = false;
  Buffer data_out;            // everything the initiator sent (<= expected_length)
  std::uint64_t task_id = 0;  // for aborting
};

struct ScsiResult {
  std::uint8_t status = scsi_status::kGood;
  std::vector<std::uint8_t> sense;  // encoded sense data, empty unless CHECK CONDITION
  Buffer data_in;                   // bytes the command produced (may exceed the EDTL)
  // For data-out commands: the length the command itself wanted (SPDTL), for residuals.
  std::optional<std::uint32_t> wanted_out;
};

using ScsiDone = std::function<void(ScsiResult)>;

struct LuConfig {
  std::uint32_t block_size = 512;
  std::uint8_t lbppbe = 3;  // 2^3 logical blocks per physical block (4 KiB physical)
  bool read_only = false;
  bool removable = false;
  bool thin = false;  // logical block provisioning: UNMAP, WRITE SAME with UNMAP, GET LBA STATUS
  std::string vendor = "PATCHBAY";
  std::string product = "patchbay disk";
  std::string revision = "0001";
  std::string serial;       // unit serial number (VPD 0x80)
  std::uint64_t naa = 0;    // NAA 6 identifier low bits (VPD 0x83), unique per LU
  std::string target_name;  // for the SCSI name string designator
  std::uint32_t max_transfer_blocks = 65536;
  std::uint32_t max_atomic_transfer_blocks = 256;
  std::uint32_t max_unmap_blocks = 1u << 20;
  std::uint32_t max_unmap_descriptors = 256;
  std::uint32_t max_write_same_blocks = 1u << 22;
  std::uint8_t max_compare_write_blocks = 128;
  // Bytes per second a SANITIZE OVERWRITE writes (0: as fast as the back end). Models a medium
  // on which a sanitize takes a while, and keeps one from monopolising the back end. Needs the
  // completion queue given to the LogicalUnit for its timers.
  std::uint64_t sanitize_rate = 0;
};

class LogicalUnit {
 public:
  // `timers`: where paced operations (LuConfig::sanitize_rate) schedule their next step.
  LogicalUnit(LuConfig config, std::unique_ptr<BlockBackend> backend,
              std::shared_ptr<CompletionQueue> timers = {});
  ~LogicalUnit();
  LogicalUnit(const LogicalUnit&) = delete;
  LogicalUnit& operator=(const LogicalUnit&) = delete;

  // Runs one command; `done` runs now or later (on the CompletionQueue's thread), exactly once.
  void execute(ScsiRequest req, ScsiDone done);

  // Whether the operation a command starts goes on without it (SANITIZE: SBC-4 §4.11): aborting
  // such a command forgets the task at once instead of waiting for the operation to end.
  static bool outlives_task(std::uint8_t opcode);

  // Transport events (SAM-5 §6.3).
  void nexus_lost(const ItNexus& nexus);       // session ended: release its SPC-2 state
  void logical_unit_reset(const ItNexus* by);  // LU RESET / target reset
  void power_on_reset();                       // target cold reset

  const LuConfig& config() const { return config_; }
  std::uint64_t block_count() const { return blocks_; }
  BlockBackend& backend() { return *backend_; }
  // Commands started and not yet completed (back end I/O outstanding).
  std::size_t in_flight() const { return in_flight_; }

 private:
  struct Pr;
  class Cmd;
  friend class Cmd;

  ScsiResult check(const Sense& s);
  // After a back-end step of a data-out command: GOOD, or MEDIUM ERROR (write error, or
  // unrecovered read error when `reading`), with the length the command wanted (residuals).
  ScsiResult io_result(const Status& st, std::uint64_t wanted_out, bool reading = false);
  std::optional<Sense> take_unit_attention(const ItNexus& nexus);
  void add_unit_attention_all(const Sense& s, const std::string* except_key = nullptr);
  void add_unit_attention(const std::string& key, const Sense& s);
  bool conflicts(const ItNexus& nexus, std::uint8_t opcode,
                 const std::array<std::uint8_t, 16>& cdb) const;

  void dispatch(ScsiRequest& req, ScsiDone done);
  // Runs the command by the opcode table: at once (state only) or via the back end.
  void route(ScsiRequest& req, ScsiDone done);
  // Individual commands.
  ScsiResult inquiry(const ScsiRequest& req);
  ScsiResult vpd_page(std::uint8_t page);
  ScsiResult report_luns(const ScsiRequest& req);
  ScsiResult read_capacity10(const ScsiRequest& req);
  ScsiResult read_capacity16(const ScsiRequest& req);
  ScsiResult mode_sense(const ScsiRequest& req);   // 6 or 10, from the opcode
  ScsiResult mode_select(const ScsiRequest& req);  // 6 or 10, from the opcode
  ScsiResult request_sense(const ScsiRequest& req);
  ScsiResult report_supported_opcodes(const ScsiRequest& req);
  ScsiResult get_lba_status(const ScsiRequest& req);
  ScsiResult start_stop(const ScsiRequest& req);
  ScsiResult prevent_allow(const ScsiRequest& req);
  ScsiResult reserve(const ScsiRequest& req);
  ScsiResult release(const ScsiRequest& req);
  ScsiResult pr_in(const ScsiRequest& req);
  ScsiResult pr_out(const ScsiRequest& req);
  ScsiResult read_defect_data(const ScsiRequest& req);  // 10 or 12, from the opcode
  void read(ScsiRequest& req, ScsiDone done);
  void write(ScsiRequest& req, ScsiDone done);
  void verify(ScsiRequest& req, ScsiDone done);
  void write_same(ScsiRequest& req, ScsiDone done);
  void unmap(ScsiRequest& req, ScsiDone done);
  void compare_and_write(ScsiRequest& req, ScsiDone done);
  void run_next_caw();
  void orwrite(ScsiRequest& req, ScsiDone done);
  void prefetch(ScsiRequest& req, ScsiDone done);
  void synchronize_cache(ScsiRequest& req, ScsiDone done);
  void sanitize(ScsiRequest& req, ScsiDone done);
  // Writes `len` bytes at `off` by repeating `chunk` (a whole number of blocks).
  void fill(std::uint64_t off, std::uint64_t len, Buffer chunk, bool fua,
            std::function<void(Status)> cb);
  // The same, one chunk at a time, `rate` bytes per second (timers_ schedules the next chunk).
  void fill_paced(std::uint64_t off, std::uint64_t len, Buffer chunk, std::uint64_t rate,
                  std::function<void(Status)> cb);

  // Back end helpers with in-flight accounting.
  void io(IoRequest r, std::function<void(Status)> cb);

  LuConfig config_;
  std::unique_ptr<BlockBackend> backend_;
  std::shared_ptr<CompletionQueue> timers_;
  std::uint64_t blocks_ = 0;
  std::size_t in_flight_ = 0;

  // Mode parameters (current values).
  bool wce_ = true;
  bool d_sense_ = false;
  bool swp_ = false;

  // Medium (removable LUs).
  bool medium_present_ = true;
  std::set<std::string> prevent_;  // nexus keys with PREVENT set

  // SPC-2 reservation holder (nexus key), if any.
  std::optional<std::string> reserved_by_;

  // Unit attentions per nexus key; nexuses not seen yet get POWER ON on first contact.
  std::map<std::string, std::deque<Sense>> ua_;

  std::unique_ptr<Pr> pr_;

  // SANITIZE in progress: most commands get NOT READY, SANITIZE IN PROGRESS.
  bool sanitizing_ = false;

  // COMPARE AND WRITE runs one at a time per LU.
  bool caw_busy_ = false;
  std::deque<std::pair<ScsiRequest, ScsiDone>> caw_queue_;

  // Set by the destructor so late back-end completions do not touch a dead LU.
  std::shared_ptr<bool> alive_;
};

}  // namespace pb::iscsi
