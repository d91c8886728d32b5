// iSCSI PDUs (RFC 7143 §11): the 48-byte Basic Header Segment of every opcode, as typed structs
// that decode from and encode to the wire layout, plus the received and outgoing PDU containers.
//
// Decoding never fails on length (a Bhs is always 48 bytes); semantic checks (reserved bits,
// field ranges) belong to the state machines, which know what answer the RFC wants.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace pb::iscsi {

inline constexpr std::size_t kBhsSize = 48;
inline constexpr std::uint32_t kReservedTag = 0xFFFFFFFFu;       // "no task" ITT / TTT
inline constexpr std::uint32_t kMaxDataSegmentField = 0xFFFFFF;  // 24-bit length field

enum class Opcode : std::uint8_t {
  // initiator → target
  nop_out = 0x00,
  scsi_command = 0x01,
  task_mgmt_request = 0x02,
  login_request = 0x03,
  text_request = 0x04,
  scsi_data_out = 0x05,
  logout_request = 0x06,
  snack_request = 0x10,
  // target → initiator
  nop_in = 0x20,
  scsi_response = 0x21,
  task_mgmt_response = 0x22,
  login_response = 0x23,
  text_response = 0x24,
  scsi_data_in = 0x25,
  logout_response = 0x26,
  r2t = 0x31,
  async_message = 0x32,
  reject = 0x3F,
};

bool is_initiator_opcode(std::uint8_t op);
bool is_target_opcode(std::uint8_t op);
const char* opcode_name(std::uint8_t op);  // "SCSI Command", or "unknown"

// Big-endian field access into a byte array, bounds fixed at compile time by the callers.
inline std::uint32_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 8 | p[1];
}
inline std::uint32_t load_be24(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 16 | static_cast<std::uint32_t>(p[1]) << 8 | p[2];
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}
inline std::uint64_t load_be64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(load_be32(p)) << 32 | load_be32(p + 4);
}
inline void store_be16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be24(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 16);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  store_be16(p, v >> 16);
  store_be16(p + 2, v & 0xFFFF);
}
inline void store_be64(std::uint8_t* p, std::uint64_t v) {
  store_be32(p, static_cast<std::uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<std::uint32_t>(v));
}

// The raw Basic Header Segment with the fields that every opcode shares.
struct Bhs {
  std::array<std::uint8_t, kBhsSize> b{};

  std::uint8_t opcode() const { return b[0] & 0x3F; }
  bool immediate() const { return (b[0] & 0x40) != 0; }
  std::uint8_t flags() const { return b[1]; }
  bool final_bit() const { return (b[1] & 0x80) != 0; }
  // AHS length in bytes (the field counts 4-byte words).
  std::size_t ahs_length() const { return static_cast<std::size_t>(b[4]) * 4; }
  std::uint32_t data_segment_length() const { return load_be24(&b[5]); }
  std::uint32_t itt() const { return load_be32(&b[16]); }
  std::uint64_t lun() const { return load_be64(&b[8]); }

  void set_ahs_length(std::size_t bytes) { b[4] = static_cast<std::uint8_t>(bytes / 4); }
  void set_data_segment_length(std::uint32_t n) { store_be24(&b[5], n); }

  bool operator==(const Bhs&) const = default;
};

// Each struct below holds every field of one opcode's BHS except TotalAHSLength and
// DataSegmentLength, which belong to the PDU as a whole and are filled in when it is framed.
// Its decode and encode follow the struct's layout table in pdu.cpp (one table per opcode serves
// both directions).
#define PB_ISCSI_BHS_MEMBERS(T)  \
  static T decode(const Bhs& h); \
  Bhs encode() const;            \
  bool operator==(const T&) const = default

struct NopOut {
  bool immediate = false;
  std::uint64_t lun = 0;
  std::uint32_t itt = kReservedTag;
  std::uint32_t ttt = kReservedTag;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  PB_ISCSI_BHS_MEMBERS(NopOut);
};

enum class TaskAttr : std::uint8_t {
  untagged = 0,
  simple = 1,
  ordered = 2,
  head_of_queue = 3,
  aca = 4
};

struct ScsiCommand {
  bool immediate = false;
  bool final = true;
  bool read = false;
  bool write = false;
  std::uint8_t attr = 1;  // TaskAttr, kept raw: reserved values must survive a round trip
  std::uint64_t lun = 0;
  std::uint32_t itt = 0;
  std::uint32_t expected_data_length = 0;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  std::array<std::uint8_t, 16> cdb{};
  PB_ISCSI_BHS_MEMBERS(ScsiCommand);
};

enum class TmfFunction : std::uint8_t {
  abort_task = 1,
  abort_task_set = 2,
  clear_aca = 3,
  clear_task_set = 4,
  logical_unit_reset = 5,
  target_warm_reset = 6,
  target_cold_reset = 7,
  task_reassign = 8,
};

struct TaskMgmtRequest {
  bool immediate = false;
  std::uint8_t function = 0;  // TmfFunction, raw
  std::uint64_t lun = 0;
  std::uint32_t itt = 0;
  std::uint32_t referenced_task_tag = kReservedTag;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t ref_cmd_sn = 0;
  std::uint32_t exp_data_sn = 0;
  PB_ISCSI_BHS_MEMBERS(TaskMgmtRequest);
};

using Isid = std::array<std::uint8_t, 6>;

struct LoginRequest {
  bool transit = false;
  bool cont = false;
  std::uint8_t csg = 0;
  std::uint8_t nsg = 0;
  std::uint8_t version_max = 0;
  std::uint8_t version_min = 0;
  Isid isid{};
  std::uint16_t tsih = 0;
  std::uint32_t itt = 0;
  std::uint16_t cid = 0;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  PB_ISCSI_BHS_MEMBERS(LoginRequest);
};

struct TextRequest {
  bool immediate = false;
  bool final = true;
  bool cont = false;
  std::uint64_t lun = 0;
  std::uint32_t itt = 0;
  std::uint32_t ttt = kReservedTag;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  PB_ISCSI_BHS_MEMBERS(TextRequest);
};

struct DataOut {
  bool final = false;
  std::uint64_t lun = 0;
  std::uint32_t itt = 0;
  std::uint32_t ttt = kReservedTag;
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t data_sn = 0;
  std::uint32_t buffer_offset = 0;
  PB_ISCSI_BHS_MEMBERS(DataOut);
};

enum class LogoutReason : std::uint8_t {
  close_session = 0,
  close_connection = 1,
  remove_connection = 2
};

struct LogoutRequest {
  bool immediate = false;
  std::uint8_t reason = 0;  // LogoutReason, raw
  std::uint32_t itt = 0;
  std::uint16_t cid = 0;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  PB_ISCSI_BHS_MEMBERS(LogoutRequest);
};

struct SnackRequest {
  std::uint8_t type = 0;
  std::uint64_t lun = 0;
  std::uint32_t itt = kReservedTag;
  std::uint32_t ttt = kReservedTag;
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t beg_run = 0;
  std::uint32_t run_length = 0;
  PB_ISCSI_BHS_MEMBERS(SnackRequest);
};

struct NopIn {
  std::uint64_t lun = 0;
  std::uint32_t itt = kReservedTag;
  std::uint32_t ttt = kReservedTag;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  PB_ISCSI_BHS_MEMBERS(NopIn);
};

struct ScsiResponse {
  bool bidi_overflow = false;   // o
  bool bidi_underflow = false;  // u
  bool overflow = false;        // O
  bool underflow = false;       // U
  std::uint8_t response = 0;    // 0 = command completed at target
  std::uint8_t status = 0;      // SCSI status
  std::uint32_t itt = 0;
  std::uint32_t snack_tag = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t exp_data_sn = 0;
  std::uint32_t bidi_residual = 0;
  std::uint32_t residual = 0;
  PB_ISCSI_BHS_MEMBERS(ScsiResponse);
};

struct TaskMgmtResponse {
  std::uint8_t response = 0;
  std::uint32_t itt = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  PB_ISCSI_BHS_MEMBERS(TaskMgmtResponse);
};

struct LoginResponse {
  bool transit = false;
  bool cont = false;
  std::uint8_t csg = 0;
  std::uint8_t nsg = 0;
  std::uint8_t version_max = 0;
  std::uint8_t version_active = 0;
  Isid isid{};
  std::uint16_t tsih = 0;
  std::uint32_t itt = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint8_t status_class = 0;
  std::uint8_t status_detail = 0;
  PB_ISCSI_BHS_MEMBERS(LoginResponse);
};

struct TextResponse {
  bool final = true;
  bool cont = false;
  std::uint64_t lun = 0;
  std::uint32_t itt = 0;
  std::uint32_t ttt = kReservedTag;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  PB_ISCSI_BHS_MEMBERS(TextResponse);
};

struct DataIn {
  bool final = false;
  bool ack = false;
  bool overflow = false;
  bool underflow = false;
  bool has_status = false;  // S
  std::uint8_t status = 0;
  std::uint64_t lun = 0;
  std::uint32_t itt = 0;
  std::uint32_t ttt = kReservedTag;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t data_sn = 0;
  std::uint32_t buffer_offset = 0;
  std::uint32_t residual = 0;
  PB_ISCSI_BHS_MEMBERS(DataIn);
};

struct LogoutResponse {
  std::uint8_t response = 0;
  std::uint32_t itt = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint16_t time2wait = 0;
  std::uint16_t time2retain = 0;
  PB_ISCSI_BHS_MEMBERS(LogoutResponse);
};

struct R2t {
  std::uint64_t lun = 0;
  std::uint32_t itt = 0;
  std::uint32_t ttt = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t r2t_sn = 0;
  std::uint32_t buffer_offset = 0;
  std::uint32_t desired_length = 0;
  PB_ISCSI_BHS_MEMBERS(R2t);
};

struct AsyncMessage {
  std::uint64_t lun = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint8_t event = 0;
  std::uint8_t vcode = 0;
  std::uint16_t parameter1 = 0;
  std::uint16_t parameter2 = 0;
  std::uint16_t parameter3 = 0;
  PB_ISCSI_BHS_MEMBERS(AsyncMessage);
};

enum class RejectReason : std::uint8_t {
  data_digest_error = 0x02,
  snack_reject = 0x03,
  protocol_error = 0x04,
  command_not_supported = 0x05,
  immediate_command_reject = 0x06,
  task_in_progress = 0x07,
  invalid_data_ack = 0x08,
  invalid_pdu_field = 0x09,
  long_op_reject = 0x0A,
  negotiation_reset = 0x0B,
  waiting_for_logout = 0x0C,
};

struct Reject {
  std::uint8_t reason = 0;  // RejectReason, raw
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t data_sn = 0;  // DataSN / R2TSN / reserved
  PB_ISCSI_BHS_MEMBERS(Reject);
};

// A PDU as received: header, AHS and data segment without padding or digests.
struct Pdu {
  Bhs bhs;
  std::vector<std::uint8_t> ahs;
  std::vector<std::uint8_t> data;
};

// A received PDU without ownership: what a Connection's handlers read. The transport keeps the
// bytes alive for the duration of the call (a packet, the framer's buffers); whatever must outlive
// it (held commands, write data) is copied, unless `keep` says the bytes may be kept.
struct PduView {
  Bhs bhs;
  std::span<const std::uint8_t> ahs;
  std::span<const std::uint8_t> data;
  // Set by a transport whose buffer may outlive the call (a received packet): the target then
  // keeps `data` by reference instead of copying it (write data that came whole as immediate
  // data goes from the packet straight to the back end).
  std::shared_ptr<const void> keep;
  static PduView of(const Pdu& p) { return {p.bhs, p.ahs, p.data, {}}; }
};

// A PDU to send. Its data segment either lives in `owned` or is a view (`view`, kept alive by
// `keep`) into memory owned elsewhere, typically a back-end buffer, so large Data-In segments go to
// the transport as iovecs without a copy. `encode_pdu` (framer.hpp) fills the length fields,
// padding and digests.
struct OutPdu {
  Bhs bhs;
  std::vector<std::uint8_t> ahs;
  std::vector<std::uint8_t> owned;
  std::span<const std::uint8_t> view;
  std::shared_ptr<const void> keep;

  // Filled by encode_pdu.
  std::array<std::uint8_t, 4> header_digest{};
  std::array<std::uint8_t, 8> tail{};  // padding (0..3 bytes) then data digest (0 or 4 bytes)
  std::uint8_t tail_len = 0;
  bool has_header_digest = false;

  std::span<const std::uint8_t> data() const {
    return view.data() != nullptr ? view : std::span<const std::uint8_t>(owned);
  }
  std::size_t wire_size() const {
    return kBhsSize + ahs.size() + (has_header_digest ? 4 : 0) + data().size() + tail_len;
  }
};

inline std::size_t pad4(std::size_t n) {
  return (n + 3) & ~static_cast<std::size_t>(3);
}

}  // namespace pb::iscsi
