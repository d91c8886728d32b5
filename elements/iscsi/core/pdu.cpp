#include "elements/iscsi/core/pdu.hpp"

#include <algorithm>
#include <tuple>
#include <type_traits>

namespace pb::iscsi {
namespace {

// Where one member of a BHS struct sits on the wire. Integers of 2, 4 and 8 bytes are big-endian
// from `byte`; a bool is the bits `mask` of `byte`; a one-byte integer is
// `(b[byte] >> shift) & mask`; a byte array (ISID, CDB) is copied from `byte` on.
template <class T, class M>
struct Field {
  M T::*member;
  std::uint8_t byte;
  std::uint8_t mask;
  std::uint8_t shift;
};

template <class T, class M>
constexpr Field<T, M> at(M T::*member, std::uint8_t byte, std::uint8_t mask = 0xFF,
                         std::uint8_t shift = 0) {
  return {member, byte, mask, shift};
}

// One opcode's BHS: the opcode, bits of bytes 0 and 1 that are always set on encoding (the
// Immediate bit of a Login Request, the F bit of single-PDU opcodes), whether the ITT field is
// the reserved tag, and every field. decode reads exactly the listed fields; encode writes them
// into a zeroed header, so reserved bytes stay zero.
template <class T, class... M>
struct Layout {
  Opcode op;
  std::uint8_t always0;
  std::uint8_t always1;
  bool reserved_itt;
  std::tuple<Field<T, M>...> fields;
};

struct Fixed {
  std::uint8_t always0 = 0;
  std::uint8_t always1 = 0;
  bool reserved_itt = false;
};
constexpr Fixed kFinal{0, 0x80, false};           // single-PDU target opcodes: F always set
constexpr Fixed kFinalNoTask{0, 0x80, true};      // ... that concern no task (ITT reserved)
constexpr Fixed kImmediateLogin{0x40, 0, false};  // a Login Request always has I set

template <class T, class... M>
constexpr Layout<T, M...> layout(Opcode op, Fixed fixed, Field<T, M>... fields) {
  return {op, fixed.always0, fixed.always1, fixed.reserved_itt, {fields...}};
}

template <class M, class T>
void get(const Bhs& h, T& out, const Field<T, M>& f) {
  M& v = out.*f.member;
  const std::uint8_t* p = &h.b[f.byte];
  if constexpr (std::is_same_v<M, bool>) {
    v = (*p & f.mask) != 0;
  } else if constexpr (std::is_same_v<M, std::uint8_t>) {
    v = static_cast<std::uint8_t>((*p >> f.shift) & f.mask);
  } else if constexpr (std::is_same_v<M, std::uint16_t>) {
    v = static_cast<std::uint16_t>(load_be16(p));
  } else if constexpr (std::is_same_v<M, std::uint32_t>) {
    v = load_be32(p);
  } else if constexpr (std::is_same_v<M, std::uint64_t>) {
    v = load_be64(p);
  } else {
    std::copy_n(p, v.size(), v.begin());
  }
}

template <class M, class T>
void put(Bhs& h, const T& in, const Field<T, M>& f) {
  const M& v = in.*f.member;
  std::uint8_t* p = &h.b[f.byte];
  if constexpr (std::is_same_v<M, bool>) {
    if (v) *p |= f.mask;
  } else if constexpr (std::is_same_v<M, std::uint8_t>) {
    *p |= static_cast<std::uint8_t>((v & f.mask) << f.shift);
  } else if constexpr (std::is_same_v<M, std::uint16_t>) {
    store_be16(p, v);
  } else if constexpr (std::is_same_v<M, std::uint32_t>) {
    store_be32(p, v);
  } else if constexpr (std::is_same_v<M, std::uint64_t>) {
    store_be64(p, v);
  } else {
    std::copy(v.begin(), v.end(), p);
  }
}

template <class T, class... M>
T decode_with(const Bhs& h, const Layout<T, M...>& l) {
  T out{};
  std::apply([&](const auto&... f) { (get(h, out, f), ...); }, l.fields);
  return out;
}

template <class T, class... M>
Bhs encode_with(const T& in, const Layout<T, M...>& l) {
  Bhs h;
  h.b[0] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(l.op) | l.always0);
  h.b[1] = l.always1;
  if (l.reserved_itt) store_be32(&h.b[16], kReservedTag);
  std::apply([&](const auto&... f) { (put(h, in, f), ...); }, l.fields);
  return h;
}

}  // namespace

bool is_initiator_opcode(std::uint8_t op) {
  switch (static_cast<Opcode>(op)) {
    case Opcode::nop_out:
    case Opcode::scsi_command:
    case Opcode::task_mgmt_request:
    case Opcode::login_request:
    case Opcode::text_request:
    case Opcode::scsi_data_out:
    case Opcode::logout_request:
    case Opcode::snack_request:
      return true;
    default:
      return false;
  }
}

bool is_target_opcode(std::uint8_t op) {
  switch (static_cast<Opcode>(op)) {
    case Opcode::nop_in:
    case Opcode::scsi_response:
    case Opcode::task_mgmt_response:
    case Opcode::login_response:
    case Opcode::text_response:
    case Opcode::scsi_data_in:
    case Opcode::logout_response:
    case Opcode::r2t:
    case Opcode::async_message:
    case Opcode::reject:
      return true;
    default:
      return false;
  }
}

const char* opcode_name(std::uint8_t op) {
  switch (static_cast<Opcode>(op)) {
    case Opcode::nop_out:
      return "NOP-Out";
    case Opcode::scsi_command:
      return "SCSI Command";
    case Opcode::task_mgmt_request:
      return "Task Management Request";
    case Opcode::login_request:
      return "Login Request";
    case Opcode::text_request:
      return "Text Request";
    case Opcode::scsi_data_out:
      return "SCSI Data-Out";
    case Opcode::logout_request:
      return "Logout Request";
    case Opcode::snack_request:
      return "SNACK Request";
    case Opcode::nop_in:
      return "NOP-In";
    case Opcode::scsi_response:
      return "SCSI Response";
    case Opcode::task_mgmt_response:
      return "Task Management Response";
    case Opcode::login_response:
      return "Login Response";
    case Opcode::text_response:
      return "Text Response";
    case Opcode::scsi_data_in:
      return "SCSI Data-In";
    case Opcode::logout_response:
      return "Logout Response";
    case Opcode::r2t:
      return "R2T";
    case Opcode::async_message:
      return "Asynchronous Message";
    case Opcode::reject:
      return "Reject";
  }
  return "unknown";
}

namespace {

// ---- the layout of every opcode's BHS (RFC 7143 §11) -------------------------------------------
// Shared offsets: LUN 8, ITT 16, TTT 20; CmdSN 24 / ExpStatSN 28 from the initiator, StatSN 24 /
// ExpCmdSN 28 / MaxCmdSN 32 from the target.

// clang-format off
constexpr auto kNopOut = layout(Opcode::nop_out, kFinal,
    at(&NopOut::immediate, 0, 0x40), at(&NopOut::lun, 8), at(&NopOut::itt, 16),
    at(&NopOut::ttt, 20), at(&NopOut::cmd_sn, 24), at(&NopOut::exp_stat_sn, 28));

constexpr auto kScsiCommand = layout(Opcode::scsi_command, {},
    at(&ScsiCommand::immediate, 0, 0x40), at(&ScsiCommand::final, 1, 0x80),
    at(&ScsiCommand::read, 1, 0x40), at(&ScsiCommand::write, 1, 0x20),
    at(&ScsiCommand::attr, 1, 0x07), at(&ScsiCommand::lun, 8), at(&ScsiCommand::itt, 16),
    at(&ScsiCommand::expected_data_length, 20), at(&ScsiCommand::cmd_sn, 24),
    at(&ScsiCommand::exp_stat_sn, 28), at(&ScsiCommand::cdb, 32));

constexpr auto kTaskMgmtRequest = layout(Opcode::task_mgmt_request, kFinal,
    at(&TaskMgmtRequest::immediate, 0, 0x40), at(&TaskMgmtRequest::function, 1, 0x7F),
    at(&TaskMgmtRequest::lun, 8), at(&TaskMgmtRequest::itt, 16),
    at(&TaskMgmtRequest::referenced_task_tag, 20), at(&TaskMgmtRequest::cmd_sn, 24),
    at(&TaskMgmtRequest::exp_stat_sn, 28), at(&TaskMgmtRequest::ref_cmd_sn, 32),
    at(&TaskMgmtRequest::exp_data_sn, 36));

constexpr auto kLoginRequest = layout(Opcode::login_request, kImmediateLogin,
    at(&LoginRequest::transit, 1, 0x80), at(&LoginRequest::cont, 1, 0x40),
    at(&LoginRequest::csg, 1, 3, 2), at(&LoginRequest::nsg, 1, 3),
    at(&LoginRequest::version_max, 2), at(&LoginRequest::version_min, 3),
    at(&LoginRequest::isid, 8), at(&LoginRequest::tsih, 14), at(&LoginRequest::itt, 16),
    at(&LoginRequest::cid, 20), at(&LoginRequest::cmd_sn, 24),
    at(&LoginRequest::exp_stat_sn, 28));

constexpr auto kTextRequest = layout(Opcode::text_request, {},
    at(&TextRequest::immediate, 0, 0x40), at(&TextRequest::final, 1, 0x80),
    at(&TextRequest::cont, 1, 0x40), at(&TextRequest::lun, 8), at(&TextRequest::itt, 16),
    at(&TextRequest::ttt, 20), at(&TextRequest::cmd_sn, 24), at(&TextRequest::exp_stat_sn, 28));

constexpr auto kDataOut = layout(Opcode::scsi_data_out, {},
    at(&DataOut::final, 1, 0x80), at(&DataOut::lun, 8), at(&DataOut::itt, 16),
    at(&DataOut::ttt, 20), at(&DataOut::exp_stat_sn, 28), at(&DataOut::data_sn, 36),
    at(&DataOut::buffer_offset, 40));

constexpr auto kLogoutRequest = layout(Opcode::logout_request, kFinal,
    at(&LogoutRequest::immediate, 0, 0x40), at(&LogoutRequest::reason, 1, 0x7F),
    at(&LogoutRequest::itt, 16), at(&LogoutRequest::cid, 20), at(&LogoutRequest::cmd_sn, 24),
    at(&LogoutRequest::exp_stat_sn, 28));

constexpr auto kSnackRequest = layout(Opcode::snack_request, kFinal,
    at(&SnackRequest::type, 1, 0x0F), at(&SnackRequest::lun, 8), at(&SnackRequest::itt, 16),
    at(&SnackRequest::ttt, 20), at(&SnackRequest::exp_stat_sn, 28),
    at(&SnackRequest::beg_run, 40), at(&SnackRequest::run_length, 44));

constexpr auto kNopIn = layout(Opcode::nop_in, kFinal,
    at(&NopIn::lun, 8), at(&NopIn::itt, 16), at(&NopIn::ttt, 20), at(&NopIn::stat_sn, 24),
    at(&NopIn::exp_cmd_sn, 28), at(&NopIn::max_cmd_sn, 32));

constexpr auto kScsiResponse = layout(Opcode::scsi_response, kFinal,
    at(&ScsiResponse::bidi_overflow, 1, 0x10), at(&ScsiResponse::bidi_underflow, 1, 0x08),
    at(&ScsiResponse::overflow, 1, 0x04), at(&ScsiResponse::underflow, 1, 0x02),
    at(&ScsiResponse::response, 2), at(&ScsiResponse::status, 3), at(&ScsiResponse::itt, 16),
    at(&ScsiResponse::snack_tag, 20), at(&ScsiResponse::stat_sn, 24),
    at(&ScsiResponse::exp_cmd_sn, 28), at(&ScsiResponse::max_cmd_sn, 32),
    at(&ScsiResponse::exp_data_sn, 36), at(&ScsiResponse::bidi_residual, 40),
    at(&ScsiResponse::residual, 44));

constexpr auto kTaskMgmtResponse = layout(Opcode::task_mgmt_response, kFinal,
    at(&TaskMgmtResponse::response, 2), at(&TaskMgmtResponse::itt, 16),
    at(&TaskMgmtResponse::stat_sn, 24), at(&TaskMgmtResponse::exp_cmd_sn, 28),
    at(&TaskMgmtResponse::max_cmd_sn, 32));

constexpr auto kLoginResponse = layout(Opcode::login_response, {},
    at(&LoginResponse::transit, 1, 0x80), at(&LoginResponse::cont, 1, 0x40),
    at(&LoginResponse::csg, 1, 3, 2), at(&LoginResponse::nsg, 1, 3),
    at(&LoginResponse::version_max, 2), at(&LoginResponse::version_active, 3),
    at(&LoginResponse::isid, 8), at(&LoginResponse::tsih, 14), at(&LoginResponse::itt, 16),
    at(&LoginResponse::stat_sn, 24), at(&LoginResponse::exp_cmd_sn, 28),
    at(&LoginResponse::max_cmd_sn, 32), at(&LoginResponse::status_class, 36),
    at(&LoginResponse::status_detail, 37));

constexpr auto kTextResponse = layout(Opcode::text_response, {},
    at(&TextResponse::final, 1, 0x80), at(&TextResponse::cont, 1, 0x40),
    at(&TextResponse::lun, 8), at(&TextResponse::itt, 16), at(&TextResponse::ttt, 20),
    at(&TextResponse::stat_sn, 24), at(&TextResponse::exp_cmd_sn, 28),
    at(&TextResponse::max_cmd_sn, 32));

constexpr auto kDataIn = layout(Opcode::scsi_data_in, {},
    at(&DataIn::final, 1, 0x80), at(&DataIn::ack, 1, 0x40), at(&DataIn::overflow, 1, 0x04),
    at(&DataIn::underflow, 1, 0x02), at(&DataIn::has_status, 1, 0x01), at(&DataIn::status, 3),
    at(&DataIn::lun, 8), at(&DataIn::itt, 16), at(&DataIn::ttt, 20), at(&DataIn::stat_sn, 24),
    at(&DataIn::exp_cmd_sn, 28), at(&DataIn::max_cmd_sn, 32), at(&DataIn::data_sn, 36),
    at(&DataIn::buffer_offset, 40), at(&DataIn::residual, 44));

constexpr auto kLogoutResponse = layout(Opcode::logout_response, kFinal,
    at(&LogoutResponse::response, 2), at(&LogoutResponse::itt, 16),
    at(&LogoutResponse::stat_sn, 24), at(&LogoutResponse::exp_cmd_sn, 28),
    at(&LogoutResponse::max_cmd_sn, 32), at(&LogoutResponse::time2wait, 40),
    at(&LogoutResponse::time2retain, 42));

constexpr auto kR2t = layout(Opcode::r2t, kFinal,
    at(&R2t::lun, 8), at(&R2t::itt, 16), at(&R2t::ttt, 20), at(&R2t::stat_sn, 24),
    at(&R2t::exp_cmd_sn, 28), at(&R2t::max_cmd_sn, 32), at(&R2t::r2t_sn, 36),
    at(&R2t::buffer_offset, 40), at(&R2t::desired_length, 44));

constexpr auto kAsyncMessage = layout(Opcode::async_message, kFinalNoTask,
    at(&AsyncMessage::lun, 8), at(&AsyncMessage::stat_sn, 24),
    at(&AsyncMessage::exp_cmd_sn, 28), at(&AsyncMessage::max_cmd_sn, 32),
    at(&AsyncMessage::event, 36), at(&AsyncMessage::vcode, 37),
    at(&AsyncMessage::parameter1, 38), at(&AsyncMessage::parameter2, 40),
    at(&AsyncMessage::parameter3, 42));

constexpr auto kReject = layout(Opcode::reject, kFinalNoTask,
    at(&Reject::reason, 2), at(&Reject::stat_sn, 24), at(&Reject::exp_cmd_sn, 28),
    at(&Reject::max_cmd_sn, 32), at(&Reject::data_sn, 36));
// clang-format on

}  // namespace

// Every struct's decode and encode are its layout read or written.
#define PB_ISCSI_BHS_CODEC(T)        \
  T T::decode(const Bhs& h) {        \
    return decode_with(h, k##T);     \
  }                                  \
  Bhs T::encode() const {            \
    return encode_with(*this, k##T); \
  }

PB_ISCSI_BHS_CODEC(NopOut)
PB_ISCSI_BHS_CODEC(ScsiCommand)
PB_ISCSI_BHS_CODEC(TaskMgmtRequest)
PB_ISCSI_BHS_CODEC(LoginRequest)
PB_ISCSI_BHS_CODEC(TextRequest)
PB_ISCSI_BHS_CODEC(DataOut)
PB_ISCSI_BHS_CODEC(LogoutRequest)
PB_ISCSI_BHS_CODEC(SnackRequest)
PB_ISCSI_BHS_CODEC(NopIn)
PB_ISCSI_BHS_CODEC(ScsiResponse)
PB_ISCSI_BHS_CODEC(TaskMgmtResponse)
PB_ISCSI_BHS_CODEC(LoginResponse)
PB_ISCSI_BHS_CODEC(TextResponse)
PB_ISCSI_BHS_CODEC(DataIn)
PB_ISCSI_BHS_CODEC(LogoutResponse)
PB_ISCSI_BHS_CODEC(R2t)
PB_ISCSI_BHS_CODEC(AsyncMessage)
PB_ISCSI_BHS_CODEC(Reject)

#undef PB_ISCSI_BHS_CODEC

}  // namespace pb::iscsi
